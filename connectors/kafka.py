"""Kafka edges: where the broker is, the topics (names are a contract), and an idempotent producer.

Topic layout:
- ``wirewatch.stories``: key = story id, value = story JSON (``Story.to_dict``).
- ``wirewatch.alerts``: key = alert id, value = alert JSON; compacted, so a re-sent alert replaces itself.
- ``wirewatch.deadletter``: key = origin, value = dead-letter JSON.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

from kafka import KafkaAdminClient, KafkaProducer
from kafka import errors as kafka_errors

from transforms.records import Alert, DeadLetter, Story, dumps

log = logging.getLogger(__name__)

STORIES = "wirewatch.stories"
ALERTS = "wirewatch.alerts"
DEADLETTER = "wirewatch.deadletter"
ENV_BOOTSTRAP = "WIREWATCH_KAFKA"
WEEK_MS = 7 * 24 * 3600 * 1000


class KafkaUnavailable(RuntimeError):
    """The broker could not be reached or refused a request. Retriable: the broker may come back."""

    retriable = True


class KafkaConfigError(ValueError):
    """Kafka settings are missing or contradict the existing topics. Not retriable: fix the settings."""

    retriable = False


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(story_partitions: int = 3) -> list[TopicSpec]:
    return [
        TopicSpec(STORIES, story_partitions, {"retention.ms": str(WEEK_MS), "max.message.bytes": "8388608"}),
        TopicSpec(ALERTS, 1, {"cleanup.policy": "compact,delete", "retention.ms": str(4 * WEEK_MS)}),
        TopicSpec(DEADLETTER, 1, {"retention.ms": str(4 * WEEK_MS), "max.message.bytes": "8388608"}),
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


class Publisher:
    """Idempotent, acks=all producer for stories, alerts and dead letters. ``flush()`` returns only when
    every record sent so far is durably acknowledged, and raises if any was refused."""

    def __init__(self, bootstrap: str, client_id: str = "wirewatch", **overrides: Any) -> None:
        config = {
            "bootstrap_servers": bootstrap,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "retries": 2**31 - 1,  # bounded by delivery_timeout_ms instead
            "delivery_timeout_ms": 120_000,
            **overrides,
        }
        try:
            self._producer = KafkaProducer(**config)
        except kafka_errors.KafkaError as exc:
            raise KafkaUnavailable(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
        self._pending: list[Any] = []
        self._lock = threading.Lock()  # ingest threads (files, drop folders, feeds) share one publisher
        self.sent = 0

    def _send(self, topic: str, key: str, value: bytes) -> None:
        future = self._producer.send(topic, key=key.encode(), value=value)
        with self._lock:
            self._pending.append(future)
            self.sent += 1

    def story(self, story: Story) -> None:
        self._send(STORIES, story.id, dumps(story))

    def alert(self, alert: Alert) -> None:
        self._send(ALERTS, alert.id, dumps(alert))

    def dead_letter(self, dead: DeadLetter) -> None:
        self._send(DEADLETTER, dead.origin, dumps(dead))

    def flush(self, timeout: float = 60.0) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        try:
            self._producer.flush(timeout=timeout)
            for future in pending:
                future.get(timeout=0)
        except kafka_errors.KafkaError as exc:
            with self._lock:
                self._pending.extend(f for f in pending if not f.is_done)
            raise KafkaUnavailable(f"Kafka did not acknowledge every record: {exc}") from exc

    def close(self, timeout: float = 30.0) -> None:
        self.flush(timeout)
        self._producer.close(timeout=timeout)

    def __enter__(self) -> "Publisher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
