"""Pure parts of the Kafka source: positions and the partition restriction tracker."""

import json

import pytest
from apache_beam.io.restriction_trackers import OffsetRange
from hypothesis import given, settings
from hypothesis import strategies as st

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


class _Message:
    """The parts of confluent-kafka's Message that _read uses."""

    def __init__(self, offset: int, timestamp: int, error: object = None) -> None:
        self._offset, self._timestamp, self._error = offset, timestamp, error

    def offset(self) -> int:
        return self._offset

    def timestamp(self) -> tuple[int, int]:
        return (1, self._timestamp)  # (TIMESTAMP_CREATE_TIME, ms)

    def key(self) -> bytes:
        return b"k"

    def value(self) -> bytes:
        return b"{}"

    def error(self) -> object:
        return self._error

    def topic(self) -> str:
        return "t"

    def partition(self) -> int:
        return 0


class _Consumer:
    """A consumer whose one poll returns ``records`` (the first by poll, the rest by consume, as _poll asks)."""

    def __init__(self, records: list) -> None:
        self.records, self.assigned = records, []

    def assign(self, positions: list) -> None:
        self.assigned.append([(p.topic, p.partition, p.offset) for p in positions])

    def poll(self, timeout: float):
        return self.records[0] if self.records else None

    def consume(self, num_messages: int, timeout: float) -> list:
        assert timeout == 0  # what is there already: only the first record is waited for
        return self.records[1:1 + num_messages]


def _read(times: list[int], stop: int = END) -> tuple[list, object, object]:
    """What one call of the reader yields over records at offsets 5.. with ``times`` (ms), and its watermark
    and tracker after."""
    from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
    from apache_beam.runners.sdf_utils import (
        RestrictionTrackerView, ThreadsafeRestrictionTracker, ThreadsafeWatermarkEstimator,
    )

    from wirewatch.connectors.kafka.source import PartitionStart, ReadKafkaPartitions

    fn = ReadKafkaPartitions("unused:9092")
    fn.setup()
    records = [_Message(5 + i, t) for i, t in enumerate(times)]
    fn._consumers[("t", 0)] = consumer = _Consumer(records)  # noqa: SLF001
    tracker = ThreadsafeRestrictionTracker(_PartitionTracker(OffsetRange(5, stop)))
    watermark = ThreadsafeWatermarkEstimator(ManualWatermarkEstimator(None))  # as Beam hands them to process
    out = list(fn._read(PartitionStart("t", 0, 5), RestrictionTrackerView(tracker), watermark))  # noqa: SLF001
    assert consumer.assigned == [[("t", 0, 5)]]  # positioned once, where the restriction starts
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


def _decoded_by_copy(record: KafkaRecord):
    """decode_record as it was: the story decoded, then copied with the record's time where it had none."""
    import dataclasses
    from datetime import datetime, timezone

    from wirewatch.records import story_from_json

    story = story_from_json(record.value, record.origin)
    if isinstance(story, DeadLetter) or story.produced is not None:
        return story
    try:
        produced = datetime.fromtimestamp(record.timestamp_ms / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return story
    return dataclasses.replace(story, produced=produced)


_TIMES = st.none() | st.sampled_from(["", "2024-11-04T09:00:00Z", "2024-11-04T10:00:00+01:00", "not a time",
                                      "2024-11-04T09:00:00", 5, "0001-01-01T00:00:00+01:00"])
_VALUES = st.fixed_dictionaries({"id": st.sampled_from(["a", "", 7]), "body": st.sampled_from(["x", "", 3])},
                                optional={"produced": _TIMES, "published": _TIMES, "fetched": _TIMES,
                                          "authors": st.sampled_from([5, ["n"], "n"])})


@settings(max_examples=400, deadline=None)
@given(_VALUES | st.just(None), st.sampled_from([1_730_710_800_000, 0, -1, -10**15, 10**17, 1_730_710_800_123]))
def test_decode_sets_the_records_time_as_the_copy_did(value, timestamp_ms):
    """``produced`` is set as the story is made (no copy): the same story, or the same dead letter (the same
    field named first when several are bad), as decoding and then copying with the record's time gave."""
    data = b"" if value is None else json.dumps(value).encode()
    record = KafkaRecord("t", 0, 7, b"k", data, timestamp_ms, 6)
    got, expected = decode_record(record), _decoded_by_copy(record)
    assert got == expected and type(got) is type(expected)
    if isinstance(got, Story):
        assert got.produced == expected.produced and got.origin.follows == 6


def test_the_readers_records_pickle_as_their_field_values():
    """KafkaRecord and PartitionStart pickle through records.pickled_as_tuple (a checkpoint's residual
    carries the PartitionStart) and come back equal; a state the dataclass default wrote (a list) loads too."""
    import dataclasses
    import pickle

    from wirewatch.connectors.kafka.source import PartitionStart

    values = [KafkaRecord("t", 1, 9, None, b"{}", 5, 8), KafkaRecord("t", 1, 9, b"k", None, -1),
              PartitionStart("t", 2, 40)]
    for value in values:
        fields = tuple(getattr(value, f.name) for f in dataclasses.fields(value))
        assert value.__getstate__() == fields
        assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
        legacy = object.__new__(type(value))
        legacy.__setstate__(list(fields))
        assert legacy == value


def test_a_polls_error_events_are_left_out_or_raised_by_whether_they_can_clear():
    from confluent_kafka import KafkaError

    from wirewatch.connectors.kafka.source import KafkaReadError, _records

    good = [_Message(5, 1), _Message(6, 2)]
    assert _records(good) is good
    away = _Message(-1, 0, KafkaError(KafkaError._TRANSPORT))
    assert _records([good[0], away, good[1]]) == good
    refused = _Message(-1, 0, KafkaError(KafkaError.TOPIC_AUTHORIZATION_FAILED))
    with pytest.raises(KafkaReadError, match="t/0"):
        _records([good[0], refused])
    assert not KafkaReadError.retriable
