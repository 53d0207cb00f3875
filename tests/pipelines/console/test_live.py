"""The live list's event stream on a real local server: alerts published while the page loaded come first,
then each new alert as it arrives, filtered as the page asked."""

from __future__ import annotations

import queue
import threading

import httpx2 as httpx
import orjson

from wirewatch.connectors.health.web import WebServer
from wirewatch.pipelines.console.app import build_app
from wirewatch.pipelines.console.live import AlertHub, decode_alert
from wirewatch.pipelines.console.security import Access
from tests.pipelines.console.conftest import make_console


def alert(n: int, rule: str = "icbm") -> dict:
    return {"id": f"a{n}", "rule": rule, "story_id": f"s{n}", "cluster_id": f"s{n}", "title": f"<b>Alert {n}</b>",
            "severity": "high", "countries": ["KP"], "regions": [], "published": "2026-03-02T11:00:00Z"}


def read_events(url: str, out: queue.Queue, stop: threading.Event) -> None:
    try:
        _read_events(url, out, stop)
    except httpx.HTTPError:
        if not stop.is_set():  # the server closing the stream at the test's end is expected
            raise


def _read_events(url: str, out: queue.Queue, stop: threading.Event) -> None:
    with httpx.stream("GET", url, timeout=30) as response:
        out.put(("status", response.status_code, response.headers["content-type"]))
        event = {}
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("data: "):
                event["data"] = orjson.loads(line[6:])
            elif not line and event:
                out.put(("event", event))
                event = {}


def test_the_stream_sends_what_the_page_missed_then_each_new_alert(demo_archive):
    console = make_console(demo_archive[0])
    console.hub.publish(alert(1))
    shown_by_page = console.hub.seq
    console.hub.publish(alert(2))  # while the page was loading
    console.hub.publish(alert(3, rule="arms-transfer"))
    server = WebServer(build_app(console, Access("127.0.0.1")), "127.0.0.1", 0)
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=read_events, args=(f"{server.url}/events?after={shown_by_page}&rule=icbm", events, stop),
                              daemon=True)
    reader.start()
    try:
        assert events.get(timeout=10)[:2] == ("status", 200)
        kind, first = events.get(timeout=10)
        assert first["event"] == "alert" and first["data"]["id"] == "a2" and first["data"]["title"] == "<b>Alert 2</b>"
        console.hub.publish(alert(4, rule="arms-transfer"))  # filtered out
        console.hub.publish(alert(5))
        _, second = events.get(timeout=10)
        assert second["data"]["id"] == "a5" and second["id"] == str(console.hub.seq)
        assert second["data"]["story"] == "/story?id=s5" and second["data"]["outlets"] == 0
    finally:
        stop.set()
        server.shutdown()


def test_the_hub_keeps_each_alert_once_and_the_newest():
    hub = AlertHub(keep=3)
    for n in (1, 2, 3, 2, 4):
        hub.publish(alert(n))
    seq, recent = hub.recent()
    assert seq == 5 and [a["id"] for a in recent] == ["a4", "a2", "a3"]
    assert [a["id"] for _, a in hub.after(3)] == ["a2", "a4"]


def test_records_that_are_not_alerts_are_skipped():
    assert decode_alert(orjson.dumps(alert(1)))["id"] == "a1"
    assert decode_alert(None) is None and decode_alert(b"[1]") is None and decode_alert(b'{"id": 3}') is None
    assert decode_alert(b"\xff") is None
