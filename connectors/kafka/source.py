"""Reading Kafka in a Beam streaming pipeline: a splittable DoFn over (partition, offset range) with
confluent-kafka's consumer (kafka-python asks for the group's offsets), the way Beam's Java KafkaIO reads.
Each partition's restriction starts at the consumer group's committed offset (or the earliest offset), so a
restarted pipeline resumes where its sinks last committed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp
from confluent_kafka import Consumer, KafkaError
from confluent_kafka import TopicPartition as Position
from kafka import KafkaConsumer, TopicPartition

from wirewatch.connectors.health import metrics
from wirewatch.connectors.health.faults import is_transient, retry
from wirewatch.connectors.kafka.topics import BROKER_AWAY_CODES, KafkaConfigError
from wirewatch.records import DeadLetter, Origin, Story, pickled_as_tuple, story_from_json, straight_init

log = logging.getLogger(__name__)
_LIBRDKAFKA_LOG = logging.getLogger("wirewatch.kafka.reader")  # librdkafka's own lines, through our logs

END = 2**63 - 1  # an unbounded partition: the range never ends
POLL_MS = 200
IDLE_RESUME_S = 0.1
MAX_RECORDS = 100  # per poll: smaller bundles deliver (and commit) sooner
MAX_AHEAD = 1500  # records per partition read but not yet committed, at most (backpressure; see ReadKafkaPartitions)
COMMIT_CHECK_S = 0.25  # how often a reader that is ahead asks the group where its commit stands
CAUGHT_UP_MARGIN_S = 5  # a record produced just before a poll found nothing may still carry an older time
READER_GROUP = "wirewatch-reader"  # librdkafka wants a group name; the readers never join it nor commit
QUEUED_KB = 8192  # what librdkafka fetches ahead of the reader, at most, a partition
NUDGE = Duration(micros=1000)  # how far a call that read nothing new in time moves the watermark (see process)
DEAD = "deadletter"


@pickled_as_tuple  # the reader's element, pickled again with each checkpoint's residual
@straight_init
@dataclass(frozen=True, slots=True)
class PartitionStart:
    topic: str
    partition: int
    offset: int


@pickled_as_tuple
@straight_init  # one made for every record read
@dataclass(frozen=True, slots=True)
class KafkaRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    follows: int | None = None  # where this partition's reading stood before this record (see Origin)

    @property
    def origin(self) -> Origin:
        return Origin.kafka(self.topic, self.partition, self.offset, self.follows)


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


def _advance(watermark: ManualWatermarkEstimator, to: Timestamp) -> None:
    current = watermark.current_watermark()
    if current is None or to > current:
        watermark.set_watermark(to)


def _records(batch: list) -> list:
    """The records of a poll, its error events left out: an error that can clear is logged (the next poll
    tries again), any other is raised (the job fails and the service reports it)."""
    if all(message.error() is None for message in batch):
        return batch
    records = []
    for message in batch:
        error = message.error()
        if error is None:
            records.append(message)
        elif error.fatal() or not (error.retriable() or error.code() in _TRANSIENT_READ):
            raise KafkaReadError(f"reading {message.topic()}/{message.partition()}: {error.str()}")
        else:
            log.debug("read error; trying again", extra={"error": error.str()[:300]})
    return records


# errors a reader meets that can clear by themselves (the broker away, the partition's leader moving)
_TRANSIENT_READ = BROKER_AWAY_CODES | {
    KafkaError._PARTITION_EOF, KafkaError.OFFSET_OUT_OF_RANGE, KafkaError._AUTO_OFFSET_RESET,
}


class KafkaReadError(RuntimeError):
    """Kafka refused a read for good (not authorised, a broken record batch). Not retriable."""

    retriable = False


class ReadKafkaPartitions(beam.DoFn):
    """PartitionStart -> KafkaRecord, forever, stamped with the record's Kafka timestamp. One consumer per
    partition, assigned (no group membership); offsets are committed by the last step, never here. The
    watermark follows the records' timestamps while there is a backlog, and the clock once caught up, so
    that state that expires in event time expires as the records' times say, in a backlog too.

    A call that leaves the watermark where it was (the reader waits for commits, the broker is away, or every
    record read carried the time the watermark already had: a bulk import) moves it on by a millisecond.
    Prism runs a step that reads a side input only when its input watermark has moved (engine/
    elementmanager.go bundleReady, Beam 2.77), so a watermark that stands still would hold the dedupe and
    repeat-alert steps, hence the commits, hence the reader waiting for them: a stall, seen after a restart
    with a backlog. A record that comes after such a nudge with an older time is late by that much, which the
    global window and timers hours ahead do not notice."""

    def __init__(self, bootstrap: str, group: str | None = None, max_ahead: int = MAX_AHEAD,
                 consumer_config: dict[str, Any] | None = None) -> None:
        self.bootstrap, self.group, self.max_ahead = bootstrap, group, max_ahead
        self.consumer_config = consumer_config or {}
        self._consumers: dict[tuple[str, int], Consumer] = {}
        self._next: dict[tuple[str, int], int] = {}  # where each consumer will read next
        self._group: KafkaConsumer | None = None
        self._committed: dict[tuple[str, int], tuple[float, int]] = {}  # when last asked, and the answer

    def setup(self) -> None:
        self._consumers, self._next, self._committed, self._group = {}, {}, {}, None

    def _too_far_ahead(self, tp: TopicPartition, start: int, began: int) -> bool:
        """Backpressure through Kafka: read no further while ``max_ahead`` records past the group's commit
        are still on their way through the pipeline (the commit moves once they are delivered), so a
        backlog flows in steps the sinks commit as they go, not all at once into the runner's memory. A group
        that has committed nothing yet stands where this reading ``began``. The bound must leave the reader
        room to read on while a bundle is delivered and committed (a commit and the next check of it take
        0.1-0.6 s): at 500 a partition the keyed step sat idle between bundles, waiting for the reader,
        which waited for the commit."""
        if self.group is None:
            return False
        key = (tp.topic, tp.partition)
        asked, committed = self._committed.get(key, (0.0, -1))
        if start - committed <= self.max_ahead:
            return False
        if time.monotonic() - asked >= COMMIT_CHECK_S:
            if self._group is None:
                self._group = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group,
                                            enable_auto_commit=False)
            answer = self._group.committed(tp)
            committed = answer if answer is not None else began
            self._committed[key] = (time.monotonic(), committed)
        return start - committed > self.max_ahead

    def _consumer(self, topic: str, partition: int) -> Consumer:
        """The partition's reader: confluent-kafka's consumer (librdkafka fetches in C threads of its own, off
        the interpreter's lock), assigned by ``_read`` at the offset it reads from; no group membership."""
        key = (topic, partition)
        if key not in self._consumers:
            self._consumers[key] = Consumer({
                "bootstrap.servers": self.bootstrap,
                "group.id": READER_GROUP,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "isolation.level": "read_committed",
                "auto.offset.reset": "earliest",
                "queued.max.messages.kbytes": QUEUED_KB,
                "log.connection.close": False,
                **self.consumer_config,
            }, logger=_LIBRDKAFKA_LOG)
        return self._consumers[key]

    @staticmethod
    def _poll(consumer: Consumer) -> list:
        """What the partition has now, up to MAX_RECORDS; waits up to POLL_MS for a first record only (a
        consume of MAX_RECORDS would wait for all of them, or the whole time)."""
        first = consumer.poll(POLL_MS / 1000)
        if first is None:
            return []
        return [first, *consumer.consume(MAX_RECORDS - 1, 0)]

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionStart,
        tracker: OffsetRestrictionTracker = beam.DoFn.RestrictionParam(_PartitionRanges()),
        watermark: ManualWatermarkEstimator = beam.DoFn.WatermarkEstimatorParam(
            ManualWatermarkEstimator.default_provider()
        ),
    ) -> Iterator[TimestampedValue]:
        before = watermark.current_watermark()
        yield from self._read(element, tracker, watermark)
        if before is not None and watermark.current_watermark() == before:
            watermark.set_watermark(before + NUDGE)

    def _read(self, element: PartitionStart, tracker: OffsetRestrictionTracker,
              watermark: ManualWatermarkEstimator) -> Iterator[TimestampedValue]:
        key = (element.topic, element.partition)
        tp = TopicPartition(*key)
        consumer = retry("kafka", lambda: self._consumer(*key))  # the broker may be away: wait, do not fail
        start = tracker.current_restriction().start
        try:
            if self._too_far_ahead(tp, start, element.offset):
                tracker.defer_remainder(Duration.of(IDLE_RESUME_S))
                return
        except Exception as exc:
            if not is_transient(exc):
                raise
            tracker.defer_remainder(Duration.of(IDLE_RESUME_S))
            return
        if self._next.get(key) != start:
            consumer.assign([Position(element.topic, element.partition, start)])  # (again) from ``start``
            self._next[key] = start
        try:
            batch = self._poll(consumer)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.debug("poll failed; trying again", extra={"error": repr(exc)[:300]})
            tracker.defer_remainder(Duration.of(IDLE_RESUME_S))
            return
        batch = _records(batch)
        if not batch:  # caught up: what comes next was produced from now on
            _advance(watermark, Timestamp.now() - CAUGHT_UP_MARGIN_S)
        follows = start
        # The watermark moves to the latest time read once the batch is out (the runner reads it when this
        # call returns): moving it record by record cost a locked call to the estimator each.
        latest, claimed = None, True
        topic, partition = key
        for record in batch:
            offset = record.offset()
            if offset < start:  # the log was truncated under us and the consumer reset: skip
                continue
            if not tracker.try_claim(offset):
                self._next.pop(key, None)  # the consumer has read past the claim: seek next time
                claimed = False
                break
            self._next[key] = offset + 1
            stamp = record.timestamp()[1]  # -1 when the record carries none
            when = Timestamp(micros=max(stamp, 0) * 1000)
            yield TimestampedValue(KafkaRecord(topic, partition, offset, record.key(), record.value(), stamp,
                                               follows), when)
            if latest is None or when > latest:
                latest = when
            follows = offset + 1
        if latest is not None:
            _advance(watermark, latest)
        if claimed:
            tracker.defer_remainder(Duration.of(0 if batch else IDLE_RESUME_S))

    def teardown(self) -> None:
        for consumer in [*self._consumers.values(), *([self._group] if self._group else [])]:
            consumer.close()
        self._consumers, self._next, self._group = {}, {}, None


def decode_record(record: KafkaRecord) -> Story | DeadLetter:
    """A story record's JSON value -> Story, with its Kafka position as origin and its timestamp as
    ``produced``; a value that is not a story -> DeadLetter."""
    try:
        produced: datetime | None = datetime.fromtimestamp(record.timestamp_ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # a broker or client gave no usable timestamp
        produced = None
    # made in the one construction (a copy with ``produced`` set made each story twice)
    return story_from_json(record.value, record.origin, default_produced=produced)


def decoded(record: KafkaRecord) -> Story | DeadLetter:
    """``decode_record``, counted as a story in."""
    metrics.STORIES_IN.inc()
    return decode_record(record)


def _split(record: KafkaRecord) -> Any:
    item = decoded(record)
    return pvalue.TaggedOutput(DEAD, item) if isinstance(item, DeadLetter) else item


class ReadKafkaRecords(beam.PTransform):
    """PBegin -> KafkaRecord from every partition in ``starts``, forever, each from its start (the group's
    committed offset: see ``partition_starts``)."""

    def __init__(self, bootstrap: str, starts: list[PartitionStart], group: str | None = None,
                 max_ahead: int = MAX_AHEAD) -> None:
        super().__init__()
        if not starts:
            raise KafkaConfigError(f"no partitions to read on {bootstrap}")
        self.bootstrap, self.starts, self.group, self.max_ahead = bootstrap, starts, group, max_ahead

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "ListPartitions" >> beam.Create(self.starts)
            | "ReadPartitions" >> beam.ParDo(ReadKafkaPartitions(self.bootstrap, self.group, self.max_ahead))
        )


class ReadStoriesFromKafka(ReadKafkaRecords):
    """PBegin -> (stories, dead letters) from every partition in ``starts``, forever, each from its start."""

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple:
        out = super().expand(pbegin) | "DecodeStories" >> beam.Map(_split).with_outputs(DEAD, main="stories")
        return out.stories, out[DEAD]


def stories_before(bootstrap: str, starts: list[PartitionStart], limit: int = 100_000) -> Iterator[Story]:
    """The stories before ``starts`` (where a job begins reading: the group's commits), at most the newest
    ``limit`` of each partition: what a restarted stream warms its dedupe state from."""
    if not starts:
        return
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", isolation_level="read_committed")
    try:
        stops = {TopicPartition(s.topic, s.partition): s.offset for s in starts}
        earliest = consumer.beginning_offsets(list(stops))
        wanted = [tp for tp in stops if stops[tp] > earliest[tp]]
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
