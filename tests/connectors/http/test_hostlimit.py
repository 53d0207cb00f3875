"""The per-host and global concurrency limits, as the server sees them."""

from __future__ import annotations

import time
from datetime import timedelta

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.poll.cycle import poll_cycle
from tests.connectors.http.helpers import NOW, LineParser, client
from tests.connectors.http.servers import Handler, LocalServer, send


def slow_feed(h: Handler) -> None:
    time.sleep(0.3)  # hold the request so concurrent ones overlap
    send(h, 200, f"{h.path}|item\n".encode())


def test_server_never_sees_more_than_the_per_host_limit(server: LocalServer) -> None:
    feeds = []
    for i in range(12):
        server.routes[f"/f{i}"] = slow_feed
        feeds.append(FeedConfig(f"f{i}", server.url(f"/f{i}"), min_interval=60))
    out = poll_cycle(feeds, {}, LineParser(), client(per_host=3), NOW, max_concurrency=10)
    assert len(out.stories) == 12 and out.errors == ()
    assert server.max_active == 3


def test_global_limit_caps_below_the_per_host_limit(server: LocalServer) -> None:
    feeds = []
    for i in range(6):
        server.routes[f"/f{i}"] = slow_feed
        feeds.append(FeedConfig(f"f{i}", server.url(f"/f{i}"), min_interval=60))
    out = poll_cycle(feeds, {}, LineParser(), client(per_host=5), NOW + timedelta(0), max_concurrency=2)
    assert len(out.stories) == 6
    assert server.max_active == 2
