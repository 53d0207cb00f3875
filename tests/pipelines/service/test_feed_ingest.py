"""`wirewatch ingest --config` polls a feed served by a local HTTP server into Kafka; a second cycle
publishes nothing new (conditional GET and seen ids), and the poll state survives between runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson

from tests.conftest import ROOT
from tests.kafkakit import read_all

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test wire</title><link>http://127.0.0.1/</link>
<item><title>Missile test</title><guid>urn:test:1</guid><link>http://127.0.0.1/1</link>
<pubDate>Mon, 04 Nov 2024 09:00:00 GMT</pubDate>
<description>North Korea tested an intercontinental ballistic missile.</description></item>
<item><title>Ceasefire talks</title><guid>urn:test:2</guid><link>http://127.0.0.1/2</link>
<pubDate>Mon, 04 Nov 2024 10:00:00 GMT</pubDate>
<description>Negotiators met in Doha to discuss a ceasefire.</description></item>
</channel></rss>"""


class Feed(BaseHTTPRequestHandler):
    requests: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802
        Feed.requests.append(self.headers.get("If-None-Match"))
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)

    def log_message(self, *args: object) -> None:
        pass


def ingest(config: Path, state: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("wirewatch")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([str(exe), "ingest", "--config", str(config), "--state", str(state), "--once"],
                          capture_output=True, text=True, timeout=120, env=env)


def test_feed_polling_into_kafka(fresh_topics, topics, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Feed.requests = []
    config = tmp_path / "feeds.yaml"
    config.write_text(
        "allow: [127.0.0.1]\n"
        "feeds:\n"
        f"  - name: test-wire\n    url: http://127.0.0.1:{server.server_port}/feed.xml\n    min_interval: 1s\n    max_interval: 1s\n"
    )
    state = tmp_path / "state.json"
    try:
        first = ingest(config, state)
        assert first.returncode == 0, first.stderr
        stories = [orjson.loads(r.value) for r in read_all(fresh_topics, topics.stories)]
        assert sorted(s["title"] for s in stories) == ["Ceasefire talks", "Missile test"]
        assert all(s["published"].startswith("2024-11-04T") and s["url"] for s in stories)
        assert state.exists()
        time.sleep(1.2)  # the feed's interval: due again
        second = ingest(config, state)
        assert second.returncode == 0, second.stderr
        assert len(read_all(fresh_topics, topics.stories)) == 2  # nothing re-published
        assert Feed.requests == [None, '"v1"']  # the restart asked conditionally, from the saved state
    finally:
        server.shutdown()
