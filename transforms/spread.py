"""How far and how fast a story cluster spreads: the independent outlets that carried it (one site, one
publisher or one agency feed counts once: ``lineage.outlet_of``), the regions it reached, and the outlets new
in the last window against a baseline for its countries and regions. Crossing a configured threshold (each
once per cluster) makes the story that crossed it carry a ``spreading`` event.

Pure: the cluster's ``Track`` is passed in and handed back; the Beam steps keep it as keyed state
(transforms/clusterstate.py) or build it from a sorted batch (transforms/ptransforms.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable, Mapping

from wirewatch.records import Cluster, EnrichedStory, Member, Spread, Story, pickled_as_tuple, straight_init
from wirewatch.transforms.dedupe import story_order
from wirewatch.transforms.lineage import (
    MAX_MEMBERS, diff_summary, join_versions, member_of, outlet_of, replaces, seen_of, version_rank,
)

MAX_OUTLETS = 1000  # distinct outlets a cluster counts exactly; past that the count stays
SPREAD_FACTS_MAX = 100  # rules test spread>=N for N up to this
SPREADING = "spreading"  # the rule name of spreading events: "spreading:outlets>=10"


@dataclass(frozen=True, slots=True)
class SpreadPolicy:
    """When a cluster is spreading: its independent outlets reach one of ``outlets``, or the outlets new in
    the last ``window_s`` reach ``growth`` times the baseline (and at least ``min_window``). The defaults are
chosen with bench/spread_eval.py: ordinary stories often reach 10 outlets over a day, rarely 6 in an hour. The baseline is
    the new outlets per window a cluster about those countries or regions usually gains (``baselines``, by
    ISO code or UN M49 name; the highest that applies), else ``baseline``."""

    outlets: tuple[int, ...] = (25, 50)
    growth: float = 6.0
    window_s: float = 3600.0
    min_window: int = 6
    baseline: float = 1.0
    baselines: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def baseline_for(self, countries: Iterable[str], regions: Iterable[str]) -> float:
        found = [self.baselines[k] for k in (*countries, *regions) if k in self.baselines]
        return max(found, default=self.baseline) or self.baseline


DEFAULT_POLICY = SpreadPolicy()


@pickled_as_tuple  # one in the keyed step's log for every story (transforms/streamchain.py)
@straight_init  # and one made for every story
@dataclass(frozen=True, slots=True)
class Track:
    """What one cluster's lineage and spread remember, bounded: the first members, the last version's text
    (for the next diff), the distinct outlets, when the outlets of the current window came, the regions, and
    the thresholds crossed."""

    members: tuple[Member, ...] = ()
    latest: Story | None = None
    outlets: frozenset[str] = frozenset()
    arrivals: tuple[float, ...] = ()
    regions: tuple[str, ...] = ()
    crossed: frozenset[str] = frozenset()
    seen: float = 0.0


def observe(track: Track | None, story: Story, countries: Iterable[str], regions: Iterable[str], when: float,
            policy: SpreadPolicy = DEFAULT_POLICY, lead: str | None = None) -> tuple[Track, tuple[Member, ...], Spread]:
    """The cluster's track after ``story`` (seen at ``when``, seconds), the lineage so far and its spread.
    ``lead``: the id of the story the cluster is named after, listed first among members seen at one time.
    A cluster's first story (most clusters have only one) skips the merging with what its track held."""
    track = track or _NO_TRACK
    before = track.latest
    changes = diff_summary(before.body, story.body) if before and replaces(story, before) else None
    versioned = story.version is not None or story.correction or story.item_id is not None
    # An older version that comes late (a stream keeps no order between keyed steps) does not displace a newer.
    newer = before is None or version_rank(story) >= version_rank(before)
    latest = _slim(story) if versioned and newer else before
    members = track.members
    member = member_of(story, changes) if len(members) < MAX_MEMBERS else None
    if not members:
        members = (member,)  # type: ignore[assignment]
    elif member is not None:  # listed in the order first seen, whatever order they were processed in
        members = tuple(sorted((*members, member), key=lambda m: (*_first_seen(m), m.story_id != lead)))
    outlet = member.outlet if member is not None else outlet_of(story)  # a member's outlet is outlet_of's
    new_outlet = outlet not in track.outlets and len(track.outlets) < MAX_OUTLETS
    outlets = track.outlets | {outlet} if new_outlet else track.outlets
    since = when - policy.window_s
    arrivals = tuple(t for t in (*track.arrivals, *((when,) if new_outlet else ())) if t > since)
    new_regions = tuple(r for r in dict.fromkeys(regions) if r not in track.regions) if track.regions \
        else tuple(dict.fromkeys(regions))
    all_regions = (*track.regions, *new_regions)
    growth = len(arrivals) / (policy.baseline_for(countries, all_regions) if policy.baselines else policy.baseline)
    crossed = [f"outlets>={n}" for n in policy.outlets if len(outlets) >= n]
    if len(arrivals) >= policy.min_window and growth >= policy.growth:
        crossed.append(f"growth>={policy.growth:g}")
    fresh = tuple(c for c in crossed if c not in track.crossed) if crossed else ()
    spread = Spread(len(outlets), all_regions, new_regions if track.members else (), round(growth, 3),
                    len(arrivals), fresh)
    crossed_now = track.crossed | set(fresh) if fresh else track.crossed
    track = Track(members, latest, outlets, arrivals, all_regions, crossed_now, max(track.seen, when))
    return track, members, spread


_NO_TRACK = Track()  # a frozen record: what a cluster's track is before its first story


def _first_seen(member: Member) -> tuple[bool, float]:
    return (member.seen is None, member.seen.timestamp() if member.seen else 0.0)


def _slim(story: Story) -> Story:
    """What a track keeps of a version: its identity and text, not its whole record."""
    return Story(story.id, story.body, item_id=story.item_id, version=story.version, correction=story.correction)


def traced(enriched: EnrichedStory, track: Track | None, when: float,
           policy: SpreadPolicy = DEFAULT_POLICY) -> tuple[Track, EnrichedStory]:
    """The story with its cluster's lineage so far and spread, and the cluster's track after it."""
    countries = [c.code for c in enriched.countries]
    lead = enriched.cluster.id if enriched.cluster else None
    track, members, spread = observe(track, enriched.story, countries, enriched.regions, when, policy, lead)
    return track, _with_lineage(enriched, members, spread)


def _with_lineage(e: EnrichedStory, lineage: tuple[Member, ...], spread: Spread) -> EnrichedStory:
    """``dataclasses.replace(e, lineage=lineage, spread=spread)``, made directly (a replace reads the record's
    fields one by one; tests/transforms/test_trace_fast.py checks every field is carried)."""
    return EnrichedStory(e.story, e.countries, e.regions, e.matches, e.cluster, lineage, spread)


def _seconds(story: Story) -> float:
    when = seen_of(story)
    return when.timestamp() if when else 0.0


def _in_order(enriched: EnrichedStory) -> tuple:
    """Earliest first; versions of one item sent at one time (NewsML-G2 keeps firstCreated) by version."""
    return (*story_order(enriched.story), version_rank(enriched.story))


def trace_cluster(stories: Iterable[EnrichedStory], policy: SpreadPolicy = DEFAULT_POLICY) -> list[EnrichedStory]:
    """A whole cluster's stories, earliest first, each with the lineage and spread as of its arrival."""
    ordered = list(stories)
    if len(ordered) > 1:  # most clusters hold one story: no order to find
        ordered.sort(key=_in_order)
    return _trace_in_order(ordered, policy)


def _trace_in_order(stories: list[EnrichedStory], policy: SpreadPolicy) -> list[EnrichedStory]:
    """``trace_cluster`` of stories already earliest first."""
    track: Track | None = None
    out = []
    for enriched in stories:
        track, enriched = traced(enriched, track, _seconds(enriched.story), policy)
        out.append(enriched)
    return out


def trace_batch(enriched: list[EnrichedStory], policy: SpreadPolicy = DEFAULT_POLICY) -> list[EnrichedStory]:
    """A bounded batch (clusters assigned) with a wire item's versions joined into one cluster and every
    story's lineage and spread, in the batch's order: the in-process twin of JoinVersions + TraceLineage."""
    pairs = join_versions([(e.story, e.cluster or Cluster(e.id)) for e in enriched], story_order)
    joined = [e if s is e.story and c is e.cluster else dataclasses.replace(e, story=s, cluster=c)
              for e, (s, c) in zip(enriched, pairs)]  # most stories: no version joined, no record remade
    clusters: dict[str, list[int]] = {}
    for i, e in enumerate(joined):
        clusters.setdefault(e.cluster.id if e.cluster else e.id, []).append(i)
    out: list[EnrichedStory] = list(joined)
    for members in clusters.values():
        if len(members) == 1:  # most clusters: one story, nothing to order
            i = members[0]
            e = joined[i]
            out[i] = traced(e, None, _seconds(e.story), policy)[1]
            continue
        ordered = sorted(members, key=lambda i: (_in_order(joined[i]), i))
        for i, e in zip(ordered, _trace_in_order([joined[i] for i in ordered], policy)):
            out[i] = e
    return out


def uses_spread(queries: Iterable[str]) -> bool:
    """Whether any of the rule queries tests the cluster's spread (so matches wait for it)."""
    return any("spread>=" in q or "new_region" in q for q in queries)


def rule_facts(spread: Spread | None) -> frozenset[str]:
    """What the rule language's ``spread>=N`` and ``new_region`` test, as facts: ``spread>=1`` up to the
    cluster's outlets (at most SPREAD_FACTS_MAX), and ``new_region`` when the story took it to a new region."""
    if spread is None:
        return frozenset()
    facts = _SPREAD_FACTS[:max(0, min(spread.outlets, SPREAD_FACTS_MAX))]  # made once, not for every story
    return frozenset((*facts, "new_region") if spread.new_regions else facts)


_SPREAD_FACTS = tuple(f"spread>={n}" for n in range(1, SPREAD_FACTS_MAX + 1))
