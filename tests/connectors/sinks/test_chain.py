"""The always-on chain's sinks in order, with their Kafka and file-system collaborators replaced by fakes that
record what happens: archive writes then one sync, alerts then their flush, dead letters then their flush,
and only then the offset commit. A failure before the commit commits nothing; a fault that clears is waited
out. (Which alerts are new is decided upstream, in state: tests/transforms/test_online.py.)"""

from __future__ import annotations

import errno
import functools
from pathlib import Path

import dataclasses
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import orjson
import pytest
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import Timestamp
from apache_beam.utils.windowed_value import WindowedValue

from wirewatch.connectors.health import faults
from wirewatch.connectors.kafka import commit
from wirewatch.connectors.kafka.commit import CommitOffsets, partition_key
from wirewatch.connectors.kafka.topics import KafkaUnavailable, Topics
from wirewatch.connectors.sinks import alerts as alert_sink
from wirewatch.connectors.sinks import archive as archive_sink
from wirewatch.connectors.sinks import deadletters as dead_sink
from wirewatch.connectors.sinks.alerts import PublishAlerts
from wirewatch.connectors.sinks.archive import ArchiveStories, Durability
from wirewatch.connectors.sinks.deadletters import PublishDeadLetters
from wirewatch.connectors.sinks.durable import DeliverInTurn, PassOnWhenDurable
from wirewatch.connectors.health.latency import RecordLatency
from tests.fakestate import Bag, Value
from wirewatch.records import Cluster, DeadLetter, EnrichedStory, Origin, RuleMatch, Story, StoryAlerts
from wirewatch.transforms.alerts import alerts_for
from wirewatch.transforms.rules import default_watchlist

TOPICS = Topics("unit.")
WATCHLIST = default_watchlist()


class FakePublisher:
    def __init__(self, calls: list, fail_flush: list[Exception] | None = None) -> None:
        self.calls, self.fail_flush = calls, list(fail_flush or [])

    def alert(self, alert) -> None:
        self.calls.append(("alert", alert.id))

    def send(self, topic: str, key: str, value: bytes) -> None:  # the alert sink sends its JSON itself
        assert topic == TOPICS.alerts and orjson.loads(value)["id"] == key
        self.calls.append(("alert", key))

    def dead_letter(self, dead) -> None:
        self.calls.append(("dead_letter", str(dead.origin)))

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

    def committed(self, tp):
        return 0

    def beginning_offsets(self, tps):
        return {tp: 0 for tp in tps}


def outcome(i: int, rule: str = "icbm") -> StoryAlerts:
    story = Story(id=f"s{i}", body="North Korea fired an ICBM.", origin=Origin.kafka(TOPICS.stories, 0, i, i))
    enriched = EnrichedStory(story, matches=(RuleMatch(rule, 2.0),), cluster=Cluster(f"s{i}"))
    return StoryAlerts(enriched, tuple(alerts_for(enriched, WATCHLIST)))


def make_chain(tmp_path: Path, calls: list, *, write=None, sync=None, fail_flush=None) -> list:
    def recorded_write(path: Path, data: bytes) -> None:
        calls.append(("write", path.name))
        (write or archive_sink.write_unsynced)(path, data)

    def recorded_sync(path: Path) -> None:
        calls.append(("sync",))
        (sync or (lambda p: None))(path)

    archive = ArchiveStories(str(tmp_path), Durability(write=recorded_write, sync=recorded_sync), form="json")
    alerts = PublishAlerts("unused:9092", TOPICS)
    alerts.publisher = FakePublisher(calls, fail_flush)
    dead = PublishDeadLetters("unused:9092", TOPICS)
    dead.publisher = FakePublisher(calls)
    committer = CommitOffsets("unused:9092", TOPICS)
    committer.committer = FakeCommitter(calls)
    return [archive, alerts, dead, committer]


STATE = {"point": Value(), "pending": Bag()}


def run_bundle(steps: list, outcomes: list) -> None:
    """One bundle through the chain as a fused stage runs it: each step's process, then its finish_bundle,
    whose outputs the next step processes; the commit step gets them keyed by partition, with its state."""
    elements = list(outcomes)
    for step in steps:
        step.start_bundle()
        out = []
        for element in elements:
            if isinstance(step, PassOnWhenDurable):
                out.extend(step.process(element, windowed=WindowedValue(element, Timestamp(0), (GlobalWindow(),))) or ())
            else:
                for keyed in partition_key(element, TOPICS.stories):
                    out.extend(step.process(keyed, point_state=STATE["point"], pending_state=STATE["pending"]))
        out.extend(wv.value for wv in (step.finish_bundle() or ()))
        elements = out


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    STATE["point"], STATE["pending"] = Value(), Bag()
    quick = functools.partial(faults.retry, backoff=faults.Backoff(first=0.001, cap=0.002))
    for module in (archive_sink, alert_sink, dead_sink, commit):
        monkeypatch.setattr(module, "retry", quick)
    yield
    faults.FAULTS.stopping.clear()


def test_archive_then_alerts_then_dead_letters_then_commit(tmp_path):
    calls: list = []
    run_bundle(make_chain(tmp_path, calls),
               [outcome(0), DeadLetter(Origin.kafka(TOPICS.stories, 0, 1, 1), "decode", "bad"), outcome(2)])
    kinds = [c[0] for c in calls]
    assert kinds == ["write", "write", "sync", "alert", "alert", "flush", "dead_letter", "flush", "commit"]
    assert calls[-1] == ("commit", [(0, 3)])


def test_a_failed_sync_commits_nothing(tmp_path):
    calls: list = []

    def broken_sync(path: Path) -> None:
        raise OSError(errno.EBADF, "sync failed for good")

    with pytest.raises(OSError):
        run_bundle(make_chain(tmp_path, calls, sync=broken_sync), [outcome(0)])
    assert not [c for c in calls if c[0] in ("commit", "alert")]


def test_a_failed_flush_commits_nothing(tmp_path):
    calls: list = []
    with pytest.raises(RuntimeError):
        run_bundle(make_chain(tmp_path, calls, fail_flush=[RuntimeError("broken producer")]), [outcome(0)])
    assert not [c for c in calls if c[0] == "commit"]


def test_a_full_disk_and_a_broker_outage_are_waited_out(tmp_path):
    calls: list = []
    full = [OSError(errno.ENOSPC, "No space left on device")] * 3

    def filling_write(path: Path, data: bytes) -> None:
        if full:
            raise full.pop()
        archive_sink.write_unsynced(path, data)

    chain = make_chain(tmp_path, calls, write=filling_write, fail_flush=[KafkaUnavailable("broker away")] * 2)
    run_bundle(chain, [outcome(0)])
    kinds = [c[0] for c in calls]
    assert kinds.count("write") == 4 and kinds.count("flush failed") == 2
    assert kinds[-2:] == ["flush", "commit"]
    assert not faults.FAULTS.active()  # cleared once the steps went through
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_a_story_json_cannot_carry_becomes_a_dead_letter_and_still_commits(tmp_path):
    calls: list = []
    bad = outcome(0)
    story = Story(id="s0", body="lone \udc80 surrogate", origin=Origin.kafka(TOPICS.stories, 0, 0, 0))
    bad = StoryAlerts(EnrichedStory(story, cluster=Cluster("s0")), ())
    run_bundle(make_chain(tmp_path, calls), [bad])
    assert [c[0] for c in calls] == ["dead_letter", "flush", "commit"]


def test_the_chain_passes_every_outcome_on_in_a_real_pipeline(tmp_path):
    """The steps' finish_bundle outputs reach the next step on a real runner, not only in run_bundle, each
    with the timestamp it came with."""
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to
    from apache_beam.transforms.window import TimestampedValue

    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = (p | beam.Create([outcome(0), outcome(1)])
               | beam.Map(lambda o: TimestampedValue(o, 1000 + int(o.story.id[1:])))
               | beam.ParDo(ArchiveStories(str(tmp_path), Durability(sync=lambda path: None), form="json"))
               | beam.Map(lambda o, t=beam.DoFn.TimestampParam: (o.story.id, t.micros)))
        assert_that(out, equal_to([("s0", 1000 * 10**6), ("s1", 1001 * 10**6)]))
    assert len(list(tmp_path.rglob("*.json"))) == 2


def test_the_parquet_archive_step_writes_each_story_once_and_dead_letters_what_parquet_cannot_hold(tmp_path):
    """The service's default form: a bundle's stories in Parquet (what the console reads); the same bundle
    again (a re-read after a crash) adds nothing; text Parquet cannot carry becomes a dead letter."""
    from tests.archivekit import archived_ids

    story = Story(id="bad", body="lone \udc80 surrogate", origin=Origin.kafka(TOPICS.stories, 0, 9, 8))
    bad = StoryAlerts(EnrichedStory(story, cluster=Cluster("bad")), ())
    for _ in range(2):
        step = ArchiveStories(str(tmp_path))
        step.start_bundle()
        for item in (outcome(0), outcome(1), bad):
            step.process(item, windowed=WindowedValue(item, Timestamp(0), (GlobalWindow(),)))
        out = [o for o in step.finish_bundle()]
        assert [type(o.value).__name__ for o in out] == ["StoryAlerts", "StoryAlerts", "DeadLetter"]
    assert sorted(archived_ids(tmp_path)) == ["s0", "s1"]
    assert not list(tmp_path.rglob("*.json"))


def test_an_alert_is_sent_as_its_stamped_copy_would_be(tmp_path):
    """The sink sets "alerted" in each alert's JSON instead of making the alert again: the same bytes as
    ``dumps(dataclasses.replace(alert, alerted=...))``, whatever alert the stamp was read from."""
    from wirewatch.records import Member, dumps

    alerts = [a for i in range(6) for a in outcome(i, ("icbm", "missile-launch")[i % 2]).alerts]
    assert len(alerts) >= 6
    alerts[1] = dataclasses.replace(alerts[1], lineage=(Member("s0", "VOA", seen=datetime(2026, 1, 2, tzinfo=timezone.utc)),
                                                        Member("s1", version=2, changes="a copy")))
    for when in (datetime(2026, 12, 7, 9, 30, 1, 123456, tzinfo=timezone.utc),
                 datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=5)))):
        stamp = alert_sink.alerted_stamp(alerts[0], when)
        for alert in alerts:
            assert alert_sink.stamped(alert, stamp) == dumps(dataclasses.replace(alert, alerted=when))


def test_each_alert_sent_gets_its_log_line_and_is_counted(tmp_path):
    """The sink's line for each alert holds what ``log.info("alert", extra=...)`` put there (it makes the
    record itself, without logging's search of the stack), and each alert is counted under its rule."""
    import logging

    from wirewatch.connectors.health import metrics
    from wirewatch.pipelines.logs import JsonFormatter

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    def counted(rule: str) -> float:
        return metrics.ALERTS.labels(rule)._value.get()  # noqa: SLF001 (prometheus_client's child value)

    outcomes = [outcome(i, ("icbm", "missile-launch")[i % 3 == 0]) for i in range(5)]
    sent = [a for o in outcomes for a in o.alerts]
    before = {rule: counted(rule) for rule in ("icbm", "missile-launch")}
    keep, logger = Keep(), logging.getLogger("wirewatch.alerts")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(keep)
    try:
        run_bundle(make_chain(tmp_path, []), outcomes)
        logger.info("alert", extra={"alert": sent[0].id, "rule": sent[0].rule, "story": sent[0].story_id,
                                    "countries": list(sent[0].countries), "title": sent[0].title[:120]})
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    *lines, by_info = records
    assert [r.alert for r in lines] == [a.id for a in sent]  # type: ignore[attr-defined]
    formatter = JsonFormatter()

    def entry(record: logging.LogRecord) -> dict:
        return {k: v for k, v in orjson.loads(formatter.format(record)).items() if k != "ts"}

    assert entry(lines[0]) == entry(by_info)
    for record, alert in zip(lines, sent):
        assert entry(record) == {"level": "info", "logger": "wirewatch.alerts", "msg": "alert", "alert": alert.id,
                                 "rule": alert.rule, "story": alert.story_id, "countries": list(alert.countries),
                                 "title": alert.title[:120]}
        assert record.pathname == alert_sink.__file__ and record.funcName == "log_alerts" and record.lineno > 0
    assert {rule: counted(rule) - before[rule] for rule in before} == {
        rule: sum(a.rule == rule for a in sent) for rule in before}


def deliver_in_turn(tmp_path: Path, calls: list, **chain) -> tuple[DeliverInTurn, CommitOffsets]:
    """The chain's sinks and commit step of ``make_chain``, the sinks run as one step."""
    archive, alerts, dead, committer = make_chain(tmp_path, calls, **chain)
    step = DeliverInTurn((archive, alerts, dead), processed=RecordLatency("processed"),
                         delivered=RecordLatency("delivered"), positions=commit.GatherPositions(TOPICS.stories))
    step.processed.setup()
    step.delivered.setup()
    return step, committer


def run_in_turn(step: DeliverInTurn, committer: CommitOffsets, outcomes: list) -> list:
    """One bundle through ``step`` as the runner calls it, its elements to the commit step; returns them."""
    step.start_bundle()
    for element in outcomes:
        assert not list(step.process(element, windowed=WindowedValue(element, Timestamp(7), (GlobalWindow(),))))
    gathered = [wv.value for wv in step.finish_bundle()]
    committer.start_bundle()
    for keyed in gathered:
        assert not list(committer.process(keyed, point_state=STATE["point"], pending_state=STATE["pending"]))
    committer.finish_bundle()
    return gathered


def unarchivable(i: int) -> StoryAlerts:
    """An alerting story the archive cannot write (JSON cannot carry a lone surrogate)."""
    story = Story(id=f"s{i}", body="North Korea fired an ICBM. \udc80", origin=Origin.kafka(TOPICS.stories, 0, i, i))
    enriched = EnrichedStory(story, matches=(RuleMatch("icbm", 2.0),), cluster=Cluster(f"s{i}"))
    return StoryAlerts(enriched, tuple(alerts_for(enriched, WATCHLIST)))


def test_the_sinks_in_turn_as_one_step_do_what_their_steps_do(tmp_path):
    """DeliverInTurn against the chain of one step a sink: the same writes, syncs, sends, flushes and commit
    in the same order, the archive's dead letter in place of its story for the sinks after it (whose alerts
    are then not sent), and the offsets committed past every outcome of the bundle."""
    def bundle() -> list:
        return [outcome(0), DeadLetter(Origin.kafka(TOPICS.stories, 0, 1, 1), "decode", "bad"), unarchivable(2),
                outcome(3, "missile-launch"), outcome(4)]

    assert unarchivable(2).alerts
    chain_calls: list = []
    run_bundle(make_chain(tmp_path / "chain", chain_calls), bundle())
    STATE["point"], STATE["pending"] = Value(), Bag()
    calls: list = []
    step, committer = deliver_in_turn(tmp_path / "turn", calls)
    gathered = run_in_turn(step, committer, bundle())
    assert calls == chain_calls
    assert [c[0] for c in calls] == ["write", "write", "write", "sync", "alert", "alert", "alert", "flush",
                                     "dead_letter", "dead_letter", "flush", "commit"]
    assert calls[-1] == ("commit", [(0, 5)])
    assert gathered == [("0", ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4)))]
    assert sorted(p.name for p in (tmp_path / "turn").rglob("*.json")) == sorted(
        p.name for p in (tmp_path / "chain").rglob("*.json"))


def test_the_sinks_in_turn_commit_nothing_when_one_fails_and_wait_out_a_fault(tmp_path):
    calls: list = []

    def broken_sync(path: Path) -> None:
        raise OSError(errno.EBADF, "sync failed for good")

    step, committer = deliver_in_turn(tmp_path, calls, sync=broken_sync)
    with pytest.raises(OSError):
        run_in_turn(step, committer, [outcome(0)])
    assert not [c for c in calls if c[0] in ("commit", "alert")]

    calls.clear()
    step, committer = deliver_in_turn(tmp_path, calls, fail_flush=[RuntimeError("broken producer")])
    with pytest.raises(RuntimeError):
        run_in_turn(step, committer, [outcome(0)])
    assert not [c for c in calls if c[0] in ("commit", "dead_letter")]

    calls.clear()
    step, committer = deliver_in_turn(tmp_path, calls, fail_flush=[KafkaUnavailable("broker away")] * 2)
    run_in_turn(step, committer, [outcome(0)])
    kinds = [c[0] for c in calls]
    assert kinds.count("flush failed") == 2 and kinds[-2:] == ["flush", "commit"]
    assert not faults.FAULTS.active()


def test_the_sinks_in_turn_observe_each_stage_latency_as_their_steps_did(tmp_path):
    """"processed" as each outcome arrives (before any sink), "delivered" once the last sink is durable."""
    from wirewatch.connectors.health import metrics

    def counts() -> dict[str, float]:
        return {stage: metrics.STAGE_LATENCY.labels(stage)._sum.get() for stage in  # noqa: SLF001
                ("pipeline", "produced_to_delivered")}

    produced = datetime.now(timezone.utc) - timedelta(seconds=100)
    outcomes = [dataclasses.replace(o, story=dataclasses.replace(
        o.story, story=dataclasses.replace(o.story.story, produced=produced))) for o in (outcome(0), outcome(1))]
    seen: list = []
    step, committer = deliver_in_turn(tmp_path, seen)
    before = counts()
    step.start_bundle()
    for element in outcomes:
        step.process(element, windowed=WindowedValue(element, Timestamp(7), (GlobalWindow(),)))
    middle = counts()
    assert middle["produced_to_delivered"] == before["produced_to_delivered"] and not seen
    assert 200 <= middle["pipeline"] - before["pipeline"] < 210  # two outcomes, ~100 s each
    list(step.finish_bundle())
    after = counts()
    assert 200 <= after["produced_to_delivered"] - before["produced_to_delivered"] < 210
    assert after["pipeline"] == middle["pipeline"]


def test_the_sinks_in_turn_pass_each_partition_on_in_a_real_pipeline(tmp_path):
    """On a real runner: the bundle's stories archived, and each partition's positions passed on once with
    the earliest timestamp among its outcomes."""
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to
    from apache_beam.transforms.window import TimestampedValue

    def on(partition: int, offset: int) -> StoryAlerts:
        o = outcome(offset)
        story = dataclasses.replace(o.story.story, origin=Origin.kafka(TOPICS.stories, partition, offset, offset))
        return dataclasses.replace(o, story=dataclasses.replace(o.story, story=story), alerts=())

    sinks = (ArchiveStories(str(tmp_path), Durability(sync=lambda path: None), form="json"),)
    with TestPipeline(options=beam.options.pipeline_options.PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = (p | beam.Create([on(0, 5), on(1, 3), on(0, 4)])
               | beam.Map(lambda o: TimestampedValue(o, 1000 + o.story.story.origin.position[2]))
               | beam.ParDo(DeliverInTurn(sinks, processed=RecordLatency("processed"),
                                          delivered=RecordLatency("delivered"),
                                          positions=commit.GatherPositions(TOPICS.stories)))
               | beam.Map(lambda kv, t=beam.DoFn.TimestampParam: (kv[0], tuple(sorted(kv[1])), t.micros)))
        assert_that(out, equal_to([("0", ((4, 4), (5, 5)), 1004 * 10**6), ("1", ((3, 3),), 1003 * 10**6)]))
    assert len(list(tmp_path.rglob("*.json"))) == 3


def test_a_send_that_fails_is_retried_from_that_alert_on_and_none_is_sent_twice(tmp_path):
    """The bundle's sends are one retried step: a transient fault on one send waits, then resends that alert
    and goes on with the rest; every alert reaches the producer once, in order, and the fault is cleared."""
    calls: list = []
    chain = make_chain(tmp_path, calls)
    publisher = chain[1].publisher
    send, faults_left = publisher.send, {2: 2, 4: 1}  # the 2nd send fails twice, the 4th once

    def flaky_send(topic: str, key: str, value: bytes) -> None:
        attempt = sum(1 for c in calls if c[0] == "alert") + 1
        if faults_left.get(attempt):
            faults_left[attempt] -= 1
            calls.append(("send failed", key))
            raise KafkaUnavailable("queue full, broker away")
        send(topic, key, value)

    publisher.send = flaky_send
    outcomes = [outcome(i, ("icbm", "missile-launch")[i % 2]) for i in range(5)]
    run_bundle(chain, outcomes)
    expected = [a.id for o in outcomes for a in o.alerts]
    assert len(expected) >= 4
    assert [c[1] for c in calls if c[0] == "alert"] == expected
    assert [c[1] for c in calls if c[0] == "send failed"] == [expected[1], expected[1], expected[3]]
    assert [c[0] for c in calls][-2:] == ["flush", "commit"]
    assert not faults.FAULTS.active()
