"""Pure parts of the Kafka source: positions and the partition restriction tracker."""

from apache_beam.io.restriction_trackers import OffsetRange

from wirewatch.connectors.kafka.source import END, KafkaRecord, _PartitionTracker, decode_record
from wirewatch.records import DeadLetter, Origin, Story


def test_dynamic_splits_are_refused_and_checkpoints_allowed():
    tracker = _PartitionTracker(OffsetRange(5, END))
    assert tracker.try_claim(5)
    assert tracker.try_split(0.5) is None  # halving an endless range would seek to offset ~2**62
    primary, residual = tracker.try_split(0)
    assert (primary.stop, residual.start, residual.stop) == (6, 6, END)


def test_positions_round_trip():
    record = KafkaRecord("wirewatch.stories", 2, 1234, b"k", b"{}", 0)
    assert record.origin.position == ("wirewatch.stories", 2, 1234)
    assert Origin.parse(str(record.origin)) == record.origin
    assert str(record.origin) == "wirewatch.stories/2@1234"
    assert Origin.parse("file.jsonl:3").position is None


def test_decode_gives_story_with_position_and_produced_time_or_dead_letter():
    good = decode_record(KafkaRecord("t", 0, 7, b"a", b'{"id": "a", "body": "x"}', 1_730_710_800_000))
    assert isinstance(good, Story) and str(good.origin) == "t/0@7"
    assert good.produced.isoformat() == "2024-11-04T09:00:00+00:00"
    bad = decode_record(KafkaRecord("t", 0, 8, b"b", b"not json", 0))
    assert isinstance(bad, DeadLetter) and str(bad.origin) == "t/0@8" and bad.stage == "decode"


class _Consumer:
    """A consumer whose one poll returns ``records`` (kafka-python's ConsumerRecord fields that _read uses)."""

    def __init__(self, records: list) -> None:
        self.records, self.seeks = records, []

    def seek(self, tp, offset) -> None:
        self.seeks.append(offset)

    def poll(self, timeout_ms: int, max_records: int) -> dict:
        from kafka import TopicPartition

        return {TopicPartition("t", 0): self.records}


def _read(times: list[int], stop: int = END) -> tuple[list, object, object]:
    """What one call of the reader yields over records at offsets 5.. with ``times`` (ms), and its watermark
    and tracker after."""
    from types import SimpleNamespace

    from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
    from apache_beam.runners.sdf_utils import (
        RestrictionTrackerView, ThreadsafeRestrictionTracker, ThreadsafeWatermarkEstimator,
    )

    from wirewatch.connectors.kafka.source import PartitionStart, ReadKafkaPartitions

    fn = ReadKafkaPartitions("unused:9092")
    fn.setup()
    records = [SimpleNamespace(topic="t", partition=0, offset=5 + i, key=b"k", value=b"{}", timestamp=t)
               for i, t in enumerate(times)]
    fn._consumers[("t", 0)] = _Consumer(records)  # noqa: SLF001
    tracker = ThreadsafeRestrictionTracker(_PartitionTracker(OffsetRange(5, stop)))
    watermark = ThreadsafeWatermarkEstimator(ManualWatermarkEstimator(None))  # as Beam hands them to process
    out = list(fn._read(PartitionStart("t", 0, 5), RestrictionTrackerView(tracker), watermark))  # noqa: SLF001
    return out, watermark, tracker


def test_a_read_stamps_each_record_and_leaves_the_watermark_at_the_latest_time():
    out, watermark, tracker = _read([3_000, 9_000, 4_000, 7_000])
    assert [(tv.value.offset, tv.value.follows, tv.timestamp.micros) for tv in out] == [
        (5, 5, 3_000_000), (6, 6, 9_000_000), (7, 7, 4_000_000), (8, 8, 7_000_000)]
    assert watermark.current_watermark().micros == 9_000_000
    assert tracker.deferred_status() is not None  # the rest of the partition: next call
    out, watermark, tracker = _read([3_000, 9_000, 4_000], stop=7)  # the range ends at offset 7
    assert [tv.value.offset for tv in out] == [5, 6] and watermark.current_watermark().micros == 9_000_000
    assert tracker.deferred_status() is None
