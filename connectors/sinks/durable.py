"""The shape of every sink step of the always-on chain: it takes its own part of each outcome as it comes,
makes that part durable once per bundle, and only then passes every outcome on. The last step commits the
Kafka offsets, so an offset moves only after every sink before it has made its outcome durable."""

from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue


class PassOnWhenDurable(beam.DoFn):
    """Subclasses implement ``take`` (may return a replacement outcome, e.g. a dead letter for a story that
    could not be written) and ``make_durable``."""

    def start_bundle(self) -> None:
        self._held: list[tuple[Any, WindowedValue]] = []

    # The element's windowed value as one parameter, not its timestamp and window as two: Beam fills each
    # parameter of ``process`` for every element by comparing it with each kind of parameter it knows.
    def process(self, outcome: Any, windowed: Any = beam.DoFn.WindowedValueParam) -> Iterator[Any]:
        self._held.append((self.take(outcome), windowed))
        return iter(())

    def finish_bundle(self) -> Iterator[WindowedValue]:
        self.make_durable()
        held, self._held = self._held, []
        for outcome, windowed in held:
            yield WindowedValue(outcome, windowed.timestamp, windowed.windows)

    def take(self, outcome: Any) -> Any:
        return outcome

    def make_durable(self) -> None:
        pass
