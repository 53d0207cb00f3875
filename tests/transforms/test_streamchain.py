"""The always-on chain after normalize as one keyed step: the same outcomes as the split steps, one generation
read a bundle and no other state read while the state is this instance's, another instance's changes seen,
a fresh state warmed, and the log rewritten without changing what the stream answers."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import timedelta

import pytest

from tests.fakestate import Bag, Timer, Value
from tests.transforms.test_clusterstate import T0, WATCHLIST, _arrived, _versions, at
from tests.transforms.test_online import Counted, CountedBag
from wirewatch.records import DeadLetter, Origin, Story, StoryAlerts
from wirewatch.transforms import streamchain
from wirewatch.transforms.alerts import alerts_for
from wirewatch.transforms.clusterstate import JoinVersionsInState, TraceClustersInState, item_key, warm_entries
from wirewatch.transforms.dedupe import fingerprint
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.online import (
    ONE_KEY, AssignClustersInState, SuppressRepeatAlerts, cluster_key, event_seconds, head_of,
)
from wirewatch.transforms.steps import classifier, rule_matcher
from wirewatch.transforms.streamchain import EnrichAndAlertInState, prepared

TTL = 3 * 24 * 3600.0


def _stream() -> list[Story]:
    """Wire versions, a copy, items with versions, repeats that raise the same rules again, and one more cluster
    after the time to live of the first."""
    extra = [Story("a1", "An earthquake shook the army base.", item_id="anpa:x", published=T0),
             Story("a2", "An earthquake shook the army base; two were hurt.", item_id="anpa:x", version=2,
                   published=T0 + timedelta(hours=1)),
             Story("b1", "A quake hit the valley, the army said.", item_id="anpa:y", published=T0 + timedelta(hours=1)),
             Story("late", _versions()[0].body, published=T0 + timedelta(days=4))]
    return _arrived([*_versions(), *extra])


def _split(stories: list[Story]) -> list[StoryAlerts]:
    """The split steps of the streaming job, one after another, each with its own keyed (fake) state, their
    timers fired as a watermark at each story's time would fire them."""
    assign = AssignClustersInState(100, TTL)
    assign.setup()
    heads, generation, armed, compact = Bag(), Value(), Value(), Timer()
    join, firsts, join_timers = JoinVersionsInState(TTL), defaultdict(Value), defaultdict(Timer)
    trace, tracks, trace_timers = TraceClustersInState(ttl_s=TTL), defaultdict(Value), defaultdict(Timer)
    suppress, rules, suppress_timers = SuppressRepeatAlerts(TTL), defaultdict(Bag), defaultdict(Timer)
    classify, match = classifier(), rule_matcher(WATCHLIST)
    out = []
    for raw in stories:
        s = normalize(raw)
        when = at(s.produced)
        if compact.at is not None and compact.at <= when:
            fired, compact.at = compact.at, None
            assign.compact_heads(key=ONE_KEY, timestamp=fired, heads=heads, generation=generation, armed=armed)
        for timers, states, forget in ((join_timers, firsts, lambda v: join.forget(first=v)),
                                       (trace_timers, tracks, lambda v: trace.forget(track=v)),
                                       (suppress_timers, rules, lambda v: suppress.forget(rules=v))):
            for key, timer in timers.items():
                if timer.at is not None and timer.at <= when:
                    timer.at = None
                    forget(states[key])
        [pair] = assign.process((ONE_KEY, (s, fingerprint(s))), (), timestamp=when, heads=heads,
                                generation=generation, armed=armed, compact=compact)
        key, pair = item_key(pair)
        [pair] = join.process((key, pair), None, timestamp=when, first=firsts[key], expire=join_timers[key])
        enriched = classify(pair)
        cid = enriched.cluster.id if enriched.cluster else enriched.id
        [enriched] = trace.process((cid, enriched), None, timestamp=when, track=tracks[cid], expire=trace_timers[cid])
        enriched = match(enriched)
        keyed = cluster_key(StoryAlerts(enriched, tuple(alerts_for(enriched, WATCHLIST))))
        [outcome] = suppress.process(keyed, None, timestamp=when, rules=rules[keyed[0]],
                                     expire=suppress_timers[keyed[0]])
        out.append(outcome)
    return out


class Fused:
    """EnrichAndAlertInState called directly, with fake state, as one instance would; each call a bundle."""

    def __init__(self, log: Bag | None = None, generation: Value | None = None, warm=((), (), None)) -> None:
        self.fn = EnrichAndAlertInState(WATCHLIST, 100, TTL)
        self.fn.setup()
        self.log, self.generation, self.armed, self.timer = log or Bag(), generation or Value(), Value(), Timer()
        self.warm = warm

    def run(self, item, bundle: bool = True):
        if bundle:
            self.fn.start_bundle()
        when = at(item.produced or T0)
        if self.timer.at is not None and self.timer.at <= when:  # as a watermark at the story's time fires it
            fired, self.timer.at = self.timer.at, None
            self.compact(fired)
        key, value = prepared(item)
        [out] = self.fn.process((key, value), *self.warm, timestamp=when, log=self.log,
                                generation=self.generation, armed=self.armed, compact=self.timer)
        return out

    def compact(self, when) -> None:
        self.fn.compact_log(timestamp=when, log=self.log, generation=self.generation, armed=self.armed)


def test_the_one_step_gives_what_the_split_steps_give():
    stories = _stream()
    expected = _split(stories)
    fused = Fused()
    got = [fused.run(s, bundle=i % 3 == 0) for i, s in enumerate(stories)]
    assert got == expected
    assert {o.story.cluster.id for o in got[:4]} == {"u1"} and got[5].story.cluster.id == "a1"
    assert sum(o.repeats for o in got) > 0
    late = got[-1]  # the cluster's track and alerts forgotten after the time to live
    assert [m.story_id for m in late.story.lineage] == ["late"] and late.alerts and not late.repeats


def test_a_bundle_reads_the_generation_once_and_the_log_only_after_another_instance_wrote():
    stories = [dataclasses.replace(s, produced=T0 + timedelta(seconds=n)) for n, s in enumerate(_stream())]
    a = Fused(log=CountedBag(), generation=Counted())
    a.fn.start_bundle()
    for s in stories[:4]:
        a.run(s, bundle=False)
    assert (a.generation.reads, a.log.reads) == (1, 0)  # a fresh state: warmed, never read back
    a.run(stories[4])
    assert (a.generation.reads, a.log.reads) == (2, 0)
    b = Fused(log=a.log, generation=a.generation)  # another instance on the same key's state
    copy = dataclasses.replace(stories[3], id="copy2", origin=Origin.kafka("stories", 0, 50))
    assert b.run(copy).story.cluster.id == "u1" and a.log.reads == 1
    again = dataclasses.replace(copy, id="copy3", origin=Origin.kafka("stories", 0, 51))
    out = a.run(again)  # sees what b added: its lineage, and the rule b's story alerted
    assert a.log.reads == 2 and "copy2" in [m.story_id for m in out.story.lineage]
    assert out.alerts == () and out.repeats == 1


def test_a_dead_letter_passes_through():
    letter = DeadLetter(Origin.kafka("stories", 0, 3), "decode", "not JSON")
    fn, log = Fused(), Bag()
    fn.fn.start_bundle()
    assert list(fn.fn.process(prepared(letter), (), (), None, timestamp=at(T0), log=log, generation=Value(),
                              armed=Value(), compact=Timer())) == [letter]
    assert log.items == []


def test_a_fresh_state_is_warmed_by_what_came_before_the_job():
    u1, u2, c2, copy = _arrived(_versions())
    before = [u1, copy]
    heads = [head_of(normalize(s), fingerprint(normalize(s)), event_seconds(s)) for s in before]
    lineage = list(warm_entries(before, classifier(), capacity=100))
    fused = Fused(warm=(heads, lineage, {"u1": ["quake"]}))
    out = fused.run(u2)
    assert out.story.cluster.id == "u1" and [m.story_id for m in out.story.lineage] == ["u1", "copy", "u2"]
    assert [a.rule for a in out.alerts] == ["army"] and out.repeats == 1  # quake was sent before the job


def test_the_log_is_rewritten_to_what_is_live_and_answers_alike(monkeypatch):
    stories = _stream()
    expected = Fused()
    want = [expected.run(s) for s in stories]
    monkeypatch.setattr(streamchain, "REWRITE_MIN", 4)
    monkeypatch.setattr(streamchain, "REWRITE_FACTOR", 1)
    small = Fused()
    assert [small.run(s) for s in stories] == want
    assert len(small.log.items) < len(expected.log.items)
    small.compact(at(T0 + timedelta(days=9)))  # everything past the time to live
    assert small.log.items == []
    fresh = dataclasses.replace(stories[0], id="again", produced=stories[0].produced + timedelta(days=9))
    assert small.run(fresh).story.cluster.id == "again"


@pytest.mark.parametrize("bad", ["normalize", "dedupe"])
def test_a_story_that_fails_before_the_step_is_a_dead_letter(monkeypatch, bad):
    def fail(_):
        raise ValueError("broken")

    monkeypatch.setattr(streamchain, "normalize" if bad == "normalize" else "fingerprint", fail)
    key, letter = prepared(_stream()[0])
    assert key == ONE_KEY and isinstance(letter, DeadLetter) and letter.stage == bad


def test_a_story_that_fails_the_step_leaves_the_memory_to_be_read_again(monkeypatch):
    stories = _stream()
    a = Fused(log=CountedBag())
    a.run(stories[0])
    monkeypatch.setattr(streamchain, "traced", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        a.run(stories[3])  # the index learned the copy before the failure; the state did not
    monkeypatch.undo()
    reads = a.log.reads
    assert a.run(stories[3]).story.cluster.id == "u1" and a.log.reads == reads + 1


def test_alerts_already_sent_are_counted_and_never_made(monkeypatch):
    made: dict[str, list[int]] = {}

    def recording(enriched, watchlist, only=None):
        made[enriched.id] = only
        return alerts_for(enriched, watchlist, only)

    monkeypatch.setattr(streamchain, "alerts_for", recording)
    fused = Fused()
    got = [fused.run(s) for s in _stream()]
    assert any(o.repeats and not o.alerts for o in got) and any(o.repeats and o.alerts for o in got)
    for o in got:
        assert (o.story.id in made) == bool(o.alerts)
        if o.alerts:
            assert len(made[o.story.id]) == len(o.alerts)  # the fresh ones' positions only


def test_what_a_story_adds_is_one_element_of_the_log_and_replays_as_its_entries():
    """A story's entries (its head, item, track, alerts sent) go to the log as one element: at most one a
    story, and the log replays to the memory that the entries one by one give, counted one by one (the
    rewrite's threshold counts entries), also after pickling as the state's coder does."""
    import pickle

    fused, compactions, grew = Fused(), [], []
    compact = fused.compact
    fused.compact = lambda when: (compactions.append(when), compact(when))
    for s in _stream():
        before, compacted = len(fused.log.items), len(compactions)
        fused.run(s)
        if len(compactions) == compacted:  # a compaction rewrites the log entry by entry
            grew.append(len(fused.log.items) - before)
    assert compactions and set(grew) == {1}
    items = fused.log.items
    assert any(item[0] == "story" for item in items)
    flat = [e for item in items for e in (item[1] if item[0] == "story" else [item])]
    assert len(flat) > len(items) and all(e[0] in ("head", "track", "item", "sent") for e in flat)
    one_by_one = streamchain.Memory.replayed(flat, 100)
    assert one_by_one.logged == len(flat)
    for log in (items, [pickle.loads(pickle.dumps(item, pickle.HIGHEST_PROTOCOL)) for item in items]):
        assert streamchain.Memory.replayed(log, 100) == one_by_one
    assert fused.fn.memory == one_by_one
