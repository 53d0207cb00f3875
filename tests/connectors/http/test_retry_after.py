"""429/503 with Retry-After in both forms, and the parser's edge cases."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.http.model import FetchError
from wirewatch.connectors.poll.cycle import poll_cycle
from wirewatch.connectors.http.retryafter import MAX_RETRY_AFTER, parse_retry_after
from tests.connectors.http.helpers import NOW, LineParser, client, fetch
from tests.connectors.http.servers import LocalServer, send


def test_429_with_delta_seconds(server: LocalServer) -> None:
    server.routes["/f"] = lambda h: send(h, 429, b"slow down", {"Retry-After": "120"})
    result = fetch(client(), server.url("/f"))
    assert isinstance(result, FetchError) and result.status == 429 and result.retriable
    assert result.retry_after == 120.0 and "Retry-After 120s" in result.reason


def test_503_with_http_date(server: LocalServer) -> None:
    when = "Sun, 01 Mar 2026 12:10:00 GMT"  # NOW + 10 minutes
    server.routes["/f"] = lambda h: send(h, 503, b"maintenance", {"Retry-After": when})
    result = fetch(client(), server.url("/f"))
    assert isinstance(result, FetchError) and result.status == 503 and result.retriable
    assert result.retry_after == 600.0


def test_poller_waits_at_least_as_long_as_asked(server: LocalServer) -> None:
    server.routes["/a"] = lambda h: send(h, 429, headers={"Retry-After": "7200"})
    server.routes["/b"] = lambda h: send(h, 503, headers={"Retry-After": "Sun, 01 Mar 2026 15:00:00 GMT"})
    feeds = [FeedConfig("a", server.url("/a"), min_interval=60), FeedConfig("b", server.url("/b"), min_interval=60)]
    out = poll_cycle(feeds, {}, LineParser(), client(), NOW, rng=random.Random(1))
    assert out.states["a"].next_poll >= NOW + timedelta(hours=2)
    assert out.states["b"].next_poll >= NOW + timedelta(hours=3)
    assert {e.status for e in out.errors} == {429, 503} and all(e.retriable for e in out.errors)


def test_known_values() -> None:
    assert parse_retry_after("0", NOW) == 0.0
    assert parse_retry_after(" 30 ", NOW) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", NOW) == 0.0  # in the past: go now
    assert parse_retry_after("Sunday, 01-Mar-26 12:01:00 GMT", NOW) == 60.0  # RFC 850 form
    assert parse_retry_after("99999999999999999999", NOW) == MAX_RETRY_AFTER
    for junk in (None, "", "-5", "1.5", "soon", "Sun, 99 Foo 2026", "\u0661\u0662"):
        assert parse_retry_after(junk, NOW) is None


@given(st.text(max_size=80), st.datetimes(timezones=st.just(timezone.utc)))
def test_never_raises_and_stays_in_bounds(text: str, now: datetime) -> None:
    value = parse_retry_after(text, now)
    assert value is None or 0.0 <= value <= MAX_RETRY_AFTER
