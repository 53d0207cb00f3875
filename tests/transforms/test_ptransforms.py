import pytest
import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from wirewatch.transforms.enrich import Enricher, enrich_batch
from wirewatch.transforms.ptransforms import EnrichStories, NormalizeStories, RaiseAlerts
from wirewatch.records import Cluster, EnrichedStory, RuleMatch, Story
from wirewatch.transforms.rules import default_watchlist

OPTIONS = ["--runner=FnApiRunner"]


def test_normalize_stories_dead_letters_what_it_cannot_handle():
    stories = [Story(id="a", body="By:VOA\nText.", origin="f.jsonl:1"), Story(id="b", body=None, origin="f.jsonl:2")]
    with TestPipeline(argv=OPTIONS) as p:
        good, dead = p | beam.Create(stories) | NormalizeStories()
        assert_that(good | beam.Map(lambda s: (s.id, s.body, s.publisher)), equal_to([("a", "Text.", "VOA")]))
        assert_that(dead | beam.Map(lambda d: (str(d.origin), d.stage, d.reason.split(":")[0])),
                    equal_to([("f.jsonl:2", "normalize", "TypeError")]), label="DeadLetters")


def test_raise_alerts_keeps_one_alert_per_cluster_and_rule():
    wl = default_watchlist()
    match = RuleMatch("icbm", 1.0)
    stories = [
        EnrichedStory(Story(id="b", body="x"), matches=(match,), cluster=Cluster("a", "a")),
        EnrichedStory(Story(id="a", body="x"), matches=(match,), cluster=Cluster("a")),
        EnrichedStory(Story(id="c", body="x"), matches=(match,), cluster=Cluster("c")),
    ]
    with TestPipeline(argv=OPTIONS) as p:
        alerts = p | beam.Create(stories) | RaiseAlerts(wl)
        assert_that(alerts | beam.Map(lambda a: (a.rule, a.story_id, a.cluster_id)),
                    equal_to([("icbm", "a", "a"), ("icbm", "c", "c")]))


def test_beam_chain_agrees_with_the_in_process_chain(seed_text):
    stories = [
        Story(id="seed", body=seed_text),
        Story(id="copy", body=seed_text.replace("By:VOA", "By:BBC")),
        Story(id="other", body="Kenya's president visited Nairobi schools.", title="Kenyan visit"),
    ]
    wl = default_watchlist()
    expected_stories, expected_alerts = enrich_batch(stories, Enricher.create(wl))
    with TestPipeline(argv=OPTIONS) as p:
        enriched, dead = p | beam.Create(stories) | EnrichStories(wl)
        alerts = enriched | RaiseAlerts(wl)
        assert_that(enriched, equal_to(expected_stories), label="Stories")
        assert_that(alerts, equal_to(expected_alerts), label="Alerts")
        assert_that(dead, equal_to([]), label="Dead")
    clusters = {e.id: e.cluster for e in expected_stories}
    assert clusters["copy"] == Cluster("copy") and clusters["seed"] == Cluster("copy", "copy")
    assert {a.rule for a in expected_alerts} >= {"icbm", "troop-withdrawal", "arms-transfer"}
    assert len({(a.rule, a.cluster_id) for a in expected_alerts}) == len(expected_alerts)


def test_enrich_stories_every_dedupe_mode_and_the_alerts_per_story():
    """The one composite in its three modes: batch and online put the copy in the seed's cluster, none
    leaves every story its own; per-story alerts carry what each story raised."""
    from wirewatch.transforms.ptransforms import NO_DEDUPE, Dedupe, RaiseAlertsPerStory
    from tests.conftest import DATA, SEED

    stories = [Story(id="seed", body=SEED.read_text()), Story(id="copy", body=(DATA / "seed-reuters-copy.txt").read_text())]
    wl = default_watchlist()
    for dedupe, together in ((Dedupe(), True), (Dedupe.online(capacity=100), True), (NO_DEDUPE, False)):
        with TestPipeline(argv=OPTIONS) as p:
            enriched, dead = p | beam.Create(stories) | EnrichStories(wl, dedupe)
            clusters = enriched | beam.Map(lambda e: e.cluster.id) | beam.combiners.Count.PerElement()
            assert_that(clusters | beam.Map(lambda kv: kv[1]), equal_to([2] if together else [1, 1]))
            per_story = enriched | RaiseAlertsPerStory(wl) | beam.Map(lambda sa: (sa.story.id, len(sa.alerts) > 0))
            assert_that(per_story, equal_to([("seed", True), ("copy", True)]), label="PerStory")
            assert_that(dead, equal_to([]), label="Dead")


@pytest.mark.parametrize("matched_alone", [True, False], ids=["matched-with-places", "matched-after-clusters"])
def test_the_bounded_chain_dead_letters_failed_places_and_matches_and_still_clusters_those_stories(
        monkeypatch, matched_alone):
    """A story whose places or matches fail becomes a dead letter of that stage, yet its copy still joins its
    cluster (and, for a failed match, has it in its lineage): as when each stage was a step of its own."""
    import datetime as dt

    from wirewatch.transforms import ptransforms, steps
    from wirewatch.transforms.match import Matcher

    classify, match = steps.classify, Matcher.match

    def places_failing_for_b(story, *args):
        if story.id == "b":
            raise ValueError("no places for b")
        return classify(story, *args)

    def matches_failing_for_c(self, enriched, *args):
        if enriched.id == "c":
            raise ValueError("no rules for c")
        return match(self, enriched, *args)

    monkeypatch.setattr(steps, "classify", places_failing_for_b)
    monkeypatch.setattr(Matcher, "match", matches_failing_for_c)
    monkeypatch.setattr(ptransforms, "matched_alone", lambda watchlist: matched_alone)
    first = dt.datetime(2024, 3, 1, 8, tzinfo=dt.timezone.utc)
    later = first + dt.timedelta(hours=1)
    b_text = "Grain carloadings totaled 25,744 cars in the week ended March 28, the railroads said on Friday."
    c_text = "Kenya's president visited schools in Nairobi on Tuesday and promised new classrooms by June."
    stories = [
        Story(id="b", body=b_text, published=first, origin="f.jsonl:1"),
        Story(id="b2", body=b_text, published=later, origin="f.jsonl:2"),
        Story(id="c", body=c_text, published=first, origin="f.jsonl:3"),
        Story(id="c2", body=c_text, published=later, origin="f.jsonl:4"),
    ]
    with TestPipeline(argv=OPTIONS) as p:
        enriched, dead = p | beam.Create(stories) | EnrichStories(default_watchlist())
        assert_that(enriched | beam.Map(lambda e: (e.id, e.cluster.id, tuple(m.story_id for m in e.lineage))),
                    equal_to([("b2", "b", ("b2",)), ("c2", "c", ("c", "c2"))]), label="Stories")
        assert_that(dead | beam.Map(lambda d: (str(d.origin), d.stage, d.reason, d.raw is not None)),
                    equal_to([("f.jsonl:1", "classify", "ValueError: no places for b", True),
                              ("f.jsonl:3", "match", "ValueError: no rules for c", True)]), label="Dead")


def _no_places():
    from wirewatch.transforms.gazetteer import Gazetteer

    return Gazetteer([], {}, {})


def test_the_bounded_chain_places_stories_with_the_gazetteer_it_is_given():
    story = Story(id="p", body="PARIS (Reuters) - The French government said on Monday that talks in Paris went on.")
    for gazetteer, codes in ((None, ["FR"]), (_no_places, [])):
        with TestPipeline(argv=OPTIONS) as p:
            enriched, _ = p | beam.Create([story]) | EnrichStories(default_watchlist(), gazetteer=gazetteer)
            assert_that(enriched | beam.Map(lambda e: [c.code for c in e.countries]), equal_to([codes]))
