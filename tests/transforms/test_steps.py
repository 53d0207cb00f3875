from datetime import datetime, timedelta, timezone

from wirewatch.records import EnrichedStory, Story
from wirewatch.transforms.gazetteer import Gazetteer
from wirewatch.transforms.steps import read_alone, settled, settled_in_order

T = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
TEXT = ("The ministry said on Monday that grain exports rose 12 pct in the first quarter to 3.4 mln tonnes, "
        "helped by strong demand from buyers abroad and a weaker currency, and it expected the rise to continue.")

OTHER = ("Heavy rain closed the coast road north of the city for a second day, and the police asked drivers to "
         "stay at home while crews cleared mud and fallen trees from the route between the two towns.")


def _read(stories):
    step = read_alone(Gazetteer([], {}, {}))  # places do not matter here: an empty gazetteer finds none
    return [step(story) for story in stories]


def test_settled_in_order_gives_settled_in_the_order_read():
    # copies arrive newest first, so each cluster is traced in the opposite order to the input's; the same
    # object twice (a story handed in twice) is two places, each with its own lineage
    stories = [Story(id=f"s{i}", body=TEXT if i % 2 else OTHER,
                     published=T - timedelta(minutes=i)) for i in range(6)]
    items = _read(stories)
    items.append(items[0])
    in_order = settled_in_order(items)
    assert [e.id for e in in_order] == [s.id for s in stories] + ["s0"]
    assert all(isinstance(e, EnrichedStory) for e in in_order)
    assert sorted(map(repr, in_order)) == sorted(map(repr, settled(items)))
    assert [(e.cluster.id, len(e.lineage)) for e in in_order] == [
        ("s4", 3), ("s5", 3), ("s4", 2), ("s5", 2), ("s4", 1), ("s5", 1), ("s4", 4)]


def test_the_watch_list_for_alerts_raises_the_same_alerts_and_is_a_fraction_of_the_size():
    import pickle

    from wirewatch.transforms.rulelang.loader import load_watchlist
    from wirewatch.transforms.rules import default_watchlist
    from wirewatch.transforms.steps import alerts_of, finished, for_alerts

    watchlist = load_watchlist("version: 1\nrules:\n  - id: grain\n    query: 'grain AND exports'\n"
                               "    severity: high\n  - id: rain\n    query: 'rain'\n")
    stories = [Story(id=f"s{i}", body=TEXT if i % 2 else OTHER, published=T) for i in range(4)]
    items = [read_alone(Gazetteer([], {}, {}), watchlist)(story) for story in stories]
    enriched, _ = finished(items, for_alerts(watchlist))
    alerts = alerts_of(enriched, for_alerts(watchlist))
    assert {(a.rule, a.severity) for a in alerts} == {("grain", "high"), ("rain", "medium")}
    assert alerts == alerts_of(enriched, watchlist) and alerts == alerts_of(finished(items, watchlist)[0], watchlist)
    full = default_watchlist()
    assert len(pickle.dumps(for_alerts(full))) < len(pickle.dumps(full)) / 10


def test_a_watch_list_whose_rules_wait_for_the_clusters_is_kept_whole_for_alerts():
    from wirewatch.transforms.rulelang.loader import load_watchlist
    from wirewatch.transforms.steps import for_alerts

    watchlist = load_watchlist("version: 1\nrules:\n  - id: spreading\n    query: 'rain AND spread>=2'\n")
    assert for_alerts(watchlist) is watchlist


def test_the_rule_matcher_carries_every_field_of_the_story():
    """It makes the matched story directly, not by ``dataclasses.replace``: a field it forgot would be lost."""
    import dataclasses

    from wirewatch.records import Cluster, CountryTag, Member, RuleMatch, Span, Spread
    from wirewatch.transforms.rules import default_watchlist
    from wirewatch.transforms.steps import rule_matcher

    text = "North Korea fired an intercontinental ballistic missile, officials in Seoul said."
    span = Span("body", 0, 11, "North Korea")
    e = EnrichedStory(Story("s", text), (CountryTag("KP", 0.9, (span,)),), ("Eastern Asia",),
                      (RuleMatch("stale", 1.0, (span,)),), Cluster("c", "c"), (Member("x"),), Spread(3))
    assert all(getattr(e, f.name) != f.default for f in dataclasses.fields(EnrichedStory))  # every field set
    matched = rule_matcher(default_watchlist())(e)
    assert matched.matches and "stale" not in {m.rule for m in matched.matches}
    assert matched == dataclasses.replace(e, matches=matched.matches)


def test_read_many_reads_each_story_as_the_step_does_in_order_across_runs(monkeypatch):
    # runs of two, so the stories cross runs; a dead letter met reading is handed on in its place, and a
    # story normalize refuses (a lone surrogate) becomes its dead letter there too
    from wirewatch.records import DeadLetter
    from wirewatch.transforms import steps

    monkeypatch.setattr(steps, "READ_TOGETHER", 2)
    met = DeadLetter("file.jsonl:3", "read", "not JSON", raw="{")
    items = [Story(id=f"s{i}", title=f"Story {i}", body=TEXT if i % 2 else OTHER, published=T) for i in range(5)]
    items.insert(2, met)
    items.insert(4, Story(id="bad", body="a lone \ud800 surrogate in a body long enough to be a story"))
    step = read_alone(Gazetteer([], {}, {}))
    one_by_one = [item if isinstance(item, DeadLetter) else step(item) for item in items]
    together = list(step.read_many(iter(items)))
    assert repr(together) == repr(one_by_one)
    assert together[2] is met and isinstance(together[4], DeadLetter) and together[4].stage == "normalize"
    assert [type(item).__name__ for item in together].count("tuple") == 5
