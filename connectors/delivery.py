"""The always-on pipeline's last step: every outcome (an enriched story or a dead letter) is delivered
durably, then its source offset is released for commit.

- Alerts go to ``wirewatch.alerts`` unless an alert with the same id (same cluster and rule) was sent
  before, in this run or an earlier one (the sent ids are read back from the compacted alerts topic).
- Enriched stories go to the archive, one file per story named by its Kafka position (idempotent),
  written by rename and made durable with one syncfs per bundle.
- Dead letters go to ``wirewatch.deadletter``.
- At the end of each bundle the producer is flushed (acks=all), and only then are the bundle's offsets
  marked done and the group's commit advanced: a crash re-reads what was not durably delivered, and the
  sent-id check keeps the re-read from alerting twice.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import apache_beam as beam
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from connectors import metrics
from connectors.filesink import sync_filesystem, write_unsynced
from connectors.kafka import ALERTS, Publisher
from connectors.kafka_source import parse_position
from connectors.offsets import REGISTRY as IN_FLIGHT
from transforms.alerts import alerts_for
from transforms.records import Alert, DeadLetter, EnrichedStory, dumps
from transforms.rules import WatchList

log = logging.getLogger("wirewatch.delivery")

_SENT: dict[str, set[str]] = {}
_SENT_LOCK = threading.Lock()
MAX_SENT_IDS = 500_000  # ~60 MB of ids; the compacted alerts topic stays the record of what was sent


def sent_alert_ids(bootstrap: str) -> set[str]:
    """Every alert id in the alerts topic (compacted by id, so this is one entry per alert)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    try:
        tps = [TopicPartition(ALERTS, p) for p in sorted(consumer.partitions_for_topic(ALERTS) or ())]
        if not tps:
            return set()
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ids: set[str] = set()
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                ids.update(r.key.decode() for r in records if r.key)
        return ids
    finally:
        consumer.close()


def archive_path(root: Path, story: EnrichedStory) -> Path:
    s = story.story
    when = s.published or s.produced
    partition = f"dt={when.date().isoformat()}" if when else "dt=undated"
    position = parse_position(s.origin or "")
    name = f"{position[0]}-{position[1]}-{position[2]:012d}" if position else s.id
    return root / partition / f"{name}.json"


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() if a and b else None


class DeliverOutcomes(beam.DoFn):
    def __init__(self, bootstrap: str, watchlist: WatchList, archive: str, group: str) -> None:
        self.bootstrap, self.watchlist, self.archive, self.group = bootstrap, watchlist, Path(archive), group

    def setup(self) -> None:
        self.publisher = Publisher(self.bootstrap, client_id="wirewatch-delivery")
        self.committer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group,
                                       enable_auto_commit=False)
        with _SENT_LOCK:
            if self.bootstrap not in _SENT:
                _SENT[self.bootstrap] = sent_alert_ids(self.bootstrap)
                log.info("alerts sent before: %d", len(_SENT[self.bootstrap]))
        self.sent = _SENT[self.bootstrap]

    def start_bundle(self) -> None:
        self.positions: list[tuple[str, int, int]] = []
        self.alerts: list[Alert] = []
        self.pending: set[str] = set()  # ids of self.alerts
        self.stories: list[EnrichedStory] = []

    def process(self, outcome: Any) -> Iterable[Any]:
        now = datetime.now(timezone.utc)  # the "processed" stage timestamp: I/O edge, not a pure function
        position = parse_position(getattr(outcome, "origin", None) or getattr(outcome.story, "origin", "") or "")
        if isinstance(outcome, DeadLetter):
            self.publisher.dead_letter(outcome)
            metrics.DEAD_LETTERS.labels(outcome.stage).inc()
            log.warning("dead letter", extra={"origin": outcome.origin, "stage": outcome.stage, "reason": outcome.reason})
        else:
            story = outcome.story
            published = None if story.undated else story.published  # a stand-in fetch time says nothing of the feed
            for stage, a, b in (("feed", published, story.fetched), ("ingest", story.fetched, story.produced),
                                ("pipeline", story.produced, now)):
                seconds = _seconds(a, b)
                if seconds is not None and seconds >= 0:
                    metrics.STAGE_LATENCY.labels(stage).observe(seconds)
            write_unsynced(archive_path(self.archive, outcome), dumps(outcome) + b"\n")  # synced per bundle
            metrics.STORIES_OUT.inc()
            for alert in alerts_for(outcome, self.watchlist):
                with _SENT_LOCK:
                    seen = alert.id in self.sent
                if seen or alert.id in self.pending:
                    metrics.ALERTS_SUPPRESSED.inc()
                    continue
                self.alerts.append(alert)
                self.pending.add(alert.id)
            self.stories.append(outcome)
        if position:
            self.positions.append(position)
        return ()

    def finish_bundle(self) -> None:
        alerted = datetime.now(timezone.utc)
        for alert in self.alerts:
            self.publisher.alert(_stamped(alert, alerted))
        self.publisher.flush()  # raises if Kafka refused anything: the bundle is retried, nothing committed
        if self.stories:
            sync_filesystem(self.archive)  # the bundle's archive files are durable before offsets move
        with _SENT_LOCK:
            self.sent.update(a.id for a in self.alerts)
            while len(self.sent) > MAX_SENT_IDS:
                self.sent.pop()
        for alert in self.alerts:
            metrics.ALERTS.labels(alert.rule).inc()
            log.info("alert", extra={"alert": alert.id, "rule": alert.rule, "story": alert.story_id,
                                     "countries": list(alert.countries), "title": alert.title[:120]})
        for story in self.stories:
            seconds = _seconds(story.story.produced, alerted)
            if seconds is not None and seconds >= 0:
                metrics.STAGE_LATENCY.labels("produced_to_delivered").observe(seconds)
        for topic, partition, offset in self.positions:
            IN_FLIGHT.finished((topic, partition), offset)
        self._commit()

    def _commit(self) -> None:
        points = {p: o for p, o in IN_FLIGHT.commit_points().items() if p[0] != ALERTS}
        if not points:
            return
        offsets = {TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in points.items()}
        self.committer.commit(offsets)
        IN_FLIGHT.committed(points)
        log.debug("committed", extra={"offsets": {f"{t}/{p}": o for (t, p), o in points.items()}})

    def teardown(self) -> None:
        try:
            self.publisher.close()
        finally:
            self.committer.close()


def _stamped(alert: Alert, alerted: datetime) -> Alert:
    return dataclasses.replace(alert, alerted=alerted)
