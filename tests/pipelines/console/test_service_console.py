"""The console as `wirewatch run`/`process` serve it: on the metrics port, beside /metrics and /health; off
127.0.0.1 without a token, /metrics and /health only."""

from __future__ import annotations

import httpx2 as httpx

from wirewatch.pipelines.console.cli import serve_with_service
from wirewatch.transforms.rules import default_watchlist

NO_BROKER = "127.0.0.1:9"  # nothing listens: the live list stays empty, the rest works


def test_one_port_serves_metrics_health_and_the_console(demo_archive):
    server = serve_with_service(str(demo_archive[0]), "127.0.0.1", 0, lambda: (True, "pipeline running"),
                                default_watchlist(), NO_BROKER, "wirewatch.alerts")
    try:
        assert httpx.get(f"{server.url}/health").text == "pipeline running\n"
        assert "wirewatch_stories_in_total" in httpx.get(f"{server.url}/metrics").text
        page = httpx.get(f"{server.url}/search?text=missile", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "stories · page 1 of" in page.text
        evil = httpx.get(f"{server.url}/", headers={"Host": "attacker.example"})  # a rebound DNS name
        assert evil.status_code == 400
    finally:
        server.shutdown()


def test_off_127_0_0_1_without_a_token_only_metrics_and_health(demo_archive):
    server = serve_with_service(str(demo_archive[0]), "127.0.0.2", 0, lambda: (False, "pipeline starting"),
                                default_watchlist(), NO_BROKER, "wirewatch.alerts")
    try:
        assert httpx.get(f"{server.url}/health").status_code == 503
        assert httpx.get(f"{server.url}/metrics").status_code == 200
        assert httpx.get(f"{server.url}/search?text=missile").status_code == 404
    finally:
        server.shutdown()
