"""Live alerts for the console: a Kafka consumer of its own (no group, nothing committed) follows
``wirewatch.alerts`` from a thread, keeps the newest alerts, and hands each new one to every open event
stream (one asyncio queue per browser tab).

It reads only while someone watches (an open stream, or a page served in the last ``IDLE_S``): the service
serves the console beside its work, and reading and decoding every alert for nobody took a share of its
Python time under an alerting backlog. A page or stream that finds it idle waits while it catches up from
the topic (each partition from where it stopped, or its newest ``keep`` alerts if more came meanwhile), so
it shows what a follower that never stopped would have kept."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

import orjson

log = logging.getLogger("wirewatch.console")
BACKLOG = 200  # alerts shown when a page opens (the newest of each partition's tail)
STREAM_QUEUE = 1000  # alerts a slow browser may fall behind by before its stream is closed
RETRY_S = 2.0
IDLE_S = 30.0  # after the last page or closed stream, the follower stops reading until someone looks again
CATCH_UP_S = 2.0  # at most this long a page waits for the follower to catch up (a broker away, say)


def decode_alert(value: bytes | None) -> dict[str, Any] | None:
    """An alert record's JSON, or None for anything that is not one (a tombstone, a stray record)."""
    try:
        alert = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(alert, dict) or not all(isinstance(alert.get(k), str) for k in ("id", "rule", "cluster_id")):
        return None
    return alert


class AlertHub:
    """The newest alerts (each alert id once, newest last) and the open streams that want new ones."""

    def __init__(self, keep: int = BACKLOG) -> None:
        self.keep = keep
        self._recent: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()  # alert id -> (seq, alert)
        self._streams: set[Stream] = set()
        self._lock = threading.Lock()
        self.seq = 0  # how many alerts were published: a page says which it has shown, a stream sends the rest
        # The follower's side (KafkaAlerts): ``wanted`` wakes an idle follower, ``current`` is set while the
        # alerts kept are as a follower that never stopped would have them (always, with no follower).
        self.wanted = threading.Event()
        self.current = threading.Event()
        self.current.set()
        self.watched_at = float("-inf")  # time.monotonic() of the last page, stream opened or stream closed

    def watch(self) -> None:
        """Someone looks: wake the follower and wait (a while at most) until it has caught up."""
        self.watched_at = time.monotonic()
        self.wanted.set()
        self.current.wait(CATCH_UP_S)

    def watching(self) -> bool:
        """An open stream, or a page or stream within ``IDLE_S``."""
        return bool(self._streams) or time.monotonic() - self.watched_at < IDLE_S

    def recent(self) -> tuple[int, list[dict[str, Any]]]:
        """The sequence number of the newest alert, and the alerts kept, newest first."""
        self.watch()
        with self._lock:
            return self.seq, [alert for _, alert in reversed(self._recent.values())]

    def after(self, seq: int) -> list[tuple[int, dict[str, Any]]]:
        """The kept alerts published after ``seq``, oldest first."""
        with self._lock:
            return [(n, alert) for n, alert in self._recent.values() if n > seq]

    def publish(self, alert: dict[str, Any]) -> None:
        with self._lock:
            self.seq += 1
            self._recent.pop(alert["id"], None)
            self._recent[alert["id"]] = (self.seq, alert)
            while len(self._recent) > self.keep:
                self._recent.popitem(last=False)
            streams, item = list(self._streams), (self.seq, alert)
        for stream in streams:
            try:
                stream.loop.call_soon_threadsafe(stream.offer, item)
            except RuntimeError:  # that stream's event loop is closed
                self.close_stream(stream)

    def open_stream(self) -> "Stream":
        """A stream for the calling event loop's request; close it when the request ends."""
        stream = Stream(asyncio.get_running_loop())
        with self._lock:
            self._streams.add(stream)
        self.watch()  # after adding it: what the catch-up publishes reaches the stream (or its backlog)
        return stream

    def close_stream(self, stream: "Stream") -> None:
        with self._lock:
            self._streams.discard(stream)
        self.watched_at = time.monotonic()  # a reconnect soon finds the follower still reading


class Stream:
    """One open event stream: new alerts queue up for it, with their sequence numbers; one that falls too far behind is marked ``lost``
    (its page reloads rather than showing a list with holes)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue(STREAM_QUEUE)
        self.lost = False

    def offer(self, item: tuple[int, dict[str, Any]]) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lost = True


class KafkaAlerts:
    """Follows the alerts topic into ``hub`` from a daemon thread until ``stop()``. A topic that does not
    exist yet, or a broker that is away, is waited for."""

    def __init__(self, bootstrap: str, topic: str, hub: AlertHub,
                 consumer: Callable[..., Any] | None = None) -> None:
        self.bootstrap, self.topic, self.hub = bootstrap, topic, hub
        self._consumer_factory = consumer
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="wirewatch-console-alerts", daemon=True)

    def start(self) -> "KafkaAlerts":
        self.hub.current.clear()  # until it has read what there is, a page waits for it (a while at most)
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.hub.wanted.set()
        self.thread.join(timeout=10)

    def _consumer(self):
        if self._consumer_factory is not None:
            return self._consumer_factory()
        from kafka import KafkaConsumer

        return KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None,
                             fetch_max_wait_ms=100, request_timeout_ms=15000, client_id="wirewatch-console")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except Exception as exc:  # the broker went away: wait, then follow again from the tail
                self.hub.current.set()  # nothing to catch up with: pages show what is kept, without waiting
                log.warning("console: alerts unavailable; retrying", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
                self._stop.wait(RETRY_S)
        self.hub.current.set()

    def _follow(self) -> None:
        from kafka import TopicPartition

        consumer = self._consumer()
        try:
            partitions = consumer.partitions_for_topic(self.topic)
            if not partitions:  # no topic yet: no alerts to wait for
                self.hub.current.set()
            while not partitions and not self._stop.wait(RETRY_S):
                partitions = consumer.partitions_for_topic(self.topic)
            if not partitions:
                return
            tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            self.hub.current.clear()
            read: dict[Any, int] = {}  # the next offset of each partition this consumer would read
            while not self._stop.is_set():
                self._idle()
                if self._stop.is_set():
                    return
                self._catch_up(consumer, tps, read)
                while not self._stop.is_set() and self.hub.watching():
                    self._poll(consumer, read, timeout_ms=200)
                self.hub.current.clear()
        finally:
            consumer.close()

    def _idle(self) -> None:
        """Until someone watches (or ``stop()``), read nothing."""
        while not self._stop.is_set():
            self.hub.wanted.clear()
            if self.hub.watching():  # looked at before the clear: its wake-up may be gone
                return
            self.hub.wanted.wait(1.0)

    def _catch_up(self, consumer: Any, tps: list[Any], read: dict[Any, int]) -> None:
        """Read each partition from where it stopped, or its newest ``keep`` alerts if more came meanwhile
        (the tail, the first time: enough for the list a page opens with), up to its end as it is now."""
        starts, ends = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
        for tp in tps:
            read[tp] = max(starts[tp], ends[tp] - self.hub.keep, read.get(tp, 0))
            consumer.seek(tp, read[tp])
        deadline = time.monotonic() + CATCH_UP_S
        while (not self._stop.is_set() and time.monotonic() < deadline
               and any(read[tp] < ends[tp] for tp in tps)):
            self._poll(consumer, read, timeout_ms=100)
        self.hub.current.set()

    def _poll(self, consumer: Any, read: dict[Any, int], timeout_ms: int) -> None:
        for tp, batch in consumer.poll(timeout_ms=timeout_ms).items():
            for record in batch:
                alert = decode_alert(record.value)
                if alert is not None:
                    self.hub.publish(alert)
            if batch:
                read[tp] = batch[-1].offset + 1  # the alerts topic holds no transaction markers: no gaps at its end
