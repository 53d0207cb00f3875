"""Whole poll cycles against a local server: new stories only, errors as records, state that survives a
restart, and one bad feed never stopping the others."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.poll.state import load_states, save_states
from wirewatch.connectors.poll.cycle import poll_cycle
from tests.connectors.http.helpers import NOW, LineParser, Parsed, client
from tests.connectors.http.servers import Handler, LocalServer, send

HTML = b"<!DOCTYPE html><html><body>Welcome to our homepage</body></html>"


class Feed:
    """A feed whose items the test changes; answers 304 to a matching If-None-Match."""

    def __init__(self, *items: str) -> None:
        self.items = list(items)

    def etag(self) -> str:
        return f'"{len(self.items)}"'

    def __call__(self, h: Handler) -> None:
        if h.headers.get("If-None-Match") == self.etag():
            send(h, 304, headers={"ETag": self.etag()})
        else:
            send(h, 200, "".join(f"{i}|title {i}\n" for i in self.items).encode(), {"ETag": self.etag()})


def feeds_on(server: LocalServer) -> list[FeedConfig]:
    return [
        FeedConfig(name, server.url(f"/{name}"), min_interval=60, max_interval=600)
        for name in ("news", "html", "broken", "partial")
    ]


def test_one_cycle_returns_stories_and_error_records(server: LocalServer) -> None:
    server.routes["/news"] = Feed("a", "b")
    server.routes["/html"] = lambda h: send(h, 200, HTML, {"Content-Type": "text/html"})
    server.routes["/broken"] = lambda h: send(h, 500, b"oops")
    server.routes["/partial"] = lambda h: send(h, 200, b"p1|ok\nthis line is bad\n")
    out = poll_cycle(feeds_on(server), {}, LineParser(), client(), NOW, rng=random.Random(7))
    assert sorted(s.id for s in out.stories) == ["a", "b", "p1"]
    by_feed = {e.feed: e for e in out.errors}
    assert set(by_feed) == {"html", "broken", "partial"}
    html = by_feed["html"]  # the parser's own error, passed through, not retriable
    assert html.stage == "parse" and not html.retriable and "HTML page" in html.reason and "homepage" in html.raw
    assert by_feed["broken"].stage == "fetch" and by_feed["broken"].retriable and by_feed["broken"].status == 500
    assert by_feed["partial"].stage == "parse" and "line 2" in by_feed["partial"].reason  # survivable
    letter = html.to_dead_letter()
    assert str(letter.origin) == f"html {server.url('/html')}" and letter.stage == "parse" and not letter.retriable
    states = out.states
    assert states["html"].failures == 1 and states["html"].etag is None and states["html"].body_hash is None
    assert states["broken"].failures == 1 and states["broken"].next_poll >= NOW + timedelta(seconds=60)
    assert states["news"].failures == 0 and states["news"].seen_ids == ("a", "b")
    assert states["partial"].failures == 0


def test_seen_items_are_dropped_and_only_new_ones_returned(server: LocalServer) -> None:
    feed = Feed("a", "b")
    server.routes["/news"] = feed
    feeds = [FeedConfig("news", server.url("/news"), min_interval=60)]
    parser = LineParser()
    first = poll_cycle(feeds, {}, parser, client(), NOW)
    feed.items.insert(0, "c")
    later = NOW + timedelta(hours=1)
    second = poll_cycle(feeds, first.states, parser, client(), later)
    assert [s.id for s in second.stories] == ["c"]
    assert second.states["news"].seen_ids == ("c", "a", "b")
    assert second.states["news"].updates == (NOW, later)


def test_feeds_not_yet_due_are_not_fetched(server: LocalServer) -> None:
    server.routes["/news"] = Feed("a")
    feeds = [FeedConfig("news", server.url("/news"), min_interval=60)]
    first = poll_cycle(feeds, {}, LineParser(), client(), NOW)
    again = poll_cycle(feeds, first.states, LineParser(), client(), NOW + timedelta(seconds=30))
    assert again.polled == 0 and len(server.requests) == 1 and again.states == first.states


def test_restart_resumes_from_saved_state(server: LocalServer, tmp_path: Path) -> None:
    feed = Feed("a", "b")
    server.routes["/news"] = feed
    feeds = [FeedConfig("news", server.url("/news"), min_interval=60)]
    path = tmp_path / "poll-state.json"
    first = poll_cycle(feeds, load_states(path), LineParser(), client(), NOW)
    save_states(path, first.states)

    parser = LineParser()  # a new process: fresh client, fresh parser, state from disk
    later = NOW + timedelta(hours=2)
    second = poll_cycle(feeds, load_states(path), parser, client(), later)
    assert server.requests[-1].headers["if-none-match"] == feed.etag()
    assert second.not_modified == 1 and second.stories == () and parser.calls == []

    feed.items.append("c")  # the feed changes while we are down; the restart still knows a and b
    save_states(path, second.states)
    third = poll_cycle(feeds, load_states(path), parser, client(), later + timedelta(hours=2))
    assert [s.id for s in third.stories] == ["c"]


def test_a_parser_that_crashes_only_fails_its_feed(server: LocalServer) -> None:
    server.routes["/news"] = Feed("a")
    server.routes["/odd"] = lambda h: send(h, 200, b"\xff\xfe not utf-8")
    feeds = [FeedConfig("news", server.url("/news")), FeedConfig("odd", server.url("/odd"))]
    out = poll_cycle(feeds, {}, LineParser(), client(), NOW)  # LineParser raises UnicodeDecodeError on /odd
    assert [s.id for s in out.stories] == ["a"]
    assert [(e.feed, e.stage) for e in out.errors] == [("odd", "parse")]
    assert "UnicodeDecodeError" in out.errors[0].reason


def test_backoff_grows_with_consecutive_failures_and_is_seeded(server: LocalServer) -> None:
    server.routes["/broken"] = lambda h: send(h, 502, b"bad gateway")
    feeds = [FeedConfig("broken", server.url("/broken"), min_interval=60, max_interval=600)]

    def run() -> list[float]:
        states, now, waits = {}, NOW, []
        for _ in range(4):
            out = poll_cycle(feeds, states, LineParser(), client(), now, rng=random.Random(42))
            states = out.states
            waits.append((states["broken"].next_poll - now).total_seconds())
            now = states["broken"].next_poll
        return waits

    waits = run()
    assert waits == run()  # same seed, same schedule
    for n, wait in enumerate(waits, 1):
        assert 60 * 2 ** (n - 1) <= wait <= 60 * 2**n


def test_credentials_and_headers_are_sent(server: LocalServer, tmp_path: Path) -> None:
    from wirewatch.connectors.poll.config import load_feeds

    server.routes["/paid"] = Feed("w1")
    path = tmp_path / "feeds.yaml"
    path.write_text(
        f"feeds:\n  - name: paid\n    url: {server.url('/paid')}\n    headers: {{X-Client: ww}}\n"
        "    credentials: {type: bearer, token_env: TOKEN}\n"
    )
    feeds = load_feeds(path, {"TOKEN": "t0ken"}).feeds
    out = poll_cycle(feeds, {}, LineParser(), client(), NOW)
    assert [s.id for s in out.stories] == ["w1"]
    assert server.requests[0].headers["authorization"] == "Bearer t0ken"
    assert server.requests[0].headers["x-client"] == "ww"


def test_parse_receives_body_url_headers_fetch_time_and_format(server: LocalServer) -> None:
    got = {}

    def parse(body, url, headers, fetched, hint):
        got.update(body=body, url=url, headers=headers, fetched=fetched, hint=hint)
        return Parsed([])

    server.routes["/f"] = lambda h: send(h, 200, b"x|y\n", {"Content-Type": "application/rss+xml"})
    poll_cycle([FeedConfig("f", server.url("/f"), format="anpa1312")], {}, parse, client(), NOW)
    assert got["body"] == b"x|y\n" and got["url"] == server.url("/f") and got["fetched"] == NOW
    assert got["headers"]["content-type"] == "application/rss+xml"
    assert got["hint"] == "anpa1312"


def test_a_permanently_moved_feed_is_polled_at_its_new_url(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/old"] = lambda h: send(h, 301, headers={"Location": "/new"})
    server.routes["/new"] = Feed("a")
    feeds = [FeedConfig("news", server.url("/old"), min_interval=60)]
    first = poll_cycle(feeds, {}, LineParser(), client(), NOW)
    assert [s.id for s in first.stories] == ["a"] and first.states["news"].moved_to == server.url("/new")
    path = tmp_path / "state.json"
    save_states(path, first.states)  # the new address survives a restart
    second = poll_cycle(feeds, load_states(path), LineParser(), client(), NOW + timedelta(hours=1))
    assert server.paths() == ["/old", "/new", "/new"] and second.not_modified == 1

    server.routes["/new"] = lambda h: send(h, 410, b"gone")  # the new address dies: back to the configured one
    third = poll_cycle(feeds, second.states, LineParser(), client(), NOW + timedelta(hours=2))
    assert third.states["news"].moved_to is None and server.paths()[-1] == "/new"


def test_temporary_redirects_and_foreign_origins_with_credentials_do_not_move_a_feed(server: LocalServer) -> None:
    from wirewatch.connectors.poll.config import Credentials

    with LocalServer({"/feed": Feed("b")}) as other:
        server.routes["/temp"] = lambda h: send(h, 302, headers={"Location": "/feed"})
        server.routes["/feed"] = Feed("a")
        server.routes["/away"] = lambda h: send(h, 308, headers={"Location": other.url("/feed")})
        feeds = [FeedConfig("temp", server.url("/temp")),
                 FeedConfig("away", server.url("/away"), credentials=Credentials("bearer", secret="t0k3n"))]
        out = poll_cycle(feeds, {}, LineParser(), client(), NOW)
        assert len(out.stories) == 2 and not out.errors
        assert out.states["temp"].moved_to is None and out.states["away"].moved_to is None
        assert all("authorization" not in r.headers for r in other.requests)  # never sent off-origin either
