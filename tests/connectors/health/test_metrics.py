"""/metrics and /health on a real local port, served by uvicorn from the service's thread."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from wirewatch.connectors.health import metrics


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read().decode()


def test_metrics_and_health_on_a_free_port():
    state = {"ok": True}
    server = metrics.serve(0, lambda: (state["ok"], "pipeline running" if state["ok"] else "retrying kafka"))
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        status, kind, text = get(f"{base}/metrics")
        assert status == 200 and kind.startswith("text/plain") and "wirewatch_stories_in_total" in text
        assert get(f"{base}/health")[::2] == (200, "pipeline running\n")
        state["ok"] = False
        assert get(f"{base}/healthz")[::2] == (503, "retrying kafka\n")
        assert get(f"{base}/nope")[0] == 404
    finally:
        server.shutdown()
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection(("127.0.0.1", server.server_port), timeout=2).close()


def test_a_taken_port_fails_in_the_caller():
    server = metrics.serve(0, lambda: (True, "ok"))
    try:
        with pytest.raises(OSError):
            metrics.serve(server.server_port, lambda: (True, "ok"))
    finally:
        server.shutdown()
