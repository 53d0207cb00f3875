"""The delivery step's order of durability, with its Kafka and file-system collaborators replaced by fakes
that record what happens: archive writes and dead letters, then the producer's flush, then one sync of the
archive, and only then the offset commit. A failure before the commit commits nothing; a fault that clears
is waited out."""

from __future__ import annotations

import errno
import functools
from pathlib import Path

import pytest

from wirewatch.connectors.sinks import delivery

from wirewatch.connectors.health import faults
from wirewatch.connectors.sinks.delivery import DeliverOutcomes, Durability, SentIds
from wirewatch.connectors.kafka.topics import Topics
from wirewatch.connectors.kafka.offsets import REGISTRY
from wirewatch.records import Cluster, DeadLetter, EnrichedStory, RuleMatch, Story
from wirewatch.transforms.rules import default_watchlist

TOPICS = Topics("unit.")


class FakePublisher:
    def __init__(self, calls: list, fail_flush: list[Exception] | None = None) -> None:
        self.calls, self.fail_flush = calls, list(fail_flush or [])

    def alert(self, alert) -> None:
        self.calls.append(("alert", alert.id))

    def dead_letter(self, dead) -> None:
        self.calls.append(("dead_letter", dead.origin))

    def flush(self, timeout: float = 60.0) -> None:
        if self.fail_flush:
            self.calls.append(("flush failed",))
            raise self.fail_flush.pop(0)
        self.calls.append(("flush",))


class FakeCommitter:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def commit(self, offsets) -> None:
        self.calls.append(("commit", sorted((tp.partition, om.offset) for tp, om in offsets.items())))


def enriched(i: int, rule: str = "icbm") -> EnrichedStory:
    story = Story(id=f"s{i}", body="North Korea fired an ICBM.", origin=f"{TOPICS.stories}/0@{i}")
    return EnrichedStory(story, matches=(RuleMatch(rule, 2.0),), cluster=Cluster(f"s{i}"))


def make_step(tmp_path: Path, calls: list, *, write=None, sync=None, fail_flush=None) -> DeliverOutcomes:
    def recorded_write(path: Path, data: bytes) -> None:
        calls.append(("write", path.name))
        (write or delivery.write_unsynced)(path, data)

    def recorded_sync(path: Path) -> None:
        calls.append(("sync",))
        (sync or (lambda p: None))(path)

    step = DeliverOutcomes("unused:9092", default_watchlist(), str(tmp_path), TOPICS,
                           Durability(write=recorded_write, sync=recorded_sync))
    step.publisher = FakePublisher(calls, fail_flush)
    step.committer = FakeCommitter(calls)
    step.sent = SentIds()
    return step


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    REGISTRY.reset()
    quick = functools.partial(faults.retry, backoff=faults.Backoff(first=0.001, cap=0.002))
    monkeypatch.setattr(delivery, "retry", quick)
    yield
    REGISTRY.reset()
    faults.FAULTS.stopping.clear()


def run_bundle(step: DeliverOutcomes, outcomes: list) -> None:
    for o in outcomes:
        origin = o.origin if isinstance(o, DeadLetter) else o.story.origin
        REGISTRY.emitted((TOPICS.stories, 0), int(origin.rpartition("@")[2]))
    step.start_bundle()
    for o in outcomes:
        step.process(o)
    step.finish_bundle()


def test_archive_then_flush_then_sync_then_commit(tmp_path):
    calls: list = []
    step = make_step(tmp_path, calls)
    run_bundle(step, [enriched(0), DeadLetter(f"{TOPICS.stories}/0@1", "decode", "bad"), enriched(2)])
    kinds = [c[0] for c in calls]
    assert kinds == ["write", "dead_letter", "write", "alert", "alert", "flush", "sync", "commit"]
    assert calls[-1] == ("commit", [(0, 3)])


def test_a_failed_sync_commits_nothing(tmp_path):
    calls: list = []

    def broken_sync(path: Path) -> None:
        raise OSError(errno.EBADF, "sync failed for good")

    step = make_step(tmp_path, calls, sync=broken_sync)
    with pytest.raises(OSError):
        run_bundle(step, [enriched(0)])
    assert not [c for c in calls if c[0] == "commit"]


def test_a_failed_flush_commits_nothing(tmp_path):
    calls: list = []
    step = make_step(tmp_path, calls, fail_flush=[RuntimeError("broken producer")])
    with pytest.raises(RuntimeError):
        run_bundle(step, [enriched(0)])
    assert not [c for c in calls if c[0] in ("commit", "sync")]


def test_a_full_disk_and_a_broker_outage_are_waited_out(tmp_path):
    calls: list = []
    full = [OSError(errno.ENOSPC, "No space left on device")] * 3

    def filling_write(path: Path, data: bytes) -> None:
        if full:
            raise full.pop()
        delivery.write_unsynced(path, data)

    from wirewatch.connectors.kafka.topics import KafkaUnavailable

    step = make_step(tmp_path, calls, write=filling_write, fail_flush=[KafkaUnavailable("broker away")] * 2)
    run_bundle(step, [enriched(0)])
    kinds = [c[0] for c in calls]
    assert kinds.count("write") == 4 and kinds.count("flush failed") == 2
    assert kinds[-3:] == ["flush", "sync", "commit"]
    assert not faults.FAULTS.active()  # cleared once the step went through
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_an_alert_is_sent_once_per_cluster_and_rule(tmp_path):
    calls: list = []
    step = make_step(tmp_path, calls)
    run_bundle(step, [enriched(0), enriched(0)])
    run_bundle(step, [enriched(0)])
    assert [c for c in calls if c[0] == "alert"] == [("alert", delivery.alerts_for(enriched(0), step.watchlist)[0].id)]


def test_sent_ids_forget_the_oldest_first():
    sent = SentIds(capacity=3)
    sent.add(["a", "b", "c"])
    sent.add(["d"])
    assert "a" not in sent and all(x in sent for x in "bcd")
    sent.add(["b"])  # sent again: now the newest
    sent.add(["e"])
    assert "c" not in sent and all(x in sent for x in "bde")
