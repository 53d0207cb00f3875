"""One processing instance per consumer group: a lease held as Kafka group membership.

Two `wirewatch process` instances on one group would each read every partition (the reader assigns them all)
and keep state of their own, so every alert would go out twice. Rather than share partitions, the second
refuses to start. The lease is the one partition of a small topic (``<prefix>wirewatch.instances``), assigned
by Kafka's group protocol to exactly one member of ``<group>.instances``; the sticky assignor keeps it with
its holder when a newcomer joins. A holder killed with kill -9 loses it when its session times out
(``SESSION_MS``), so a restart waits that long at most before giving up.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from kafka import KafkaConsumer, TopicPartition
from kafka import errors as kafka_errors
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

from wirewatch.connectors.kafka.topics import KafkaUnavailable, TopicSpec, Topics, admin, ensure_topics

log = logging.getLogger(__name__)
SESSION_MS = 10_000
POLL_S = 1.0


class AnotherInstance(RuntimeError):
    """Another instance holds the group's lease. Not retriable by this process: stop the other one, or give
    this one a topic prefix (and so a group) of its own."""

    retriable = False


class InstanceLease:
    """Acquire with ``acquire()``; held (heartbeats, polls) by a thread of its own until ``release()``."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.bootstrap, self.topics = bootstrap, topics
        self.topic, self.group = topics.prefix + "wirewatch.instances", topics.group + ".instances"
        self._consumer: KafkaConsumer | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()  # set when the lease was taken away while held (never expected)

    def acquire(self, wait_s: float = SESSION_MS / 1000 + 5) -> None:
        ensure_topics(self.bootstrap, [TopicSpec(self.topic, 1, {"retention.ms": "3600000"})])
        mine = TopicPartition(self.topic, 0)
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap, group_id=self.group, client_id=f"wirewatch@{socket.gethostname()}",
                enable_auto_commit=False, session_timeout_ms=SESSION_MS, heartbeat_interval_ms=SESSION_MS // 4,
                partition_assignment_strategy=(StickyPartitionAssignor,))
        except kafka_errors.KafkaError as exc:
            raise KafkaUnavailable(f"cannot reach Kafka at {self.bootstrap}: {exc}") from exc
        consumer.subscribe([self.topic])
        deadline = time.monotonic() + wait_s
        while mine not in consumer.assignment():
            if time.monotonic() > deadline:
                holders = self._holders()
                consumer.close()
                raise AnotherInstance(
                    f"another wirewatch process is running on consumer group {self.topics.group!r}{holders}: a second "
                    f"instance would read every partition again and send every alert twice. Stop the other one, or "
                    f"start this one with --topic-prefix for topics and a group of its own.")
            consumer.poll(timeout_ms=int(POLL_S * 1000))
        self._consumer = consumer
        self._thread = threading.Thread(target=self._hold, name="InstanceLease", daemon=True)
        self._thread.start()
        log.info("instance lease held", extra={"group": self.group})

    def _hold(self) -> None:
        """Poll (nothing is ever read) so that the group keeps this member; note if the lease goes."""
        mine = TopicPartition(self.topic, 0)
        while not self._stop.wait(POLL_S):
            try:
                self._consumer.poll(timeout_ms=100)  # type: ignore[union-attr]
                if mine not in self._consumer.assignment():  # type: ignore[union-attr]
                    if not self.lost.is_set():
                        log.error("instance lease lost", extra={"group": self.group})
                    self.lost.set()
            except Exception as exc:  # noqa: BLE001 (a broker outage: the membership is renewed when it is back)
                log.warning("instance lease not renewed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})

    def _holders(self) -> str:
        try:
            client = admin(self.bootstrap)
            try:
                groups = client.describe_consumer_groups([self.group])
            finally:
                client.close()
            hosts = sorted({f"{m.client_id} from {m.client_host}" for g in groups for m in g.members})
            return f" ({', '.join(hosts)})" if hosts else ""
        except Exception:  # noqa: BLE001 (the message is still right without the names)
            return ""

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._consumer is not None:
            try:
                self._consumer.close()  # leaves the group at once: a successor need not wait out the session
            except Exception:  # noqa: BLE001
                pass
            self._consumer = None
