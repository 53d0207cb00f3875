"""Adaptive intervals and backoff: bounds hold for any input, and the same seed gives the same schedule."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from wirewatch.connectors.poll.schedule import adaptive_interval, backoff_delay, failure_delay
from tests.connectors.http.helpers import NOW

times = st.datetimes(
    # hypothesis takes naive bounds and attaches the timezone itself
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=datetime(2030, 1, 1),  # noqa: DTZ001
    timezones=st.just(timezone.utc),
)
bounds = st.tuples(st.floats(1, 3600), st.floats(1, 86400)).map(sorted)


@given(st.lists(times, max_size=25), st.none() | times, times, bounds)
def test_adaptive_interval_stays_within_bounds(updates, since, now, lohi) -> None:
    lo, hi = lohi
    assert lo <= adaptive_interval(updates, since, now, lo, hi) <= hi


def test_adaptive_interval_follows_the_update_rate() -> None:
    hourly = [NOW - timedelta(hours=h) for h in range(5, 0, -1)]
    assert adaptive_interval(hourly, None, NOW - timedelta(minutes=59), 60, 7200) == 1800  # half the gap
    assert adaptive_interval([], None, NOW, 60, 7200) == 60  # nothing known: poll eagerly
    assert adaptive_interval([], NOW - timedelta(days=3), NOW, 60, 7200) == 7200  # long quiet: slow down
    assert adaptive_interval(hourly, None, NOW + timedelta(hours=10), 60, 7200) == 7200  # gone quiet


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        adaptive_interval([], None, NOW.replace(tzinfo=None), 1, 2)


@given(st.integers(1, 500), st.floats(1, 3600), st.floats(1, 86400), st.integers(0, 2**32))
def test_backoff_bounds(failures: int, base: float, cap: float, seed: int) -> None:
    cap = max(cap, base)
    delay = backoff_delay(failures, base, cap, random.Random(seed))
    assert base <= delay <= cap
    assert delay <= base * 2.0 ** min(failures, 61)


@given(st.integers(1, 40), st.integers(0, 2**32))
def test_backoff_is_deterministic_for_a_seed(failures: int, seed: int) -> None:
    one = [backoff_delay(n, 60, 21600, random.Random(seed)) for n in range(1, failures + 1)]
    two = [backoff_delay(n, 60, 21600, random.Random(seed)) for n in range(1, failures + 1)]
    assert one == two


@given(st.integers(1, 30), st.none() | st.floats(0, 10**7), st.integers(0, 1000))
def test_failure_delay_honours_retry_after(failures: int, retry_after, seed: int) -> None:
    delay = failure_delay(failures, retry_after, 60, 3600, random.Random(seed))
    assert 60 <= delay <= 6 * 3600
    if retry_after is not None:
        assert delay >= min(retry_after, 6 * 3600)
