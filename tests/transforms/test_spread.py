"""Spread: independent outlets, regions, growth against a baseline, and each threshold crossed once."""

from __future__ import annotations

import pickle
from datetime import datetime, timezone

from wirewatch.records import Member, Spread, Story
from wirewatch.transforms.spread import SpreadPolicy, Track, observe, rule_facts

T0 = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc).timestamp()
POLICY = SpreadPolicy(outlets=(3, 5), growth=4.0, window_s=3600, min_window=4, baseline=1.0,
                      baselines={"US": 3.0})


def _run(stories, countries=("NP",), regions=("Southern Asia",), policy=POLICY, step=60.0):
    track, out = None, []
    for n, story in enumerate(stories):
        track, members, spread = observe(track, story, countries, regions, T0 + n * step, policy)
        out.append(spread)
    return track, members, out


def test_copies_from_one_site_or_agency_feed_count_once():
    stories = [Story(f"s{n}", "x", url=f"https://www.example.com/a{n}") for n in range(4)]
    stories += [Story(f"r{n}", "x", credit="Reuters", source=f"reuters-{n}") for n in range(4)]
    track, _, spreads = _run(stories)
    assert spreads[-1].outlets == 2 and track.outlets == {"example.com", "reuters"}


def test_each_threshold_is_crossed_once_by_the_story_that_reaches_it():
    stories = [Story(f"s{n}", "x", url=f"https://site{n}.com/a") for n in range(7)]
    _, members, spreads = _run(stories, step=3600.0)  # one outlet an hour: no growth event
    assert [s.crossed for s in spreads] == [(), (), ("outlets>=3",), (), ("outlets>=5",), (), ()]
    assert [m.story_id for m in members] == [f"s{n}" for n in range(7)]


def test_a_burst_is_growth_against_the_baseline_of_its_countries():
    stories = [Story(f"s{n}", "x", url=f"https://site{n}.com/a") for n in range(8)]
    policy = SpreadPolicy(outlets=(50,), growth=4.0, window_s=3600, min_window=4)
    _, _, spreads = _run(stories, policy=policy)
    assert [n for n, s in enumerate(spreads) if s.crossed] == [3]  # the 4th outlet within the hour
    assert spreads[3].crossed == ("growth>=4",) and spreads[3].window_outlets == 4 and spreads[3].growth == 4.0
    # where three new outlets an hour is usual (the baseline for US stories), the same burst is not growth
    _, _, usual = _run(stories, countries=("US",), policy=dataclass_replace(policy, baselines={"US": 3.0}))
    assert not any(s.crossed for s in usual)


def dataclass_replace(policy, **kw):
    import dataclasses
    return dataclasses.replace(policy, **kw)


def test_new_regions_and_rule_facts():
    track, _, first = observe(None, Story("a", "x", publisher="A"), ["NP"], ["Southern Asia"], T0, POLICY)
    track, _, second = observe(track, Story("b", "x", publisher="B"), ["IN", "CN"],
                               ["Southern Asia", "Eastern Asia"], T0 + 60, POLICY)
    assert first.new_regions == () and second.new_regions == ("Eastern Asia",)
    assert second.regions == ("Southern Asia", "Eastern Asia")
    assert rule_facts(second) == {"spread>=1", "spread>=2", "new_region"}
    assert rule_facts(Spread(1)) == {"spread>=1"} and rule_facts(None) == frozenset()


def test_rules_test_spread_and_new_region():
    from wirewatch.records import Cluster, EnrichedStory
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rulelang.loader import load_watchlist

    watchlist = load_watchlist(
        "version: 1\nrules:\n"
        "  - id: quake-spreading\n    query: 'quake AND spread>=3'\n"
        "  - id: quake-new-region\n    query: 'quake AND new_region'\n"
    )
    story = Story("s", "A quake struck the coast.")
    matcher = Matcher(watchlist)

    def rules(spread):
        return [m.rule for m in matcher.match(EnrichedStory(story, cluster=Cluster("s"), spread=spread))]

    assert rules(None) == [] and rules(Spread(2)) == []
    assert rules(Spread(3)) == ["quake-spreading"]
    assert rules(Spread(2, ("Eastern Asia",), ("Eastern Asia",))) == ["quake-new-region"]


def test_a_stream_out_of_order_lists_members_as_first_seen_and_diffs_against_the_newest_version():
    from datetime import timedelta

    t = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
    v1 = Story("v1", "The toll rose to 12.", item_id="i", version=1, produced=t)
    v2 = Story("v2", "The toll rose to 31.", item_id="i", version=2, produced=t + timedelta(minutes=5))
    v3 = Story("v3", "The toll rose to 40.", item_id="i", version=3, produced=t + timedelta(minutes=9))
    track, members, _ = observe(None, v2, (), (), T0, POLICY)
    track, members, _ = observe(track, v1, (), (), T0 + 1, POLICY)  # the first version, processed late
    track, members, _ = observe(track, v3, (), (), T0 + 2, POLICY)
    assert [m.story_id for m in members] == ["v1", "v2", "v3"]
    assert [m.changes for m in members] == [None, None, "1 paragraph changed; toll 31 -> 40"]


def test_the_story_a_cluster_is_named_after_comes_first_among_members_seen_at_one_time():
    """A stream keeps no order between keyed steps: a copy produced in the same millisecond as the story it
    copies may reach the cluster's track first; the lineage still starts with the cluster's lead."""
    t = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
    lead, copy = Story("u1", "Quake.", produced=t), Story("copy", "Quake.", produced=t, publisher="B")
    track, members, _ = observe(None, copy, (), (), T0, POLICY, lead="u1")
    track, members, _ = observe(track, lead, (), (), T0, POLICY, lead="u1")
    assert [m.story_id for m in members] == ["u1", "copy"]


def test_a_track_pickles_as_its_values_and_a_track_pickled_as_before_still_loads():
    track = Track((Member("a-1"),), Story("a-1", "Body."), frozenset({"x.com"}), (1.5,), ("Europe",),
                  frozenset({"outlets>=25"}), 2.5)
    assert Track.__getstate__(track) == (*(getattr(track, f) for f in Track.__slots__),)  # the default: a list
    assert pickle.loads(pickle.dumps(track, 5)) == track
    # as the dataclass pickled it before (its state a list of the values), in a keyed step's log written then
    before = (b"\x80\x04\x95\xd0\x00\x00\x00\x00\x00\x00\x00\x8c\x1bwirewatch.transforms.spread\x94\x8c\x05Track\x94"
              b"\x93\x94)\x81\x94]\x94(\x8c\x11wirewatch.records\x94\x8c\x06Member\x94\x93\x94)\x81\x94(\x8c\x03a-1\x94NNNN"
              b"\x89Nt\x94b\x85\x94h\x05\x8c\x05Story\x94\x93\x94)\x81\x94(h\t\x8c\x05Body.\x94NNNNNNN)NNNNNN\x89NNN\x89t\x94b("
              b"\x8c\x05x.com\x94\x91\x94G?\xf8\x00\x00\x00\x00\x00\x00\x85\x94\x8c\x06Europe\x94\x85\x94(\x8c\x0boutlets>=25"
              b"\x94\x91\x94G@\x04\x00\x00\x00\x00\x00\x00eb.")
    assert pickle.loads(before) == track


def test_rule_facts_are_the_plain_definition_s_for_any_spread():
    for outlets in range(-2, 130):
        for new in ((), ("Europe",)):
            plain = {f"spread>={n}" for n in range(1, min(outlets, 100) + 1)} | ({"new_region"} if new else set())
            assert rule_facts(Spread(outlets, new_regions=new)) == plain
