"""Alerts to ``wirewatch.alerts``, each at most once: an alert whose id (story cluster + rule) was sent before,
in this run or an earlier one, is not sent again (the ids are read back from the compacted alerts topic at
start; the newest are kept, the oldest forgotten first). The bundle's alerts are acknowledged by Kafka
(acks=all) before its outcomes move on."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
from datetime import datetime, timezone
from typing import Any, Iterable

from kafka import KafkaConsumer, TopicPartition

from wirewatch.connectors.health import metrics
from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.kafka.topics import KafkaRefused, Publisher, Topics
from wirewatch.connectors.sinks.durable import PassOnWhenDurable
from wirewatch.records import Alert, StoryAlerts, excerpt

log = logging.getLogger("wirewatch.alerts")
FLUSH_TIMEOUT_S = 10.0  # then the wait goes on as a fault the service reports, not as one silent call
MAX_SENT_IDS = 500_000  # ~60 MB of ids; the compacted alerts topic stays the record of what was sent


class SentIds:
    """Alert ids already sent, oldest forgotten first when over ``capacity``: a story cluster alerts within
    hours of its first copy, so the ids most worth keeping are the newest."""

    def __init__(self, ids: Iterable[str] = (), capacity: int = MAX_SENT_IDS) -> None:
        self.capacity = capacity
        self._ids: dict[str, None] = {}  # insertion order is sending order
        self._lock = threading.Lock()
        self.add(ids)

    def __contains__(self, alert_id: object) -> bool:
        with self._lock:
            return alert_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, ids: Iterable[str]) -> None:
        with self._lock:
            for alert_id in ids:
                self._ids.pop(alert_id, None)
                self._ids[alert_id] = None
            excess = len(self._ids) - self.capacity
            if excess > 0:
                for old in list(itertools.islice(self._ids, excess)):
                    del self._ids[old]


_SENT: dict[tuple[str, str], SentIds] = {}  # per (broker, alerts topic), shared by the process's workers
_SENT_LOCK = threading.Lock()


def sent_alert_ids(bootstrap: str, topic: str) -> list[str]:
    """Every alert id in the alerts topic, oldest first (compacted by id: about one entry per alert)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return []
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ids: list[str] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                ids.extend(r.key.decode() for r in records if r.key)
        return ids
    finally:
        consumer.close()


class PublishAlerts(PassOnWhenDurable):
    """StoryAlerts -> the same, once the alerts not sent before are acknowledged by Kafka."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.bootstrap, self.topics = bootstrap, topics

    def setup(self) -> None:
        # A worker may set up a new instance while the broker is away: wait for it rather than fail the job.
        self.publisher = retry("kafka", lambda: Publisher(
            self.bootstrap, client_id="wirewatch-alerts", topics=self.topics,
            delivery_timeout_ms=600_000))  # ride out a broker restart inside the producer before resending
        key = (self.bootstrap, self.topics.alerts)
        with _SENT_LOCK:
            if key not in _SENT:
                _SENT[key] = SentIds(retry("kafka", lambda: sent_alert_ids(self.bootstrap, self.topics.alerts)))
                log.info("alerts sent before: %d", len(_SENT[key]))
        self.sent = _SENT[key]

    def start_bundle(self) -> None:
        super().start_bundle()
        self.alerts: dict[str, Alert] = {}  # this bundle's, by id: a copy in the same bundle adds nothing

    def take(self, outcome: Any) -> Any:
        if isinstance(outcome, StoryAlerts):
            for alert in outcome.alerts:
                if alert.id in self.sent or alert.id in self.alerts:
                    metrics.ALERTS_SUPPRESSED.inc()
                else:
                    self.alerts[alert.id] = alert
        return outcome

    def make_durable(self) -> None:
        if not self.alerts:
            return
        alerted = datetime.now(timezone.utc)  # the "alerted" stamp, read at the edge
        for alert in self.alerts.values():
            stamped = dataclasses.replace(alert, alerted=alerted)
            retry("kafka", lambda: self.publisher.alert(stamped))
        flush(self.publisher)
        self.sent.add(self.alerts)
        for alert in self.alerts.values():
            metrics.ALERTS.labels(alert.rule).inc()
            log.info("alert", extra={"alert": alert.id, "rule": alert.rule, "story": alert.story_id,
                                     "countries": list(alert.countries), "title": alert.title[:120]})

    def teardown(self) -> None:
        self.publisher.close()


def flush(publisher: Publisher) -> None:
    """Everything sent acknowledged (retried through a broker outage); records Kafka refuses for good (too
    large) are logged with their bytes and counted as dead letters, since resending cannot help."""
    try:
        retry("kafka", lambda: publisher.flush(timeout=FLUSH_TIMEOUT_S))
    except KafkaRefused as exc:
        for topic, key, value in exc.records:
            log.error("record refused by Kafka", extra={"topic": topic, "key": key, "reason": str(exc),
                                                        "raw": excerpt(value)})
        metrics.DEAD_LETTERS.labels("deliver").inc(len(exc.records))
