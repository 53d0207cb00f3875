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
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable

from confluent_kafka import KafkaError, KafkaException, Producer
from kafka import KafkaAdminClient
from kafka import errors as kafka_errors

from wirewatch.connectors.health import metrics
from wirewatch.records import Alert, DeadLetter, Story, dumps

log = logging.getLogger(__name__)
_LIBRDKAFKA_LOG = logging.getLogger("wirewatch.kafka.producer")  # librdkafka's own lines, through our logs

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


class KafkaRefused(RuntimeError):
    """Kafka refused records for good (too large, not authorised): resending cannot help. Not retriable."""

    retriable = False

    def __init__(self, message: str, records: list[tuple[str, str, bytes]]) -> None:
        super().__init__(message)
        self.records = records


class _Pending:
    """One record handed to the producer, and what Kafka said of it (set by its delivery report)."""

    __slots__ = ("topic", "key", "value", "done", "error")

    def __init__(self, topic: str, key: str, value: bytes) -> None:
        self.topic, self.key, self.value = topic, key, value
        self.done = False
        self.error: Any = None  # a confluent_kafka.KafkaError once refused or failed

    def delivered(self, error: Any, message: Any) -> None:
        self.done, self.error = True, error


# kafka-python's names for the settings callers tune, as librdkafka names them
_SETTINGS = {"delivery_timeout_ms": "delivery.timeout.ms", "batch_size": "batch.size", "linger_ms": "linger.ms",
             "message_max_bytes": "message.max.bytes"}
POLL_EVERY = 1000  # sends between two services of the delivery reports outside flush()
QUEUE_FULL_WAIT_S = 5.0  # how long a send waits for room in the producer's queue before it reports a fault


class Publisher:
    """Idempotent, acks=all producer for stories, alerts and dead letters. ``flush()`` returns only when
    every record sent so far is durably acknowledged. When the broker is away it raises KafkaUnavailable
    (retriable) and keeps the records: those that failed are sent again, so flushing again after the broker
    is back delivers everything. Records Kafka refuses for good raise KafkaRefused, once.

    The producer is confluent-kafka's (librdkafka): its batching, compression and network I/O run in C
    threads of their own, outside the interpreter's lock. Keyed records go where the Java client (and so
    Flink's Kafka sink and kafka-python) puts them: murmur2 of the key over the topic's partitions."""

    def __init__(self, bootstrap: str, client_id: str = "wirewatch", topics: Topics | None = None,
                 **overrides: Any) -> None:
        self.topics = topics or Topics.from_env()
        unknown = sorted(set(overrides) - set(_SETTINGS))
        if unknown:
            raise KafkaConfigError(f"unknown producer settings {', '.join(unknown)}: known are {', '.join(_SETTINGS)}")
        self._config = {
            "bootstrap.servers": bootstrap,
            "client.id": client_id,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "delivery.timeout.ms": 120_000,
            "partitioner": "murmur2_random",  # the Java client's placement of keyed records
            "log.connection.close": False,
            **{_SETTINGS[name]: value for name, value in overrides.items()},
        }
        self._producer = self._new_producer()
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()  # ingest threads (files, drop folders, feeds) share one publisher
        self.sent = 0
        self.client_id = client_id
        self._fenced = False
        _OPEN.add(self)

    def _new_producer(self) -> Producer:
        try:
            return Producer(self._config, logger=_LIBRDKAFKA_LOG)
        except (KafkaException, ValueError, TypeError) as exc:
            raise KafkaConfigError(f"producer settings refused: {exc}") from exc

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Queue one record. Raises KafkaUnavailable (retriable) when the producer's queue stays full, the
        broker being away; a record Kafka can never take (too large) is reported by the next flush."""
        if self._fenced:
            raise PublisherFenced(f"publisher {self.client_id} was fenced: not sent")
        item = _Pending(topic, key, value)
        self._produce(item)
        with self._lock:
            self._pending.append(item)
            self.sent += 1
            serve = not self.sent % POLL_EVERY
        if serve:
            self._producer.poll(0)  # the delivery reports so far, so that they do not pile up until flush

    def _produce(self, item: _Pending) -> None:
        waited = 0.0
        while True:
            try:
                self._producer.produce(item.topic, item.value, item.key.encode(), on_delivery=item.delivered)
                return
            except BufferError:  # the queue is full: the broker is slow or away
                if waited >= QUEUE_FULL_WAIT_S:
                    raise KafkaUnavailable(f"Kafka's producer queue stayed full for {waited:.0f} s") from None
                self._producer.poll(0.1)
                waited += 0.1
            except KafkaException as exc:
                error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else \
                    KafkaError(KafkaError._FAIL, str(exc))  # an error flush reports, never a record taken as sent
                if error.retriable():
                    raise KafkaUnavailable(f"Kafka did not take a record: {error}") from exc
                item.done, item.error = True, error  # refused for good: reported by flush as KafkaRefused
                return

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
        self._producer.flush(timeout)
        waiting, failed, refused = [], [], []
        for item in pending:
            if not item.done:
                waiting.append(item)
            elif item.error is not None:
                (failed if _retriable(item.error) else refused).append(item)
        if any(item.error.fatal() for item in failed):
            # the producer can send nothing more (librdkafka's fatal idempotence errors): a new one resends
            self._abandon(self._producer, 0)
            self._producer = self._new_producer()
        resent = []
        for item in failed:  # delivery timed out while the broker was away: send it again
            again = _Pending(item.topic, item.key, item.value)
            try:
                self._produce(again)
            except KafkaUnavailable:
                again.done, again.error = True, item.error  # sent again on the next flush
            resent.append(again)
        with self._lock:
            self._pending[:0] = waiting + resent
        if refused:
            reasons = sorted({str(item.error)[:200] for item in refused})
            raise KafkaRefused(f"Kafka refused {len(refused)} record(s): {'; '.join(reasons)}",
                               [(i.topic, i.key, i.value) for i in refused])
        if waiting or failed:
            errors = sorted({str(i.error)[:200] for i in failed}) or ["no acknowledgement in time"]
            raise KafkaUnavailable(f"Kafka did not acknowledge {len(waiting) + len(failed)} record(s) yet: "
                                   f"{'; '.join(errors)}")

    def close(self, timeout: float = 30.0) -> None:
        try:
            self.flush(timeout)
        finally:
            self._abandon(self._producer, 0)

    @staticmethod
    def _abandon(producer: Producer, timeout: float) -> None:
        """Drop what ``producer`` still holds: a record not acknowledged was not committed either, so it is
        read again at the next start."""
        try:
            producer.purge()
            producer.flush(timeout)  # serves the purged records' reports
        except (KafkaException, RuntimeError):
            pass

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


# delivery errors that can clear by themselves, though librdkafka does not flag them retriable
# librdkafka's errors of a broker away or a partition's leader moving, which clear by themselves (the producer
# and the source's reader both wait them out)
BROKER_AWAY_CODES = frozenset({
    KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._UNKNOWN_TOPIC,
    KafkaError._UNKNOWN_PARTITION, KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.REQUEST_TIMED_OUT, KafkaError.NETWORK_EXCEPTION,
})
_TRANSIENT_CODES = BROKER_AWAY_CODES | {
    KafkaError._MSG_TIMED_OUT, KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT, KafkaError._QUEUE_FULL,
    KafkaError.NOT_ENOUGH_REPLICAS, KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
}


def _retriable(error: Any) -> bool:
    """Whether a record's delivery error may clear by itself (the broker away, a timeout): sent again then."""
    if error is None:
        return True
    if error.retriable() or error.fatal():  # fatal: the producer is replaced and the record sent by the new one
        return True
    return error.code() in _TRANSIENT_CODES
