"""Reading Kafka in a Beam streaming pipeline: a splittable DoFn over (partition, offset range) with
kafka-python, the way Beam's Java KafkaIO reads. Each partition's restriction starts at the consumer group's
committed offset (or the earliest offset), so a restarted pipeline resumes where its sinks last committed.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import WalltimeWatermarkEstimator
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.utils.timestamp import Duration
from kafka import KafkaConsumer, TopicPartition

from wirewatch.connectors.health import metrics
from wirewatch.connectors.health.faults import is_transient, retry
from wirewatch.connectors.kafka.topics import KafkaConfigError
from wirewatch.connectors.kafka.offsets import REGISTRY as IN_FLIGHT
from wirewatch.records import DeadLetter, Origin, Story, story_from_json

log = logging.getLogger(__name__)

END = 2**63 - 1  # an unbounded partition: the range never ends
POLL_MS = 200
IDLE_RESUME_S = 0.1
MAX_RECORDS = 100  # per poll: smaller bundles deliver (and commit) sooner
DEAD = "deadletter"


@dataclass(frozen=True, slots=True)
class PartitionStart:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int

    @property
    def origin(self) -> Origin:
        return Origin.kafka(self.topic, self.partition, self.offset)


def partition_starts(bootstrap: str, topic: str, group: str) -> list[PartitionStart]:
    """Each partition of ``topic`` with the group's committed offset, or the earliest offset."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        tps = [TopicPartition(topic, p) for p in partitions]
        earliest = consumer.beginning_offsets(tps)
        starts = []
        for tp in tps:
            committed = consumer.committed(tp)
            starts.append(PartitionStart(topic, tp.partition, committed if committed is not None else earliest[tp]))
        return starts
    finally:
        consumer.close()


class _PartitionTracker(OffsetRestrictionTracker):
    """Offsets of one partition. Only checkpoints (``defer_remainder``) may split it: a runner's dynamic
    split halves the range at an offset (~2**62) that no partition will ever reach, leaving the residual
    to seek past the log's end."""

    def try_split(self, fraction_of_remainder: float) -> Any:
        if fraction_of_remainder != 0:
            return None
        return super().try_split(fraction_of_remainder)


class _PartitionRanges(RestrictionProvider):
    def initial_restriction(self, element: PartitionStart) -> OffsetRange:
        return OffsetRange(element.offset, END)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return _PartitionTracker(restriction)

    def restriction_size(self, element: PartitionStart, restriction: OffsetRange) -> int:
        return 1  # unknown backlog; splitting an unbounded partition further gains nothing here

    def split(self, element: PartitionStart, restriction: OffsetRange) -> Iterator[OffsetRange]:
        yield restriction


class ReadKafkaPartitions(beam.DoFn):
    """PartitionStart -> KafkaRecord, forever. One consumer per partition, assigned (no group membership);
    offsets are committed by the delivery step, never here."""

    def __init__(self, bootstrap: str, consumer_config: dict[str, Any] | None = None) -> None:
        self.bootstrap = bootstrap
        self.consumer_config = consumer_config or {}
        self._consumers: dict[tuple[str, int], KafkaConsumer] = {}
        self._next: dict[tuple[str, int], int] = {}  # where each consumer will read next

    def setup(self) -> None:
        self._consumers, self._next = {}, {}

    def _consumer(self, topic: str, partition: int) -> KafkaConsumer:
        key = (topic, partition)
        if key not in self._consumers:
            consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                enable_auto_commit=False,
                isolation_level="read_committed",
                auto_offset_reset="earliest",
                max_poll_records=MAX_RECORDS,
                **self.consumer_config,
            )
            consumer.assign([TopicPartition(topic, partition)])
            self._consumers[key] = consumer
        return self._consumers[key]

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionStart,
        tracker: OffsetRestrictionTracker = beam.DoFn.RestrictionParam(_PartitionRanges()),
        watermark: WalltimeWatermarkEstimator = beam.DoFn.WatermarkEstimatorParam(
            WalltimeWatermarkEstimator.default_provider()
        ),
    ) -> Iterator[KafkaRecord]:
        if IN_FLIGHT.draining.is_set():  # the service is stopping: claim nothing new, let the rest finish
            tracker.defer_remainder(Duration.of(IDLE_RESUME_S))
            return
        key = (element.topic, element.partition)
        tp = TopicPartition(*key)
        consumer = retry("kafka", lambda: self._consumer(*key))  # the broker may be away: wait, do not fail
        start = tracker.current_restriction().start
        if self._next.get(key) != start:
            consumer.seek(tp, start)
            self._next[key] = start
        try:
            batch = consumer.poll(timeout_ms=POLL_MS, max_records=MAX_RECORDS).get(tp, [])
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.debug("poll failed; trying again", extra={"error": repr(exc)[:300]})
            tracker.defer_remainder(Duration.of(IDLE_RESUME_S))
            return
        for record in batch:
            if record.offset < start:  # the log was truncated under us and the consumer reset: skip
                continue
            if not tracker.try_claim(record.offset):
                self._next.pop(key, None)  # the consumer has read past the claim: seek next time
                return
            self._next[key] = record.offset + 1
            IN_FLIGHT.emitted(key, record.offset)
            yield KafkaRecord(record.topic, record.partition, record.offset, record.key, record.value, record.timestamp)
        tracker.defer_remainder(Duration.of(0 if batch else IDLE_RESUME_S))

    def teardown(self) -> None:
        for consumer in self._consumers.values():
            consumer.close()
        self._consumers, self._next = {}, {}


def decode_record(record: KafkaRecord) -> Story | DeadLetter:
    """A story record's JSON value -> Story, with its Kafka position as origin and its timestamp as
    ``produced``; a value that is not a story -> DeadLetter."""
    story = story_from_json(record.value, record.origin)
    if isinstance(story, DeadLetter) or story.produced is not None:
        return story
    try:
        produced = datetime.fromtimestamp(record.timestamp_ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # a broker or client gave no usable timestamp
        return story
    return dataclasses.replace(story, produced=produced)


def _split(record: KafkaRecord) -> Any:
    metrics.STORIES_IN.inc()
    item = decode_record(record)
    return pvalue.TaggedOutput(DEAD, item) if isinstance(item, DeadLetter) else item


class ReadStoriesFromKafka(beam.PTransform):
    """PBegin -> (stories, dead letters) from every partition of ``topic``, forever, starting at the
    group's committed offsets."""

    def __init__(self, bootstrap: str, topic: str, group: str) -> None:
        super().__init__()
        self.bootstrap, self.topic, self.group = bootstrap, topic, group

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple:
        starts = partition_starts(self.bootstrap, self.topic, self.group)
        if not starts:
            raise KafkaConfigError(f"topic {self.topic} has no partitions on {self.bootstrap}")
        out = (
            pbegin
            | "ListPartitions" >> beam.Create(starts)
            | "ReadPartitions" >> beam.ParDo(ReadKafkaPartitions(self.bootstrap))
            | "DecodeStories" >> beam.Map(_split).with_outputs(DEAD, main="stories")
        )
        return out.stories, out[DEAD]


def committed_stories(bootstrap: str, topic: str, group: str, limit: int = 100_000) -> Iterator[Story]:
    """The stories the group has already processed (from the start of retention to its committed offsets),
    at most the newest ``limit`` of each partition: what a restarted pipeline warms its dedupe index from."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", isolation_level="read_committed")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        earliest = consumer.beginning_offsets(tps)
        stops = {tp: consumer.committed(tp) or earliest[tp] for tp in tps}
        wanted = [tp for tp in tps if stops[tp] > earliest[tp]]
        if not wanted:
            return
        consumer.assign(wanted)
        for tp in wanted:
            consumer.seek(tp, max(earliest[tp], stops[tp] - limit))
        remaining = set(wanted)
        while remaining:
            for tp, records in consumer.poll(timeout_ms=1000, max_records=MAX_RECORDS).items():
                for record in records:
                    if record.offset >= stops[tp]:
                        remaining.discard(tp)
                        break
                    story = decode_record(KafkaRecord(record.topic, record.partition, record.offset,
                                                      record.key, record.value, record.timestamp))
                    if isinstance(story, Story):
                        yield story
                if tp in remaining and consumer.position(tp) >= stops[tp]:
                    remaining.discard(tp)
    finally:
        consumer.close()
