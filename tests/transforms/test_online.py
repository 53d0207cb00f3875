"""The stream's memory in the engine's keyed state: clusters in arrival order with their heads in state (and a
worker's index rebuilt when another worker changed them), alerts once per cluster and rule, both warmed from
side inputs after a restart and forgotten after their time to live."""

from __future__ import annotations

import pickle

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.utils.timestamp import Timestamp

from tests.conftest import DATA, SEED
from tests.fakestate import Bag, Timer, Value
from wirewatch.records import Alert, Cluster, EnrichedStory, Story, StoryAlerts
from wirewatch.transforms.dedupe import fingerprint
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.online import ONE_KEY, AssignClustersInState, Head, SuppressRepeatAlerts, head_of, live
from wirewatch.transforms.ptransforms import Dedupe, EnrichStories, HeadsOf, SuppressRepeats
from wirewatch.transforms.rules import default_watchlist

OPTIONS = ["--runner=FnApiRunner"]
HOUR = 3600


def story(i: int, body: str | None = None) -> Story:
    return normalize(Story(id=f"s{i}", body=body or f"Harbour {i} reopened berth {i * 3} after {i + 2} weeks of "
                                                      f"repairs, the port authority of town {i} said on Tuesday."))


def at(seconds: float) -> Timestamp:
    return Timestamp(micros=int(seconds * 1e6))


class Assigner:
    """AssignClustersInState called directly, with fake state, as one worker would."""

    def __init__(self, capacity: int = 100, ttl_s: float = 72 * HOUR, heads: Bag | None = None,
                 generation: Value | None = None) -> None:
        self.fn = AssignClustersInState(capacity, ttl_s)
        self.fn.setup()
        self.heads, self.generation, self.timer = heads or Bag(), generation or Value(), Timer()
        self.armed = Value()
        # a worker sharing the state with another: each call is a bundle of its own, as a runner gives a key
        # to one bundle at a time
        self.shared = heads is not None

    def assign(self, s: Story, when: float, warm=()) -> Cluster:
        if self.shared:
            self.fn.start_bundle()
        [(_, cluster)] = self.fn.process((ONE_KEY, (s, fingerprint(s))), warm, timestamp=at(when), heads=self.heads,
                                         generation=self.generation, armed=self.armed, compact=self.timer)
        return cluster

    def compact(self, when: float) -> None:
        self.fn.compact_heads(key=ONE_KEY, timestamp=at(when), heads=self.heads, generation=self.generation, armed=self.armed)


def test_copies_join_the_first_and_only_heads_go_to_state():
    a = Assigner()
    assert a.assign(story(1), 100) == Cluster("s1")
    copy = Story(id="c1", body=story(1).body)
    assert a.assign(copy, 200) == Cluster("s1", "s1")
    assert a.assign(story(2), 300) == Cluster("s2")
    assert [h.story_id for h in a.heads.read() if h.joined is None] == ["s1", "s2"]
    assert [(h.story_id, h.joined, h.fingerprint) for h in a.heads.read() if h.joined] == [("c1", "s1", None)]


def test_a_second_worker_sees_the_heads_the_first_added():
    shared_heads, shared_generation = Bag(), Value()
    one = Assigner(heads=shared_heads, generation=shared_generation)
    two = Assigner(heads=shared_heads, generation=shared_generation)
    assert two.assign(story(9), 50) == Cluster("s9")  # two builds its index now
    assert one.assign(story(1), 100) == Cluster("s1")
    copy = Story(id="c1", body=story(1).body)
    assert two.assign(copy, 200) == Cluster("s1", "s1")  # two's index was stale: rebuilt from the state


def test_a_fresh_state_is_warmed_and_expired_heads_are_left_out():
    old, recent = story(1), story(2)
    warm = [Head("s1", fingerprint(old), 0.0), Head("s2", fingerprint(recent), 70 * HOUR)]
    a = Assigner()
    now = 73 * HOUR
    assert a.assign(Story(id="c2", body=recent.body), now, warm) == Cluster("s2", "s2")
    assert a.assign(Story(id="c1", body=old.body), now + 1, warm) == Cluster("c1")  # s1 is past the TTL


def test_compaction_forgets_heads_past_their_time_to_live():
    a = Assigner(ttl_s=10 * HOUR)
    a.assign(story(1), 0)
    a.assign(story(2), 5 * HOUR)
    assert a.timer.at == at(HOUR)  # armed by the first story
    a.compact(11 * HOUR)
    assert [h.story_id for h in a.heads.read()] == ["s2"]
    assert a.assign(Story(id="c1", body=story(1).body), 12 * HOUR) == Cluster("c1")
    assert a.assign(Story(id="c2", body=story(2).body), 12 * HOUR) == Cluster("s2", "s2")
    assert a.timer.at == at(13 * HOUR)  # armed again by the stream after the compaction


def test_live_keeps_the_newest_within_capacity():
    heads = [Head(f"s{i}", None, float(i)) for i in range(10)]  # type: ignore[arg-type]
    assert [h.story_id for h in live(heads, 10.0, 100.0, 3)] == ["s7", "s8", "s9"]


def test_a_copys_url_names_its_cluster_on_every_worker():
    """Identity before fingerprints in the stream: the URL a copy came with is in the state, so a worker that
    rebuilds its index from the state sends a rewritten page at that URL to the same cluster."""
    shared_heads, shared_generation = Bag(), Value()
    one = Assigner(heads=shared_heads, generation=shared_generation)
    two = Assigner(heads=shared_heads, generation=shared_generation)
    assert two.assign(story(9), 50) == Cluster("s9")
    assert one.assign(story(1), 100) == Cluster("s1")
    copy = Story(id="c1", body=story(1).body, url="https://www.outlet.example/world/harbour-1?utm_source=rss")
    assert one.assign(copy, 150) == Cluster("s1", "s1")
    rewritten = Story(id="c1-amp", body="Ships queued outside the harbour on Wednesday.",
                      url="https://outlet.example/amp/world/harbour-1")
    assert two.assign(rewritten, 200) == Cluster("s1", "s1")
    assert Assigner().assign(rewritten, 200) == Cluster("c1-amp")  # nothing in the text says so


def test_warm_heads_carry_identity():
    before = [head_of(story(1), fingerprint(story(1)), 0.0),
              head_of(Story(id="c1", body=story(1).body, url="https://outlet.example/a/1"),
                      fingerprint(story(1)), 10.0)]
    a = Assigner()
    page = Story(id="c1-again", body="A rewritten page.", url="http://www.outlet.example/a/1/")
    assert a.assign(page, 20.0, before) == Cluster("s1", "s1")


def test_live_counts_heads_and_keeps_the_identity_entries_of_their_clusters():
    heads = [Head(f"s{i}", None, float(i)) for i in range(4)]  # type: ignore[arg-type]
    heads += [Head("c0", None, 4.0, ("id\x1fc0",), joined="s0"), Head("c3", None, 5.0, ("id\x1fc3",), joined="s3")]
    assert [h.story_id for h in live(heads, 10.0, 100.0, 2)] == ["s2", "s3", "c3"]
    assert len(live(heads, 10.0, 100.0, 4)) == 6


def alert(cluster: str, rule: str) -> Alert:
    return Alert(id=f"{cluster}/{rule}", rule=rule, story_id=cluster, cluster_id=cluster, title="t",
                 severity="high", score=1.0)


def outcome(cluster: str, *rules: str) -> StoryAlerts:
    enriched = EnrichedStory(Story(id=cluster, body="x"), cluster=Cluster(cluster))
    return StoryAlerts(enriched, tuple(alert(cluster, r) for r in rules))


def suppress(fn, rules, timer, element, warm=None, when=0.0):
    [out] = fn.process(element, warm, timestamp=at(when), rules=rules, expire=timer)
    return out


def test_each_rule_alerts_once_per_cluster_until_the_ttl():
    fn, rules, timer = SuppressRepeatAlerts(ttl_s=HOUR), Bag(), Timer()
    first = suppress(fn, rules, timer, ("k", outcome("k", "icbm", "sanctions")))
    assert [a.rule for a in first.alerts] == ["icbm", "sanctions"] and first.repeats == 0
    again = suppress(fn, rules, timer, ("k", outcome("k", "icbm", "coup")))
    assert [a.rule for a in again.alerts] == ["coup"] and again.repeats == 1
    assert timer.at == at(HOUR)
    fn.forget(rules=rules)
    assert [a.rule for a in suppress(fn, rules, timer, ("k", outcome("k", "icbm"))).alerts] == ["icbm"]


def test_alerts_sent_before_the_restart_are_not_sent_again():
    fn, rules, timer = SuppressRepeatAlerts(), Bag(), Timer()
    out = suppress(fn, rules, timer, ("k", outcome("k", "icbm", "coup")), warm={"k": ["icbm"]})
    assert [a.rule for a in out.alerts] == ["coup"]
    out = suppress(fn, rules, timer, ("k", outcome("k", "icbm")), warm={"k": ["icbm"]})
    assert out.alerts == ()


def test_the_stream_chain_on_a_runner_warms_and_suppresses():
    """The same steps on Beam's runner, with state and side inputs: the Reuters copy of the seed joins a
    head warmed from 'before this job', and alerts its cluster raised before are not raised again."""
    seed = Story(id="seed", body=SEED.read_text())
    copy = Story(id="copy", body=(DATA / "seed-reuters-copy.txt").read_text())
    wl = default_watchlist()
    with TestPipeline(argv=OPTIONS) as p:
        heads = p | "Before" >> beam.Create([seed]) | HeadsOf()
        sent = p | "Sent" >> beam.Create([("seed", "icbm")])
        enriched, dead = (p | "Now" >> beam.Create([copy])
                          | EnrichStories(wl, Dedupe.online(capacity=100, warm=heads, ttl_s=1e9)))
        from wirewatch.transforms.ptransforms import RaiseAlertsPerStory

        out = enriched | RaiseAlertsPerStory(wl) | SuppressRepeats(warm=sent, ttl_s=1e9)
        rules = out | beam.Map(lambda o: (o.story.cluster.id, "icbm" in {a.rule for a in o.alerts}, o.repeats))
        assert_that(rules, equal_to([("seed", False, 1)]))
        assert_that(dead, equal_to([]), label="Dead")


def counting(state: type) -> type:
    """A fake state that counts its reads: each is a round trip to the runner on a real one."""

    class Counting(state):  # type: ignore[valid-type, misc]
        reads = 0

        def read(self):
            self.reads += 1
            return super().read()

    return Counting


Counted, CountedBag = counting(Value), counting(Bag)


class AskedWarm(dict):
    """Alerts sent before the job, counting the look-ups."""

    asked = 0

    def __getitem__(self, key):
        self.asked += 1
        return super().__getitem__(key)


def test_a_story_without_alerts_reads_no_state():
    fn, rules, timer = SuppressRepeatAlerts(), CountedBag(), Timer()
    quiet = outcome("k")
    assert suppress(fn, rules, timer, ("k", quiet)) == quiet
    assert rules.reads == 0 and timer.at is None
    assert [a.rule for a in suppress(fn, rules, timer, ("k", outcome("k", "icbm"))).alerts] == ["icbm"]


def test_a_bundle_reads_whether_compaction_is_armed_once():
    a = Assigner()
    a.armed = Counted()
    a.fn.start_bundle()
    for i in range(5):
        a.assign(story(i), 100 + i)
    assert a.armed.reads == 1 and a.timer.at == at(100 + HOUR)
    a.fn.start_bundle()
    a.assign(story(9), 200)
    assert a.armed.reads == 2 and a.timer.at == at(100 + HOUR)  # armed already: not moved


def test_a_bundle_reads_the_generation_once_and_sees_a_compaction():
    a = Assigner()
    a.generation = Counted()
    a.fn.start_bundle()
    for i in range(5):
        a.assign(story(i), 100 + i)
    assert a.generation.reads == 1
    a.compact(100 + 80 * HOUR)  # forgets every head, in the same bundle
    assert a.assign(Story(id="c1", body=story(1).body), 100 + 80 * HOUR) == Cluster("c1")
    assert a.generation.reads == 3  # the compaction's own read, then the story's: the index is rebuilt
    a.fn.start_bundle()
    a.assign(story(7), 100 + 81 * HOUR)
    assert a.generation.reads == 4


def test_a_story_with_alerts_reads_its_clusters_state_once_and_the_warm_alerts_once_a_cluster():
    fn, rules, timer = SuppressRepeatAlerts(), CountedBag(), Timer()
    warm = AskedWarm(k=["icbm"])
    assert suppress(fn, rules, timer, ("k", outcome("k", "icbm", "coup")), warm=warm).repeats == 1
    assert (rules.reads, warm.asked) == (1, 1)
    assert suppress(fn, rules, timer, ("k", outcome("k", "coup", "sanctions")), warm=warm).repeats == 1
    assert (rules.reads, warm.asked) == (2, 1)
    assert suppress(fn, CountedBag(), timer, ("j", outcome("j", "icbm")), warm=warm).repeats == 0  # its own state
    assert warm.asked == 2


def test_a_head_pickles_as_its_values_and_a_head_pickled_as_before_still_loads():
    head = Head("b-1", fingerprint(story(1)), 1_700_000_000.5, ("id\x1fb-1",))
    assert Head.__getstate__(head) == ("b-1", head.fingerprint, 1_700_000_000.5, ("id\x1fb-1",), None)
    assert pickle.loads(pickle.dumps(head, 4)) == head
    # as the dataclass pickled it before (its state a list of the values), in a log written by an older version
    before = (b"\x80\x04\x95Q\x00\x00\x00\x00\x00\x00\x00\x8c\x1bwirewatch.transforms.online\x94\x8c\x04Head\x94"
              b"\x93\x94)\x81\x94]\x94(\x8c\x03b-1\x94NGA\xd9T\xfc@ \x00\x00\x8c\x06id\x1fb-1\x94\x85\x94\x8c\x03b-0\x94eb.")
    assert pickle.loads(before) == Head("b-1", None, 1_700_000_000.5, ("id\x1fb-1",), "b-0")
