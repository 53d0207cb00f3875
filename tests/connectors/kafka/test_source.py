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
