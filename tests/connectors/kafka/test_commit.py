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
