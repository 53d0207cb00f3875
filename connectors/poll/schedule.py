"""When to poll a feed next: adaptive intervals from its observed update rate, and backoff after failures.

Pure functions of their inputs: the time is passed in, and randomness comes from a ``random.Random`` the
caller seeds, so a test (or a replay) gets the same schedule every time.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Sequence

MAX_BACKOFF = 6 * 3600.0


def _aware(*times: datetime | None) -> None:
    for t in times:
        if t is not None and t.tzinfo is None:
            raise ValueError(f"naive datetime {t.isoformat()} (timezone-aware datetimes only)")


def adaptive_interval(
    updates: Sequence[datetime],
    watched_since: datetime | None,
    now: datetime,
    lo: float,
    hi: float,
    factor: float = 0.5,
) -> float:
    """Seconds until the next poll, within [lo, hi].

    ``updates`` are the times polls found new items. The expected wait until the next item is the mean gap
    between updates, or the quiet time since the last one when the feed has gone quieter than usual; we
    poll at ``factor`` times that, so a feed that posts hourly is polled about every 30 minutes.
    With no history we start at ``lo`` and slow down as the quiet lasts.
    """
    _aware(now, watched_since, *updates)
    if lo > hi:
        raise ValueError("lo must not exceed hi")
    events = sorted(t for t in updates if t <= now)
    if events:
        quiet = (now - events[-1]).total_seconds()
        gap = (events[-1] - events[0]).total_seconds() / (len(events) - 1) if len(events) > 1 else quiet
        estimate = max(gap, quiet)
    elif watched_since is not None and watched_since <= now:
        estimate = (now - watched_since).total_seconds()
    else:
        estimate = 0.0
    return min(hi, max(lo, estimate * factor))


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` consecutive failures: base * 2**(n-1), stretched by up to 2x at
    random (jitter, so feeds that failed together do not retry together), never over ``cap``.
    Bounds: base <= delay <= cap for failures >= 1 (when base <= cap)."""
    if failures < 1:
        return 0.0
    exponent = min(failures - 1, 60)  # 2**60 * base already exceeds any cap
    return min(cap, base * 2.0**exponent * (1.0 + rng.random()))


def failure_delay(
    failures: int, retry_after: float | None, lo: float, hi: float, rng: random.Random, cap: float = MAX_BACKOFF
) -> float:
    """The wait after a failed poll: backoff from ``lo``, but at least what Retry-After asked for."""
    delay = backoff_delay(failures, lo, max(cap, hi), rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, max(cap, hi)))
    return delay
