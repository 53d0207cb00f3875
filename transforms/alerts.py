"""Turn an enriched story's rule matches into alerts with ids that depend only on (cluster, rule)."""

from __future__ import annotations

import dataclasses
from typing import Callable, Collection, Sequence

import xxhash

from wirewatch.records import Alert, EnrichedStory
from wirewatch.transforms.evidence import Sentences
from wirewatch.transforms.rules import WatchList

TITLE_MAX = 160


def alert_id(cluster_id: str, rule: str) -> str:
    """Stable across replays and machines: the same story cluster and rule give the same id."""
    return xxhash.xxh3_128_hexdigest(f"{cluster_id}\x1f{rule}".encode())


def headline(enriched: EnrichedStory) -> str:
    """The story's title, or its lead sentence when the source has no title (plain wire text)."""
    story = enriched.story
    if story.title:
        return story.title
    lead = story.body.split("\n", 1)[0]
    return lead if len(lead) <= TITLE_MAX else lead[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


def alert_rules(enriched: EnrichedStory) -> list[str]:
    """The rules of the alerts ``alerts_for`` makes of the story, in its order, without making them."""
    spread = enriched.spread
    crossed = spread.crossed if spread is not None else ()
    return [match.rule for match in enriched.matches] + [f"spreading:{threshold}" for threshold in crossed]


def fresh_positions(rules: Sequence[str], sent: Callable[[str], bool]) -> list[int]:
    """The positions in ``rules`` (``alert_rules``) of the alerts to make: the first of each rule that ``sent``
    says no alert of the cluster was sent for. The others are repeats, counted and never made."""
    positions, met = [], set()
    for i, rule in enumerate(rules):
        if rule not in met and not sent(rule):
            positions.append(i)
        met.add(rule)
    return positions


def alerts_for(enriched: EnrichedStory, watchlist: WatchList, only: Collection[int] | None = None) -> list[Alert]:
    """The story's alerts: one per rule match, then its ``spreading`` events. ``only``: the positions (in
    ``alert_rules``) of the alerts to make; the others are not made (the keyed step only counts repeats)."""
    matches = enriched.matches
    thresholds = None
    if only is not None:
        count = len(matches)
        matches = tuple(match for i, match in enumerate(matches) if i in only)
        crossed = enriched.spread.crossed if enriched.spread is not None else ()
        thresholds = [threshold for i, threshold in enumerate(crossed, count) if i in only]
    if not matches:
        return spreading_alerts(enriched, thresholds)
    cluster_id = enriched.cluster.id if enriched.cluster else enriched.id
    story = enriched.story
    fields = {"title": story.title, "summary": story.summary, "body": story.body, "dateline": story.dateline}
    # what every alert of the story shares, worked out once for them all
    title, by_id, sentences = headline(enriched), watchlist.by_id, Sentences(fields)
    countries = tuple(c.code for c in enriched.countries)
    lineage = enriched.lineage if len(enriched.lineage) > 1 else ()
    return [
        Alert(
            id=alert_id(cluster_id, match.rule),
            rule=match.rule,
            story_id=enriched.id,
            cluster_id=cluster_id,
            title=title,
            severity=by_id[match.rule].severity if match.rule in by_id else "medium",
            score=match.score,
            countries=countries,
            regions=enriched.regions,
            spans=match.spans,
            published=story.published,
            undated=story.undated,
            url=story.url,
            source=story.source,
            publisher=story.publisher,
            credit=story.credit,
            evidence=sentences.evidence(match.spans),
            lineage=lineage,
        )
        for match in matches
    ] + spreading_alerts(enriched, thresholds)


SPREADING_SEVERITY = "high"


def spreading_alerts(enriched: EnrichedStory, thresholds: Sequence[str] | None = None) -> list[Alert]:
    """One ``spreading`` event per threshold this story made its cluster cross (rule ``spreading:outlets>=10``,
    so each is raised once per cluster), with the numbers that raised it and the lineage so far.
    ``thresholds``: only these of the crossed ones."""
    spread = enriched.spread
    if spread is None:
        return []
    thresholds = spread.crossed if thresholds is None else thresholds
    if not thresholds:
        return []
    cluster_id = enriched.cluster.id if enriched.cluster else enriched.id
    story = enriched.story
    return [
        Alert(
            id=alert_id(cluster_id, f"spreading:{threshold}"), rule=f"spreading:{threshold}", story_id=enriched.id,
            cluster_id=cluster_id, title=headline(enriched), severity=SPREADING_SEVERITY, score=float(spread.outlets),
            countries=tuple(c.code for c in enriched.countries), regions=spread.regions, published=story.published,
            undated=story.undated, url=story.url, source=story.source, publisher=story.publisher,
            credit=story.credit, lineage=enriched.lineage, spread=dataclasses.replace(spread, crossed=(threshold,)),
        )
        for threshold in thresholds
    ]


def first_alert(alerts: list[Alert]) -> Alert:
    """Of the alerts sharing one id (same cluster and rule), the one the cluster's first story raised,
    else the one with the smallest story id: the choice never depends on arrival order."""
    return min(alerts, key=lambda a: (a.story_id != a.cluster_id, a.story_id))
