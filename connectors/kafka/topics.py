"""Kafka edges: where the broker is, the topics (names are a contract), and an idempotent producer.

Topic layout:
- ``wirewatch.stories``: key = story id, value = story JSON (``Story.to_dict``).
- ``wirewatch.alerts``: key = alert id, value = alert JSON; compacted, so a re-sent alert replaces itself.
- ``wirewatch.deadletter``: key = origin, value = dead-letter JSON.
- ``wirewatch.deliveries.deadletter``: key = delivery id, value = a delivery that failed for good, with the reason.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable

from kafka import KafkaAdminClient, KafkaProducer
from kafka import errors as kafka_errors
from kafka.partitioner.default import DefaultPartitioner

from wirewatch.connectors.health import metrics
from wirewatch.records import Alert, DeadLetter, Story, dumps

log = logging.getLogger(__name__)

STORIES = "wirewatch.stories"
ALERTS = "wirewatch.alerts"
DEADLETTER = "wirewatch.deadletter"
DELIVERY_DEADLETTER = "wirewatch.deliveries.deadletter"
GROUP = "wirewatch-process"
DELIVER_GROUP = "wirewatch-deliver"
ENV_BOOTSTRAP = "WIREWATCH_KAFKA"
ENV_TOPIC_PREFIX = "WIREWATCH_TOPIC_PREFIX"
WEEK_MS = 7 * 24 * 3600 * 1000


class KafkaUnavailable(RuntimeError):
    """The broker could not be reached or refused a request. Retriable: the broker may come back."""

    retriable = True


class PublisherFenced(RuntimeError):
    """A send or flush on a publisher its owner fenced (``Publisher.fence``: an ended job's). Not retriable: the
    step that meets it belongs to a job that is gone, and its stories are read again by the next."""

    retriable = False


class KafkaConfigError(ValueError):
    """Kafka settings are missing or contradict the existing topics. Not retriable: fix the settings."""

    retriable = False


@dataclass(frozen=True)
class Topics:
    """The topic names and the processing group's name. A prefix lets several systems (or test runs) share
    one broker without touching each other's data; the names after it are the contract."""

    prefix: str = ""

    @property
    def stories(self) -> str:
        return self.prefix + STORIES

    @property
    def alerts(self) -> str:
        return self.prefix + ALERTS

    @property
    def deadletter(self) -> str:
        return self.prefix + DEADLETTER

    @property
    def group(self) -> str:
        return self.prefix + GROUP

    @property
    def delivery_deadletter(self) -> str:
        return self.prefix + DELIVERY_DEADLETTER

    @property
    def deliver_group(self) -> str:
        """The delivery step's own consumer group on the alerts topic."""
        return self.prefix + DELIVER_GROUP

    @classmethod
    def from_env(cls, explicit: str | None = None) -> "Topics":
        """``--topic-prefix`` if given, else ``$WIREWATCH_TOPIC_PREFIX``, else none."""
        prefix = explicit if explicit is not None else os.environ.get(ENV_TOPIC_PREFIX, "")
        if prefix and not all(c.isalnum() or c in "._-" for c in prefix):
            raise KafkaConfigError(f"topic prefix {prefix!r} may hold only letters, digits, '.', '_' and '-'")
        return cls(prefix)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(story_partitions: int = 3, topics: Topics | None = None) -> list[TopicSpec]:
    topics = topics or Topics.from_env()
    return [
        TopicSpec(topics.stories, story_partitions, {"retention.ms": str(WEEK_MS), "max.message.bytes": "8388608"}),
        TopicSpec(topics.alerts, 1, {"cleanup.policy": "compact,delete", "retention.ms": str(4 * WEEK_MS)}),
        TopicSpec(topics.deadletter, 1, {"retention.ms": str(4 * WEEK_MS), "max.message.bytes": "8388608"}),
    ]


def bootstrap_servers(explicit: str | None = None) -> str:
    """``--bootstrap`` if given, else ``$WIREWATCH_KAFKA``; a clear error when neither is set."""
    value = explicit or os.environ.get(ENV_BOOTSTRAP, "")
    if not value.strip():
        raise KafkaConfigError(f"no Kafka broker given: pass --bootstrap HOST:PORT or set {ENV_BOOTSTRAP}")
    return value.strip()


def admin(bootstrap: str) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirewatch-admin", request_timeout_ms=15000)
    except kafka_errors.KafkaError as exc:
        raise KafkaUnavailable(f"cannot reach Kafka at {bootstrap}: {exc}") from exc


def ensure_topics(bootstrap: str, specs: Iterable[TopicSpec] | None = None) -> dict[str, int]:
    """Create the missing topics with explicit partitions and settings; return topic -> partition count.

    Existing topics are kept as they are (their data is the system's state); a topic with fewer partitions
    than asked for is logged, not altered.
    """
    specs = list(specs or topic_specs())
    client = admin(bootstrap)
    try:
        existing = set(client.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            request = {
                s.name: {"num_partitions": s.partitions, "replication_factor": 1, "configs": s.configs}
                for s in missing
            }
            try:
                client.create_topics(request, timeout_ms=15000, wait_for_metadata=True)
            except kafka_errors.TopicAlreadyExistsError:
                pass  # another process created it between our list and create
            log.info("created topics %s", ", ".join(sorted(request)))
        described = {t["name"]: len(t["partitions"]) for t in client.describe_topics([s.name for s in specs])}
    except kafka_errors.KafkaError as exc:
        raise KafkaUnavailable(f"topic setup on {bootstrap} failed: {exc}") from exc
    finally:
        client.close()
    for spec in specs:
        if described.get(spec.name, 0) < spec.partitions:
            log.warning("topic %s has %s partitions, fewer than %s", spec.name, described.get(spec.name), spec.partitions)
    return described


_M32 = 0xFFFFFFFF
_MURMUR_M = 0x5BD1E995


def murmur2(data: bytes, m: int = _MURMUR_M, mask: int = _M32) -> int:
    """Kafka's murmur2 of a record key (the Java client's ``Utils.murmur2``, as kafka-python's
    ``partitioner.default.murmur2`` computes it) with the key's 4-byte blocks unpacked at once: the
    per-byte arithmetic of kafka-python's cost about twice as much (a 32-byte alert id, three to a template
    story)."""
    length = len(data)
    h = 0x9747B28C ^ length
    for k in struct.unpack_from(f"<{length >> 2}I", data):
        k = k * m & mask
        h = (h * m & mask) ^ ((k ^ k >> 24) * m & mask)
    extra, whole = length & 3, length & ~3
    if extra:
        if extra >= 3:
            h ^= data[whole + 2] << 16
        if extra >= 2:
            h ^= data[whole + 1] << 8
        h = (h ^ data[whole]) * m & mask
    h = (h ^ h >> 13) * m & mask
    return h ^ h >> 15


class KeyedPartitioner(DefaultPartitioner):
    """kafka-python's default partitioner (a keyed record to murmur2(key) over the topic's partitions, as
    the Java client, and so Flink's Kafka sink, places it; a record without a key to a random one), with the
    faster ``murmur2``, and no hash at all for a topic of one partition (the alerts and dead letters)."""

    def partition(self, topic: str, key: Any, serialized_key: bytes | None, value: Any,
                  serialized_value: Any, cluster: Any) -> int:
        partitions = cluster.partitions_for_topic(topic)
        if serialized_key is None or partitions is None:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        if len(partitions) == 1:
            return next(iter(partitions))
        ordered = sorted(partitions)
        return ordered[(murmur2(serialized_key) & 0x7FFFFFFF) % len(ordered)]


class KafkaRefused(RuntimeError):
    """Kafka refused records for good (too large, not authorised): resending cannot help. Not retriable."""

    retriable = False

    def __init__(self, message: str, records: list[tuple[str, str, bytes]]) -> None:
        super().__init__(message)
        self.records = records


@dataclass
class _Pending:
    future: Any
    topic: str
    key: str
    value: bytes


class Publisher:
    """Idempotent, acks=all producer for stories, alerts and dead letters. ``flush()`` returns only when
    every record sent so far is durably acknowledged. When the broker is away it raises KafkaUnavailable
    (retriable) and keeps the records: those that failed are sent again, so flushing again after the broker
    is back delivers everything. Records Kafka refuses for good raise KafkaRefused, once."""

    def __init__(self, bootstrap: str, client_id: str = "wirewatch", topics: Topics | None = None,
                 **overrides: Any) -> None:
        self.topics = topics or Topics.from_env()
        config = {
            "bootstrap_servers": bootstrap,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "retries": 2**31 - 1,  # bounded by delivery_timeout_ms instead
            "delivery_timeout_ms": 120_000,
            "partitioner": KeyedPartitioner(),
            **overrides,
        }
        try:
            self._producer = KafkaProducer(**config)
        except kafka_errors.KafkaError as exc:
            raise KafkaUnavailable(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()  # ingest threads (files, drop folders, feeds) share one publisher
        self.sent = 0
        self.client_id = client_id
        self._fenced = False
        _OPEN.add(self)

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Queue one record; raises KafkaTimeoutError (retriable) when the broker's metadata cannot be had."""
        if self._fenced:
            raise PublisherFenced(f"publisher {self.client_id} was fenced: not sent")
        future = self._producer.send(topic, key=key.encode(), value=value)
        with self._lock:
            self._pending.append(_Pending(future, topic, key, value))
            self.sent += 1

    def story(self, story: Story) -> None:
        self.send(self.topics.stories, story.id, dumps(story))

    def alert(self, alert: Alert) -> None:
        self.send(self.topics.alerts, alert.id, dumps(alert))

    def dead_letter(self, dead: DeadLetter) -> None:
        self.send(self.topics.deadletter, str(dead.origin), dumps(dead))
        metrics.DEAD_LETTERS.labels(dead.stage).inc()  # every dead letter of the process: ingest's and the pipeline's

    def flush(self, timeout: float = 60.0) -> None:
        if self._fenced:
            raise PublisherFenced(f"publisher {self.client_id} was fenced: what it held was abandoned")
        with self._lock:
            pending, self._pending = self._pending, []
        try:
            self._producer.flush(timeout=timeout)
        except kafka_errors.KafkaError:
            pass  # some records are still on their way: sorted out below
        waiting, failed, refused = [], [], []
        for item in pending:
            if not item.future.is_done:
                waiting.append(item)
            elif item.future.failed():
                (failed if _retriable(item.future.exception) else refused).append(item)
        resent = []
        for item in failed:  # delivery timed out while the broker was away: send it again
            try:
                resent.append(_Pending(self._producer.send(item.topic, key=item.key.encode(), value=item.value),
                                       item.topic, item.key, item.value))
            except kafka_errors.KafkaError:
                resent.append(item)  # keep the failed future: it is sent again on the next flush
        with self._lock:
            self._pending[:0] = waiting + resent
        if refused:
            reasons = sorted({repr(item.future.exception)[:200] for item in refused})
            raise KafkaRefused(f"Kafka refused {len(refused)} record(s): {'; '.join(reasons)}",
                               [(i.topic, i.key, i.value) for i in refused])
        if waiting or failed:
            errors = sorted({repr(i.future.exception)[:200] for i in failed}) or ["no acknowledgement in time"]
            raise KafkaUnavailable(f"Kafka did not acknowledge {len(waiting) + len(failed)} record(s) yet: "
                                   f"{'; '.join(errors)}")

    def close(self, timeout: float = 30.0) -> None:
        try:
            self.flush(timeout)
        finally:
            _close_producer(self._producer, timeout)

    def fence(self, timeout: float) -> int:
        """Close for good (an ended job's publisher, pipelines/service.py): what was handed over is acknowledged
        within ``timeout`` or abandoned, and every later send or flush raises PublisherFenced, so a step of that
        job still running neither lands a record later nor waits on a broker for it. Returns how many records
        were abandoned."""
        try:
            self.close(timeout)
        except Exception:  # noqa: BLE001 (the broker is away: what it held is abandoned, counted below)
            pass
        with self._lock:
            self._fenced = True
            abandoned, self._pending = len(self._pending), []
        _OPEN.discard(self)
        return abandoned

    def __enter__(self) -> "Publisher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_OPEN: "weakref.WeakSet[Publisher]" = weakref.WeakSet()


def open_publishers() -> list[Publisher]:
    """The publishers of this process not yet closed (a registry of weak references: one dropped unclosed
    leaves it by itself)."""
    return list(_OPEN)


def close_publishers(timeout: float = 5.0) -> None:
    """Close every publisher of this process (a stopping service: its pipeline's workers were cancelled
    without tearing down), saying so for any that had records unacknowledged."""
    for publisher in list(_OPEN):
        try:
            publisher.close(timeout)
        except Exception as exc:
            log.warning("a publisher closed with records unacknowledged; they were not committed",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:300]})


def _close_producer(producer: KafkaProducer, timeout: float) -> None:
    try:
        producer.close(timeout=timeout)
    except kafka_errors.KafkaError:
        # kafka-python's close raises when its own flush times out (the broker is away). What was not
        # acknowledged was not committed either, so it is read again at the next start: close for good.
        sender = getattr(producer, "_sender", None)
        if sender is not None:
            sender.force_close()
        producer._closed = True  # noqa: SLF001 (its close() gave up half-way; the atexit hook is gone)


def _retriable(exc: BaseException | None) -> bool:
    if isinstance(exc, kafka_errors.KafkaError):
        return bool(exc.retriable) or isinstance(exc, kafka_errors.KafkaConnectionError)
    return True  # unknown: better sent twice (alerts and stories are idempotent by id) than lost
