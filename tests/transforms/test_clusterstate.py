"""Lineage end to end: a hand-made UPDATE 1 / UPDATE 2 / correction sequence and real wire versions become one
cluster with ordered versions, a correction flagged, one alert per rule and a diff naming the changed number;
the stream's keyed state does the same in arrival order and forgets after its time to live."""

from __future__ import annotations

import dataclasses
import pickle
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.utils.timestamp import Timestamp

from tests.fakestate import Timer, Value
from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.records import Cluster, EnrichedStory, Origin, Story
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.clusterstate import (
    CLUSTER_KEY, JoinVersionsInState, TraceClustersInState, warm_entries, warm_state,
)
from wirewatch.transforms.ptransforms import Dedupe, EnrichStories, RaiseAlerts, _head_of
from wirewatch.transforms.rulelang.loader import load_watchlist

OPTIONS = ["--runner=FnApiRunner"]
T0 = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
WATCHLIST = load_watchlist("version: 1\nrules:\n  - id: quake\n    query: 'earthquake OR quake'\n"
                           "  - id: army\n    query: 'army'\n")
LEDE = ("KATHMANDU, March 4 (Reuters) - A magnitude 6.4 earthquake struck the hills of western Nepal early on "
        "Monday, flattening mud and brick houses in remote villages 500 km west of the capital, officials said.")
REST = ("Rescue teams from the capital were sent to the area by helicopter, and the interior ministry said "
        "several landslides had blocked the only highway into the valley where most of the houses stood.\n"
        "The quake was felt as far away as New Delhi, where residents ran out of their homes into the streets "
        "in the early hours, but no damage was reported there, the Indian officials said.\n"
        "About 9,000 people were killed in the 2015 earthquake, the worst to hit the Himalayan nation in 80 years.")


def _versions() -> list[Story]:
    def body(toll: int, extra: str = "") -> str:
        return f"{LEDE}\nThe death toll rose to {toll}, a district official told reporters.\n{REST}{extra}"

    army = "\nThe army joined the search for survivors on Monday afternoon, a spokesman for the army said."
    return [
        Story("u1", body(12), title="UPDATE 1-Quake in western Nepal kills 12", publisher="Reuters",
              url="https://www.reuters.com/world/asia/nepal-quake-1", published=T0),
        Story("u2", body(31, army), title="UPDATE 2-Quake in western Nepal kills 31", publisher="Reuters",
              url="https://www.reuters.com/world/asia/nepal-quake-2", published=T0 + timedelta(hours=2)),
        Story("c2", body(31, army), title="CORRECTED-UPDATE 2-Quake in western Nepal kills 31",
              publisher="Reuters", url="https://www.reuters.com/world/asia/nepal-quake-3",
              published=T0 + timedelta(hours=3)),
        Story("copy", body(12), title="Quake in western Nepal kills 12", publisher="Kathmandu Post",
              url="https://kathmandupost.com/national/quake", published=T0 + timedelta(minutes=40)),
    ]


def _keep(pcoll: beam.PCollection, path: Path, label: str) -> None:
    _ = (pcoll | f"Gather{label}" >> beam.combiners.ToList()
         | f"Write{label}" >> beam.Map(lambda items: path.write_bytes(pickle.dumps(items))))


def _run(stories: list[Story], dedupe: Dedupe = Dedupe()) -> tuple[list[EnrichedStory], list]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        with TestPipeline(argv=OPTIONS) as p:
            enriched, _ = p | beam.Create(stories) | EnrichStories(WATCHLIST, dedupe)
            _keep(enriched, out / "stories", "Stories")
            _keep(enriched | RaiseAlerts(WATCHLIST), out / "alerts", "Alerts")
        return pickle.loads((out / "stories").read_bytes()), pickle.loads((out / "alerts").read_bytes())


def test_update_sequence_is_one_cluster_with_ordered_versions_a_correction_and_one_alert_per_rule():
    stories, alerts = _run(_versions())
    assert {e.cluster.id for e in stories} == {"u1"}
    last = max(stories, key=lambda e: len(e.lineage))
    assert [(m.story_id, m.version, m.correction) for m in last.lineage] == [
        ("u1", 2, False), ("copy", None, False), ("u2", 3, False), ("c2", 3, True)]
    changes = {m.story_id: m.changes for m in last.lineage}
    assert changes["u2"] == "1 paragraph added; 1 paragraph changed; death toll 12 -> 31"
    assert changes["c2"] == "text unchanged" and changes["copy"] is None
    assert sorted(a.rule for a in alerts) == ["army", "quake"]  # once per rule, the army only in UPDATE 2
    army = next(a for a in alerts if a.rule == "army")
    # the lineage so far, up to the story that raised the alert (bounded runs pick the smallest story id)
    ids = [m.story_id for m in last.lineage]
    assert [m.story_id for m in army.lineage] == ids[:ids.index(army.story_id) + 1]
    assert army.story_id in ("u2", "c2") and len(army.lineage) >= 3


def test_real_wire_versions_join_by_item_even_when_the_text_moved(shared_corpora: Path):
    raw = (shared_corpora / "wire" / "superdesk-fixtures" / "anpa-2.tst").read_bytes()
    lead = parse_document(raw, origin="anpa-2.tst:0", filename="anpa-2.tst").stories[0]
    first_raw = raw.replace(b", 1st Ld-Writethru,", b",")
    first = parse_document(first_raw, origin="first.tst:0", filename="first.tst").stories[0]
    # the first version: an earlier time and only its opening paragraphs, so the fingerprints alone part them
    paragraphs = first.body.split("\n")
    first = Story(first.id, "\n".join(paragraphs[:3]), title=first.title, credit=first.credit,
                  item_id=first.item_id, published=lead.published - timedelta(hours=3), format=first.format)
    stories, _ = _run([lead, first])
    by_id = {e.id: e for e in stories}
    assert by_id[lead.id].cluster.id == first.id and by_id[lead.id].story.supersedes == first.id
    assert [m.version for m in by_id[lead.id].lineage] == [None, 2]
    added, _, rest = by_id[lead.id].lineage[1].changes.partition(" paragraphs added")
    assert int(added) > 20 and rest == ""  # the writethru's text beyond the first version's opening


def test_the_stream_chain_gives_the_same_cluster_and_lineage():
    stories, alerts = _run(_versions(), Dedupe.online(capacity=100, ttl_s=1e9))
    assert {e.cluster.id for e in stories} == {"u1"}
    assert sorted(a.rule for a in alerts) == ["army", "quake"]


def at(when: datetime) -> Timestamp:
    return Timestamp(micros=int(when.timestamp() * 1e6))


def test_keyed_states_join_versions_in_arrival_order_and_forget_after_the_ttl():
    fn, first, timer = JoinVersionsInState(ttl_s=3600), Value(), Timer()
    v1 = Story("a1", "text one", item_id="anpa:x", published=T0)
    v2 = Story("a2", "text two", item_id="anpa:x", version=2, published=T0)
    [(s1, c1)] = fn.process(("item\x1fanpa:x", (v1, Cluster("a1"))), timestamp=at(T0), first=first, expire=timer)
    [(s2, c2)] = fn.process(("item\x1fanpa:x", (v2, Cluster("a2"))), timestamp=at(T0), first=first, expire=timer)
    assert (c1, c2) == (Cluster("a1"), Cluster("a1", "a1")) and s2.supersedes == "a1"
    fn.forget(first=first)
    [(_, c3)] = fn.process(("item\x1fanpa:x", (v2, Cluster("a2"))), timestamp=at(T0), first=first, expire=timer)
    assert c3 == Cluster("a2")

    trace, track, expire = TraceClustersInState(ttl_s=3600), Value(), Timer()
    outs = [next(iter(trace.process(("a1", EnrichedStory(s, cluster=Cluster("a1"))), timestamp=at(T0),
                                    track=track, expire=expire))) for s in (v1, v2)]
    assert [m.story_id for m in outs[-1].lineage] == ["a1", "a2"] and outs[-1].spread.outlets == 2
    trace.forget(track=track)
    assert track.read() is None


def test_an_empty_step_keeps_other_stories_apart():
    with TestPipeline(argv=OPTIONS) as p:
        enriched, _ = p | beam.Create([Story("x", "One thing."), Story("y", "Another thing entirely.")]) \
            | EnrichStories(WATCHLIST)
        assert_that(enriched | beam.Map(lambda e: (e.id, e.cluster.id, len(e.lineage))),
                    equal_to([("x", "x", 1), ("y", "y", 1)]))


def test_real_newsml_g2_versions_are_one_cluster_in_version_order_with_the_correction_and_its_number(
        shared_corpora: Path):
    raw = (shared_corpora / "wire" / "superdesk-fixtures" / "stt_newsml_test.xml").read_bytes()
    v4 = parse_document(raw, origin="v4.xml:0", filename="v4.xml").stories[0]
    corrected = raw.replace(b'version="4"', b'version="5"', 1).replace(
        b'<signal qcode="sig:update"/>', b'<signal qcode="sig:correction"/>').replace(b"106-80", b"107-80")
    v5 = parse_document(corrected, origin="v5.xml:0", filename="v5.xml").stories[0]
    stories, _ = _run([v5, v4])  # the same guid, so the same story id; firstCreated gives the same time
    assert len({e.cluster.id for e in stories}) == 1
    last = max(stories, key=lambda e: len(e.lineage))
    assert [(m.version, m.correction) for m in last.lineage] == [(4, False), (5, True)]
    assert "gained confidence 106 -> 107" in last.lineage[1].changes
    assert {e.story.version: e.story.supersedes for e in stories} == {4: None, 5: v4.id}


class CountingWarm(dict):
    """A multimap side input that counts its reads (each one a runner round trip in the service)."""

    reads = 0

    def __getitem__(self, key: str) -> list:
        self.reads += 1
        return self.get(key, [])


def _plain(pair: tuple[Story, Cluster]) -> EnrichedStory:
    return EnrichedStory(pair[0], cluster=pair[1])


def _arrived(stories: list[Story], start: int = 0) -> list[Story]:
    """The stories as the stream reads them: one partition, in this order, each with its Kafka time."""
    return [dataclasses.replace(s, produced=s.published, origin=Origin.kafka("stories", 0, start + n))
            for n, s in enumerate(stories)]


def test_the_warm_tracks_are_what_the_stories_before_leave():
    u1, u2, c2, copy = _arrived(_versions())
    tracks, items = warm_state([c2, u2, copy, u1], _plain, capacity=100)  # replayed in their arrival order
    assert set(tracks) == {"u1"} and items == {}
    bounded, _ = _run(_versions())
    last = max(bounded, key=lambda e: len(e.lineage))
    assert tracks["u1"].members == last.lineage  # ids, outlets, versions, corrections and changes
    assert tracks["u1"].outlets == {"reuters.com", "kathmandupost.com"}


def test_a_warm_track_older_than_the_ttl_is_not_continued():
    u1, _, _, copy = _arrived(_versions())
    late = dataclasses.replace(copy, produced=u1.produced + timedelta(hours=2))
    tracks, _ = warm_state([u1, late], _plain, capacity=100, ttl_s=3600)
    assert [m.story_id for m in tracks["u1"].members] == ["copy"]
    fn, track = TraceClustersInState(ttl_s=3600, starts={("stories", 0): 10}), Value()
    warm = CountingWarm({CLUSTER_KEY + "u1": [tracks["u1"]]})
    [out] = fn.process(("u1", EnrichedStory(copy, cluster=Cluster("u1", "u1"))), warm,
                       timestamp=at(T0 + timedelta(hours=4)), track=track, expire=Timer())
    assert [m.story_id for m in out.lineage] == ["copy"] and warm.reads == 1


def test_a_cluster_reads_its_warm_track_once_and_a_cluster_this_job_started_never():
    u1, u2, c2, copy = _arrived(_versions())
    tracks, _ = warm_state([u1, copy], _plain, capacity=100)
    warm = CountingWarm({CLUSTER_KEY + k: [v] for k, v in tracks.items()})
    fn, track, fresh = TraceClustersInState(starts={("stories", 0): 2}), Value(), Value()
    outs = [next(iter(fn.process(("u1", EnrichedStory(s, cluster=Cluster("u1", "u1"))), warm, timestamp=at(s.produced),
                                 track=track, expire=Timer()))) for s in map(normalize, (u2, c2))]
    assert [m.story_id for m in outs[-1].lineage] == ["u1", "copy", "u2", "c2"]
    assert outs[-1].lineage[2].changes == "1 paragraph added; 1 paragraph changed; death toll 12 -> 31"
    assert warm.reads == 1  # the second story found the state the first one wrote
    new = dataclasses.replace(u2, id="n1", origin=Origin.kafka("stories", 0, 5))
    [out] = fn.process(("n1", EnrichedStory(new, cluster=Cluster("n1"))), warm, timestamp=at(T0), track=fresh,
                       expire=Timer())
    assert [m.story_id for m in out.lineage] == ["n1"] and warm.reads == 1  # led by a story this job read


def test_a_later_version_joins_the_warm_first_version_and_a_new_first_version_reads_nothing():
    v1, v2, w1 = _arrived([Story("a1", "text one", item_id="anpa:x", published=T0),
                           Story("a2", "text two", item_id="anpa:x", version=2, published=T0 + timedelta(hours=1)),
                           Story("b1", "other text", item_id="anpa:y", published=T0 + timedelta(hours=1))])
    _, items = warm_state([v1], _plain, capacity=100)
    assert items == {"item\x1fanpa:x": (("a1", "a1", None), v1.produced.timestamp())}
    warm = CountingWarm({k: [v] for k, v in items.items()})
    fn = JoinVersionsInState(starts={("stories", 0): 1})
    [(s2, c2)] = fn.process(("item\x1fanpa:x", (v2, Cluster("a2"))), warm, timestamp=at(v2.produced), first=Value(),
                            expire=Timer())
    assert c2 == Cluster("a1", "a1") and s2.supersedes == "a1" and warm.reads == 1
    [(_, c3)] = fn.process(("item\x1fanpa:y", (w1, Cluster("b1"))), warm, timestamp=at(w1.produced), first=Value(),
                           expire=Timer())
    assert c3 == Cluster("b1") and warm.reads == 1
    [(_, c4)] = fn.process(("item\x1fanpa:x", (v2, Cluster("a2"))), warm, timestamp=at(T0 + timedelta(days=4)),
                           first=Value(), expire=Timer())
    assert c4 == Cluster("a2")  # the first version was forgotten (72 hours) before this one came


def test_the_warm_entries_keep_the_newest_clusters_within_capacity_and_the_ttl():
    a, b, c = _arrived([Story("a", "One thing happened.", published=T0),
                        Story("b", "Another thing entirely.", item_id="x:b", published=T0 + timedelta(hours=5)),
                        Story("c", "A third matter, unrelated.", published=T0 + timedelta(hours=6))])
    entries = dict(warm_entries([a, b, c], _plain, capacity=1, ttl_s=4 * 3600))
    assert set(entries) == {CLUSTER_KEY + "c", "item\x1fx:b"}
    assert set(dict(warm_entries([a, b, c], _plain, capacity=5, ttl_s=4 * 3600))) == {
        CLUSTER_KEY + "b", CLUSTER_KEY + "c", "item\x1fx:b"}  # "a" is past the time to live at "c"


def test_the_replay_gives_the_dedupe_heads_as_heads_of_does():
    stories = _arrived([*_versions(), Story("bad", "", published=T0)])
    heads: list = []
    list(warm_entries(stories, _plain, capacity=100, heads=heads))
    assert heads == [h for s in sorted(stories, key=lambda s: s.produced) for h in _head_of(s)]
    assert {"u1", "copy", "u2", "c2"} <= {h.story_id for h in heads}
