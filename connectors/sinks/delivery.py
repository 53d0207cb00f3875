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
- A fault that can clear (the broker away, the archive's disk full or not writable) holds the bundle and is
  retried with backoff (connectors/faults.py) until it clears: the job never fails on it, and nothing is
  committed before it is written.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import apache_beam as beam
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from wirewatch.connectors.health import metrics
from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.sinks.files import sync_filesystem, write_unsynced
from wirewatch.connectors.kafka.topics import KafkaRefused, Publisher, Topics
from wirewatch.connectors.kafka.source import parse_position
from wirewatch.connectors.kafka.offsets import REGISTRY as IN_FLIGHT
from wirewatch.transforms.alerts import alerts_for
from wirewatch.records import Alert, DeadLetter, EnrichedStory, dumps, excerpt
from wirewatch.transforms.rules import WatchList

log = logging.getLogger("wirewatch.delivery")

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


def archive_path(root: Path, story: EnrichedStory) -> Path:
    s = story.story
    when = s.published or s.produced
    partition = f"dt={when.date().isoformat()}" if when else "dt=undated"
    position = parse_position(s.origin or "")
    name = f"{position[0]}-{position[1]}-{position[2]:012d}" if position else s.id
    return root / partition / f"{name}.json"


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() if a and b else None


@dataclasses.dataclass(frozen=True)
class Durability:
    """How the delivery step makes its writes durable: injectable so that tests can watch or fail them."""

    write: Callable[[Path, bytes], None] = write_unsynced
    sync: Callable[[Path], None] = sync_filesystem


class DeliverOutcomes(beam.DoFn):
    def __init__(self, bootstrap: str, watchlist: WatchList, archive: str, topics: Topics,
                 durability: Durability = Durability()) -> None:
        self.bootstrap, self.watchlist, self.archive, self.topics = bootstrap, watchlist, Path(archive), topics
        self.durability = durability

    def setup(self) -> None:
        # A worker may set up a new instance while the broker is away: wait for it rather than fail the job.
        self.publisher = retry("kafka", lambda: Publisher(
            self.bootstrap, client_id="wirewatch-delivery", topics=self.topics,
            delivery_timeout_ms=600_000))  # ride out a broker restart inside the producer before resending
        self.committer = retry("kafka", lambda: KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.topics.group, enable_auto_commit=False))
        key = (self.bootstrap, self.topics.alerts)
        with _SENT_LOCK:
            if key not in _SENT:
                _SENT[key] = SentIds(retry("kafka", lambda: sent_alert_ids(self.bootstrap, self.topics.alerts)))
                log.info("alerts sent before: %d", len(_SENT[key]))
        self.sent = _SENT[key]

    def start_bundle(self) -> None:
        self.positions: list[tuple[str, int, int]] = []
        self.alerts: list[Alert] = []
        self.pending: set[str] = set()  # ids of self.alerts
        self.stories: list[EnrichedStory] = []

    def process(self, outcome: Any) -> Iterable[Any]:
        now = datetime.now(timezone.utc)  # the "processed" stage timestamp: I/O edge, not a pure function
        position = parse_position(getattr(outcome, "origin", None) or getattr(outcome.story, "origin", "") or "")
        if isinstance(outcome, EnrichedStory):
            outcome = self._archive(outcome, now)
        if isinstance(outcome, DeadLetter):
            retry("kafka", lambda: self.publisher.dead_letter(outcome))
            log.warning("dead letter", extra={"origin": outcome.origin, "stage": outcome.stage, "reason": outcome.reason})
        if position:
            self.positions.append(position)
        return ()

    def _archive(self, outcome: EnrichedStory, now: datetime) -> EnrichedStory | DeadLetter:
        story = outcome.story
        try:
            data = dumps(outcome) + b"\n"
        except Exception as exc:  # e.g. text JSON cannot carry (lone surrogates): the story becomes a dead letter
            return DeadLetter(story.origin or story.id, "deliver", f"{type(exc).__name__}: {exc}",
                              raw=excerpt(repr(story)))
        published = None if story.undated else story.published  # a stand-in fetch time says nothing of the feed
        for stage, a, b in (("feed", published, story.fetched), ("ingest", story.fetched, story.produced),
                            ("pipeline", story.produced, now)):
            seconds = _seconds(a, b)
            if seconds is not None and seconds >= 0:
                metrics.STAGE_LATENCY.labels(stage).observe(seconds)
        path = archive_path(self.archive, outcome)
        retry("archive", lambda: self.durability.write(path, data))  # synced once per bundle
        metrics.STORIES_OUT.inc()
        for alert in alerts_for(outcome, self.watchlist):
            if alert.id in self.sent or alert.id in self.pending:
                metrics.ALERTS_SUPPRESSED.inc()
                continue
            self.alerts.append(alert)
            self.pending.add(alert.id)
        self.stories.append(outcome)
        return outcome

    def finish_bundle(self) -> None:
        alerted = datetime.now(timezone.utc)
        for alert in self.alerts:
            stamped = _stamped(alert, alerted)
            retry("kafka", lambda: self.publisher.alert(stamped))
        self._flush()  # every alert and dead letter acknowledged (acks=all) before any offset moves
        if self.stories:
            retry("archive", lambda: self.durability.sync(self.archive))  # the archive files are durable too
        self.sent.add(a.id for a in self.alerts)
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
        retry("kafka", self._commit)

    def _flush(self) -> None:
        try:
            retry("kafka", lambda: self.publisher.flush(timeout=FLUSH_TIMEOUT_S))
        except KafkaRefused as exc:  # refused for good (e.g. too large): resending cannot help; say so loudly
            for topic, key, value in exc.records:
                log.error("record refused by Kafka", extra={"topic": topic, "key": key, "reason": str(exc),
                                                            "raw": excerpt(value)})
            metrics.DEAD_LETTERS.labels("deliver").inc(len(exc.records))

    def _commit(self) -> None:
        points = {p: o for p, o in IN_FLIGHT.commit_points().items() if p[0] == self.topics.stories}
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
