"""Floors for property tests whose assertions are conditional ("where the fast path answers, it agrees";
"every dead letter has a reason"): counted over all of a hypothesis test's examples, so that a code path
answering nothing, or a loop over results that are always empty, fails the test instead of passing it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable


class Floor:
    """Minimum counts for one test: ``FLOOR = Floor(answered=40)``; decorate the hypothesis test with
    ``@FLOOR`` (outermost) and call ``FLOOR.count("answered")`` in its body. After all examples ran, each
    count must reach its minimum. Set the minimums well below what is measured (hypothesis draws afresh on
    each run), but far above zero."""

    def __init__(self, **minimums: int) -> None:
        self.minimums = minimums
        self.counts: Counter[str] = Counter()

    def count(self, name: str, amount: int | bool = 1) -> None:
        if name not in self.minimums:
            raise KeyError(f"no floor named {name!r}")
        self.counts[name] += int(amount)

    def __call__(self, test: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            self.counts.clear()
            test()
            short = {name: self.counts[name] for name, least in self.minimums.items() if self.counts[name] < least}
            assert not short, f"below the floor: {short} (minimums {self.minimums})"

        run.__name__, run.__qualname__ = test.__name__, test.__qualname__
        run.__doc__, run.__module__ = test.__doc__, test.__module__
        return run
