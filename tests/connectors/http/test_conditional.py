"""Conditional GET: validators go back to the server, and a 304 costs no parse."""

from __future__ import annotations

import random
from datetime import timedelta

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.http.model import FetchResult, Validators
from wirewatch.connectors.poll.cycle import poll_cycle
from tests.connectors.http.helpers import NOW, LineParser, client, fetch
from tests.connectors.http.servers import Handler, LocalServer, send

STAMP = "Sun, 01 Mar 2026 10:00:00 GMT"


def etag_route(h: Handler) -> None:
    if h.headers.get("If-None-Match") == '"v1"':
        send(h, 304, headers={"ETag": '"v1"'})
    else:
        send(h, 200, b"1|first\n", {"ETag": '"v1"'})


def date_route(h: Handler) -> None:
    if h.headers.get("If-Modified-Since") == STAMP:
        h.send_response(304)
        h.end_headers()
    else:
        send(h, 200, b"1|first\n", {"Last-Modified": STAMP})


def test_etag_round_trip(server: LocalServer) -> None:
    server.routes["/f"] = etag_route
    c = client()
    first = fetch(c, server.url("/f"))
    assert isinstance(first, FetchResult) and first.status == 200 and first.validators.etag == '"v1"'
    second = fetch(c, server.url("/f"), first.validators)
    assert isinstance(second, FetchResult) and second.not_modified and second.body == b""
    assert server.requests[1].headers["if-none-match"] == '"v1"'


def test_last_modified_round_trip(server: LocalServer) -> None:
    server.routes["/f"] = date_route
    c = client()
    first = fetch(c, server.url("/f"))
    assert isinstance(first, FetchResult) and first.validators == Validators(None, STAMP)
    second = fetch(c, server.url("/f"), first.validators)
    assert isinstance(second, FetchResult) and second.not_modified
    assert server.requests[1].headers["if-modified-since"] == STAMP


def test_304_is_not_parsed_and_keeps_the_validators(server: LocalServer) -> None:
    server.routes["/e"] = etag_route
    server.routes["/d"] = date_route  # this 304 carries no validators: the old ones must survive
    feeds = [FeedConfig("e", server.url("/e"), min_interval=60), FeedConfig("d", server.url("/d"), min_interval=60)]
    parser = LineParser()
    first = poll_cycle(feeds, {}, parser, client(), NOW, rng=random.Random(1))
    assert len(first.stories) == 2 and len(parser.calls) == 2
    later = NOW + timedelta(days=1)
    second = poll_cycle(feeds, first.states, parser, client(), later, rng=random.Random(1))
    assert second.not_modified == 2 and second.stories == () and second.errors == ()
    assert len(parser.calls) == 2  # no parse for a 304
    assert second.states["e"].etag == '"v1"' and second.states["d"].last_modified == STAMP


def test_identical_200_body_is_not_parsed_again(server: LocalServer) -> None:
    server.routes["/f"] = lambda h: send(h, 200, b"1|same\n")  # a server that ignores validators
    feeds = [FeedConfig("f", server.url("/f"), min_interval=60)]
    parser = LineParser()
    first = poll_cycle(feeds, {}, parser, client(), NOW)
    second = poll_cycle(feeds, first.states, parser, client(), NOW + timedelta(days=1))
    assert len(parser.calls) == 1 and second.not_modified == 1
