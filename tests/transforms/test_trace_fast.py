"""The lineage and spread of a batch as the plain definitions give them: ``trace_batch``, ``observe`` and
``join_versions`` take shortcuts (a cluster of one story, stories of no wire item, records made directly)
that must not change any answer. The reference below is the code as it was before the shortcuts."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.records import Cluster, CountryTag, EnrichedStory, Member, RuleMatch, Span, Spread, Story
from wirewatch.transforms import spread as fast
from wirewatch.transforms.dedupe import story_order
from wirewatch.transforms.lineage import (
    MAX_MEMBERS, _root, diff_summary, join_versions, member_of, outlet_of, replaces, version_rank,
)
from wirewatch.transforms.spread import MAX_OUTLETS, SpreadPolicy, Track, _first_seen, _in_order, _seconds, _slim


def old_join_versions(pairs, order=None):
    order = order or (lambda _: 0)
    ranked = sorted(range(len(pairs)), key=lambda i: (version_rank(pairs[i][0]), order(pairs[i][0]), i))
    target, first, previous, supersedes = {}, {}, {}, {}
    for i in ranked:
        story, cluster = pairs[i]
        if not story.item_id:
            continue
        lead = _root(target, first.setdefault(story.item_id, cluster.id))
        own = _root(target, cluster.id)
        if own != lead:
            target[own] = lead
        before = previous.get(story.item_id)
        if before is not None and (before.id, before.version) != (story.id, story.version):
            supersedes[i] = before.id
        previous[story.item_id] = story
    out = []
    for i, (story, cluster) in enumerate(pairs):
        root = _root(target, cluster.id)
        if root != cluster.id:
            cluster = Cluster(root, duplicate_of=root)
        if i in supersedes and story.supersedes is None:
            story = dataclasses.replace(story, supersedes=supersedes[i])
        out.append((story, cluster))
    return out


def old_observe(track, story, countries, regions, when, policy, lead=None):
    track = track or Track()
    changes = diff_summary(track.latest.body, story.body) if track.latest and replaces(story, track.latest) else None
    versioned = story.version is not None or story.correction or story.item_id is not None
    newer = track.latest is None or version_rank(story) >= version_rank(track.latest)
    latest = _slim(story) if versioned and newer else track.latest
    members = track.members
    if len(members) < MAX_MEMBERS:
        members = tuple(sorted((*members, member_of(story, changes)), key=lambda m: (*_first_seen(m), m.story_id != lead)))
    outlet = outlet_of(story)
    new_outlet = outlet not in track.outlets and len(track.outlets) < MAX_OUTLETS
    outlets = track.outlets | {outlet} if new_outlet else track.outlets
    arrivals = tuple(t for t in (*track.arrivals, *((when,) if new_outlet else ())) if t > when - policy.window_s)
    new_regions = tuple(r for r in dict.fromkeys(regions) if r not in track.regions)
    all_regions = (*track.regions, *new_regions)
    growth = len(arrivals) / policy.baseline_for(countries, all_regions)
    crossed = [f"outlets>={n}" for n in policy.outlets if len(outlets) >= n]
    if len(arrivals) >= policy.min_window and growth >= policy.growth:
        crossed.append(f"growth>={policy.growth:g}")
    fresh = tuple(c for c in crossed if c not in track.crossed)
    spread = Spread(len(outlets), all_regions, new_regions if track.members else (), round(growth, 3),
                    len(arrivals), fresh)
    track = Track(members, latest, outlets, arrivals, all_regions, track.crossed | set(fresh), max(track.seen, when))
    return track, members, spread


def old_trace_batch(enriched, policy):
    pairs = old_join_versions([(e.story, e.cluster or Cluster(e.id)) for e in enriched], story_order)
    joined = [e if s is e.story and c is e.cluster else dataclasses.replace(e, story=s, cluster=c)
              for e, (s, c) in zip(enriched, pairs)]
    clusters = {}
    for i, e in enumerate(joined):
        clusters.setdefault(e.cluster.id if e.cluster else e.id, []).append(i)
    out = list(joined)
    for members in clusters.values():
        ordered = sorted(members, key=lambda i: (_in_order(joined[i]), i))
        track, traced = None, []
        for e in sorted([joined[i] for i in ordered], key=_in_order):
            lead = e.cluster.id if e.cluster else None
            track, lineage, spread = old_observe(track, e.story, [c.code for c in e.countries], e.regions,
                                                 _seconds(e.story), policy, lead)
            traced.append(dataclasses.replace(e, lineage=lineage, spread=spread))
        for i, e in zip(ordered, traced):
            out[i] = e
    return out


T0 = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
_times = st.one_of(st.none(), st.integers(0, 5).map(lambda m: T0 + timedelta(minutes=20 * m)))
_bodies = st.lists(st.sampled_from(["Rain fell.", "The toll rose to 12.", "The toll rose to 31.", "Roads shut."]),
                   min_size=1, max_size=3).map("\n".join)


@st.composite
def batches(draw):
    n = draw(st.integers(1, 12))
    stories = []
    for i in range(n):
        cluster = draw(st.one_of(st.none(), st.integers(0, i).map(
            lambda k: Cluster(f"s{k}", None if k == i else f"s{k}"))))
        story = Story(
            f"s{i}", draw(_bodies), item_id=draw(st.sampled_from([None, None, "A", "B"])),
            version=draw(st.sampled_from([None, 1, 2, 3])), correction=draw(st.booleans()),
            published=draw(_times), fetched=draw(_times), produced=draw(_times),
            publisher=draw(st.sampled_from([None, "Daily", " ", "Post"])),
            credit=draw(st.sampled_from([None, "Reuters"])),
            source=draw(st.sampled_from([None, "feed-a", "feed-b"])), format=draw(st.sampled_from([None, "newsmlg2"])),
            url=draw(st.sampled_from([None, "https://www.a.com/1", "https://m.b.co.uk/2", "https://c.org/3"])),
            supersedes=draw(st.sampled_from([None, None, "s0"])),
        )
        countries = tuple(CountryTag(c, 0.9) for c in draw(st.lists(st.sampled_from(["FR", "US", "NP"]), max_size=2)))
        regions = tuple(draw(st.lists(st.sampled_from(["Europe", "Northern America", "Southern Asia"]), max_size=3)))
        stories.append(EnrichedStory(story, countries, regions, (), cluster))
    return stories


policies = st.builds(
    SpreadPolicy, outlets=st.sampled_from([(2,), (2, 3), (25, 50)]), growth=st.sampled_from([1.0, 2.0, 6.0]),
    window_s=st.sampled_from([0.0, 1800.0, 3600.0]), min_window=st.sampled_from([1, 2, 6]),
    baseline=st.sampled_from([1.0, 0.5]), baselines=st.sampled_from([{}, {"FR": 2.0, "Europe": 3.0}]),
)


@settings(max_examples=200, deadline=None)
@given(batches(), policies)
def test_trace_batch_answers_as_the_plain_definition(batch, policy):
    assert fast.trace_batch(batch, policy) == old_trace_batch(batch, policy)


@settings(max_examples=200, deadline=None)
@given(batches())
def test_join_versions_answers_as_the_plain_definition(batch):
    pairs = [(e.story, e.cluster or Cluster(e.id)) for e in batch]
    assert join_versions(pairs, story_order) == old_join_versions(pairs, story_order)
    assert join_versions(pairs) == old_join_versions(pairs)


def test_with_lineage_carries_every_field():
    span = Span("body", 0, 4, "Rain")
    e = EnrichedStory(Story("s", "Rain"), (CountryTag("FR", 0.9, (span,)),), ("Europe",),
                      (RuleMatch("r", 1.0, (span,)),), Cluster("c", "c"), (Member("x"),), Spread(3))
    assert all(getattr(e, f.name) != f.default for f in dataclasses.fields(EnrichedStory))  # every field set
    lineage, spread = (Member("s"), Member("t")), Spread(4, ("Europe",))
    assert fast._with_lineage(e, lineage, spread) == dataclasses.replace(e, lineage=lineage, spread=spread)
