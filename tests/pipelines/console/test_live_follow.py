"""The console's alerts follower reads the topic only while someone watches, and a page that finds it idle
sees, once it has caught up, the alerts a follower that never stopped would have kept."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import namedtuple

import orjson
import pytest

from wirewatch.pipelines.console import live
from wirewatch.pipelines.console.live import AlertHub, KafkaAlerts

Record = namedtuple("Record", "offset value")


def alert(n: int) -> bytes:
    return orjson.dumps({"id": f"a{n}", "rule": "icbm", "story_id": f"s{n}", "cluster_id": f"s{n}"})


class FakeConsumer:
    """One partition of the alerts topic, in memory; counts the polls."""

    def __init__(self, log: list[bytes]) -> None:
        self.log, self.position, self.polls, self.lock = log, 0, 0, threading.Lock()

    def partitions_for_topic(self, topic):
        return {0}

    def assign(self, tps):
        self.tp = tps[0]

    def beginning_offsets(self, tps):
        return {tp: 0 for tps_ in [tps] for tp in tps_}

    def end_offsets(self, tps):
        with self.lock:
            return {tp: len(self.log) for tp in tps}

    def seek(self, tp, offset):
        self.position = offset

    def poll(self, timeout_ms):
        with self.lock:
            self.polls += 1
            records = [Record(o, v) for o, v in enumerate(self.log) if o >= self.position][:2]  # small fetches
        if not records:
            time.sleep(timeout_ms / 1000)
            return {}
        self.position = records[-1].offset + 1
        return {self.tp: records}

    def close(self):
        pass

    def add(self, *values: bytes) -> None:
        with self.lock:
            self.log.extend(values)


def reference(values: list[bytes], keep: int) -> tuple[list[str], AlertHub]:
    """What a hub fed every alert of the topic keeps."""
    hub = AlertHub(keep=keep)
    for value in values:
        hub.publish(live.decode_alert(value))
    return [a["id"] for a in hub.recent()[1]], hub


def wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.fixture
def follower(monkeypatch):
    monkeypatch.setattr(live, "IDLE_S", 0.3, raising=False)
    consumer = FakeConsumer([alert(n) for n in range(1, 6)])
    hub = AlertHub(keep=3)
    kafka = KafkaAlerts("unused:9", "alerts", hub, consumer=lambda: consumer).start()
    yield kafka, consumer, hub
    kafka.stop()
    assert not kafka.thread.is_alive()


def test_nothing_is_read_until_a_page_asks_then_the_page_sees_the_newest(follower):
    kafka, consumer, hub = follower
    time.sleep(0.5)
    assert consumer.polls == 0  # nobody watching: no fetch, no decoding
    _, recent = hub.recent()  # a page: waits for the catch-up
    assert [a["id"] for a in recent] == reference(consumer.log, 3)[0] == ["a5", "a4", "a3"]


def test_idle_again_after_the_last_page_and_a_stream_catches_up_from_where_it_stopped(follower):
    kafka, consumer, hub = follower
    hub.recent()
    consumer.add(alert(6))  # read while the page's watch lasts
    wait_for(lambda: hub.seq == 4)
    time.sleep(live.IDLE_S + 0.5)
    polls = consumer.polls
    time.sleep(0.5)
    assert consumer.polls == polls  # idle again
    shown = hub.seq
    consumer.add(alert(7), alert(8))  # fewer than keep: read from where it stopped, none skipped

    async def open_stream():
        stream = hub.open_stream()
        after = hub.after(shown)
        await asyncio.sleep(0.1)  # the hand-overs the catch-up scheduled on this loop
        queued = [stream.queue.get_nowait() for _ in range(stream.queue.qsize())]
        hub.close_stream(stream)
        return after, queued

    after, queued = asyncio.run(open_stream())
    assert [a["id"] for _, a in after] == ["a7", "a8"] == [a["id"] for _, a in queued]
    assert [a["id"] for a in hub.recent()[1]] == reference(consumer.log, 3)[0]


def test_more_than_kept_while_idle_shows_the_newest_as_an_always_on_follower_would(follower):
    kafka, consumer, hub = follower
    hub.recent()
    time.sleep(live.IDLE_S + 0.5)
    consumer.add(*[alert(n) for n in range(6, 20)])
    assert [a["id"] for a in hub.recent()[1]] == reference(consumer.log, 3)[0] == ["a19", "a18", "a17"]
