"""The offset commit's bookkeeping: the commit point moves along the chain of delivered records and never
past one that is not delivered, also out of order, after retries, and over gaps in the log."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakestate import Bag, Value
from wirewatch.connectors.kafka.commit import CommitOffsets, advance, partition_key
from wirewatch.connectors.kafka.topics import Topics
from wirewatch.records import DeadLetter, Origin, Story

TOPICS = Topics("unit.")


class FakeCommitter:
    def __init__(self, committed: int | None = 10) -> None:
        self.committed_at, self.commits = committed, []

    def committed(self, tp):
        return self.committed_at

    def beginning_offsets(self, tps):
        return {tp: 0 for tp in tps}

    def commit(self, offsets):
        self.commits.append({tp.partition: om.offset for tp, om in offsets.items()})


def step(committed: int | None = 10) -> tuple[CommitOffsets, Value, Bag]:
    fn = CommitOffsets("unused:9092", TOPICS)
    fn.committer = FakeCommitter(committed)
    return fn, Value(), Bag()


def deliver(fn: CommitOffsets, point: Value, pending: Bag, records: list[tuple[int, int]]) -> list[dict]:
    fn.start_bundle()
    for offset, follows in records:
        list(fn.process(("0", (offset, follows)), point_state=point, pending_state=pending))
    fn.finish_bundle()
    return fn.committer.commits


def test_the_point_waits_for_the_first_offset_then_jumps():
    fn, point, pending = step()
    assert deliver(fn, point, pending, [(11, 11), (12, 12)]) == []  # 10 is not delivered yet
    assert point.read() == 10
    assert deliver(fn, point, pending, [(10, 10)]) == [{0: 13}]
    assert pending.read() == []


def test_gaps_in_the_log_are_crossed_by_follows():
    fn, point, pending = step()
    # offsets 10, 15, 16: the reader saw nothing between 10 and 15 (a gap), so 15 follows 11
    assert deliver(fn, point, pending, [(15, 11), (10, 10), (16, 16)]) == [{0: 17}]


def test_a_redelivered_record_commits_nothing_new():
    fn, point, pending = step()
    deliver(fn, point, pending, [(10, 10), (11, 11)])
    assert deliver(fn, point, pending, [(10, 10)]) == [{0: 12}]  # no second commit
    assert pending.read() == []


def test_a_fresh_group_starts_at_the_beginning():
    fn, point, pending = step(committed=None)
    assert deliver(fn, point, pending, [(0, 0)]) == [{0: 1}]


@settings(max_examples=200, deadline=None)
@given(st.permutations(list(range(10, 30))), st.integers(10, 29), st.integers(1, 6))
def test_never_past_an_undelivered_offset(order, missing, bundle):
    """Delivered in any order, in bundles of any size, one offset never: every commit stays at or below it,
    and commits only move forward."""
    fn, point, pending = step()
    records = [(o, o) for o in order if o != missing]
    for i in range(0, len(records), bundle):
        deliver(fn, point, pending, records[i:i + bundle])
    commits = [c[0] for c in fn.committer.commits]
    assert all(c <= missing for c in commits) and commits == sorted(commits)
    assert point.read() == missing


def test_advance_follows_the_chain():
    assert advance(3, {3: 3, 4: 4, 6: 6}) == 5
    assert advance(3, {3: 9, 10: 12}) == 13  # a gap from 4 to 8


def test_partition_key_takes_only_the_stories_topic():
    story = Story(id="a", body="x", origin=Origin.kafka(TOPICS.stories, 2, 7, follows=5))
    assert list(partition_key(story, TOPICS.stories)) == [("2", (7, 5))]
    assert list(partition_key(DeadLetter("f.jsonl:3", "parse", "x"), TOPICS.stories)) == []


class CountedValue(Value):
    reads = 0

    def read(self):
        self.reads += 1
        return super().read()


class CountedBag(Bag):
    reads = 0

    def read(self) -> list:
        self.reads += 1
        return super().read()


def test_a_bundle_reads_a_partitions_state_once():
    fn, point, pending = CommitOffsets("unused:9092", TOPICS), CountedValue(), CountedBag()
    fn.committer = FakeCommitter(10)
    assert deliver(fn, point, pending, [(11, 11), (12, 12), (10, 10), (14, 14)]) == [{0: 13}]
    assert (point.reads, pending.reads) == (1, 1)
    assert (point.read(), pending.read()) == (13, [(14, 14)])
    deliver(fn, point, pending, [(13, 13)])  # a new bundle reads again, and finds what the last one wrote
    assert (point.reads, pending.reads) == (3, 3) and fn.committer.commits[-1] == {0: 15}


def gathered(records: list[tuple[int, int]], partition: int = 0) -> list:
    """The bundle's records as GatherPositions passes them on: one element a partition."""
    from apache_beam.transforms.window import GlobalWindow
    from apache_beam.utils.timestamp import Timestamp
    from apache_beam.utils.windowed_value import WindowedValue

    from wirewatch.connectors.kafka.commit import GatherPositions

    fn = GatherPositions(TOPICS.stories)
    fn.start_bundle()
    for offset, follows in records:
        story = Story(id=f"s{offset}", body="x", origin=Origin.kafka(TOPICS.stories, partition, offset, follows))
        list(fn.process(story, windowed=WindowedValue(story, Timestamp(offset), (GlobalWindow(),))))
    return [wv.value for wv in fn.finish_bundle()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(10, 40), st.integers(0, 3)), max_size=40), st.integers(1, 8),
       st.integers(0, 12))
def test_a_bundles_gathered_positions_commit_as_its_records_one_by_one(picks, bundle, committed):
    """Records in any order, some delivered again, some after gaps (follows below the offset), in bundles
    of any size: one element a partition a bundle leaves the same commits, point and pending records as the
    bundle's records one by one."""
    records = [(offset, max(offset - back, 0)) for offset, back in picks]
    one, one_point, one_pending = step(committed)
    many, many_point, many_pending = step(committed)
    for i in range(0, len(records), bundle):
        part = records[i:i + bundle]
        deliver(one, one_point, one_pending, part)
        many.start_bundle()
        for element in gathered(part) if part else []:
            list(many.process(element, point_state=many_point, pending_state=many_pending))
        many.finish_bundle()
    assert many.committer.commits == one.committer.commits
    assert many_point.read() == one_point.read() and sorted(many_pending.read()) == sorted(one_pending.read())


def test_positions_are_gathered_by_partition_with_the_earliest_timestamp():
    from apache_beam.transforms.window import GlobalWindow
    from apache_beam.utils.timestamp import Timestamp
    from apache_beam.utils.windowed_value import WindowedValue

    from wirewatch.connectors.kafka.commit import GatherPositions

    fn = GatherPositions(TOPICS.stories)
    fn.start_bundle()
    items = [(Story(id="a", body="x", origin=Origin.kafka(TOPICS.stories, 1, 7, 5)), 30),
             (Story(id="b", body="x", origin=Origin.kafka(TOPICS.stories, 0, 3, 3)), 20),
             (DeadLetter("f.jsonl:3", "parse", "x"), 5),
             (Story(id="c", body="x", origin=Origin.kafka("other", 0, 1, 1)), 6),
             (Story(id="d", body="x", origin=Origin.kafka(TOPICS.stories, 1, 8, 8)), 10)]
    for item, when in items:
        assert list(fn.process(item, windowed=WindowedValue(item, Timestamp(when), (GlobalWindow(),)))) == []
    out = sorted((wv.value, wv.timestamp.micros // 10**6, wv.windows) for wv in fn.finish_bundle())
    assert out == [(("0", ((3, 3),)), 20, (GlobalWindow(),)), (("1", ((7, 5), (8, 8))), 10, (GlobalWindow(),))]
    fn.start_bundle()
    assert list(fn.finish_bundle()) == []  # a new bundle starts empty


def test_gathered_positions_reach_a_keyed_step_on_a_real_runner():
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to
    from apache_beam.transforms.window import TimestampedValue

    from wirewatch.connectors.kafka.commit import GatherPositions

    stories = [Story(id=f"s{o}", body="x", origin=Origin.kafka(TOPICS.stories, o % 2, o, o)) for o in range(6)]
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = (p | beam.Create(stories) | beam.Map(lambda s: TimestampedValue(s, 100 + s.origin.offset))
               | beam.ParDo(GatherPositions(TOPICS.stories))
               | beam.FlatMap(lambda kv: [(kv[0], pos) for pos in kv[1]]) | beam.GroupByKey()
               | beam.MapTuple(lambda key, positions: (key, sorted(positions))))
        assert_that(out, equal_to([("0", [(0, 0), (2, 2), (4, 4)]), ("1", [(1, 1), (3, 3), (5, 5)])]))
