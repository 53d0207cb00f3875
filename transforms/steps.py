"""The bodies of the enrichment steps, free of any engine: what each Beam step (transforms/ptransforms.py)
runs per element, and what the in-process engine for small bounded runs (pipelines/local.py) runs in a
loop. One body per step, so the two engines cannot drift apart."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from wirewatch.records import Alert, Cluster, DeadLetter, EnrichedStory, Story, dumps, excerpt
from wirewatch.transforms.alerts import first_alert
from wirewatch.transforms.dedupe import cluster_in_order, fingerprint
from wirewatch.transforms.gazetteer import Gazetteer, default_gazetteer
from wirewatch.transforms.geotag import classify
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.rules import WatchList


def _story_of(element: Any) -> Any:
    story = element.story if isinstance(element, EnrichedStory) else element
    return story[0] if isinstance(story, tuple) and story else story


def _origin(element: Any) -> str:
    story = _story_of(element)
    return getattr(story, "origin", None) or getattr(story, "id", None) or repr(element)[:200]


def _raw(element: Any) -> str | None:
    """The story a stage failed on, as the JSON a replay or a re-publish can start from again."""
    story = _story_of(element)
    try:
        return excerpt(dumps(story)) if isinstance(story, Story) else excerpt(repr(element))
    except Exception:  # e.g. text orjson refuses (lone surrogates): keep what repr can show
        return excerpt(repr(element))


def dead_letter(element: Any, stage: str, exc: Exception) -> DeadLetter:
    """What ``stage`` failing on ``element`` leaves: a dead letter naming the story and the error."""
    return DeadLetter(_origin(element), stage, f"{type(exc).__name__}: {exc}"[:500], raw=_raw(element))


def fingerprinted(story: Story) -> tuple[Story, Any]:
    return story, fingerprint(story)


def clustered(items: list) -> Iterable[tuple[Story, Cluster]]:
    """(story, fingerprint) pairs of a whole bounded input -> (story, cluster), clusters assigned in a
    deterministic order whatever order the pairs come in."""
    clusters = cluster_in_order(items)
    for story, _ in items:
        yield story, clusters[story.id]


def classifier(gazetteer: Gazetteer | None = None) -> Callable[[tuple[Story, Cluster]], EnrichedStory]:
    """(story, cluster) -> EnrichedStory with countries and regions; ``gazetteer`` defaults to the one built
    from the packaged data (a caller may hand in the same gazetteer loaded from a cache)."""
    places = gazetteer if gazetteer is not None else default_gazetteer()

    def run(pair: tuple[Story, Cluster]) -> EnrichedStory:
        story, cluster = pair
        countries, regions = classify(story, places)
        return EnrichedStory(story, countries, regions, (), cluster)

    return run


def rule_matcher(watchlist: WatchList) -> Callable[[EnrichedStory], EnrichedStory]:
    """EnrichedStory -> the same with the watch list's matches and their spans."""
    matcher = Matcher(watchlist)
    return lambda e: dataclasses.replace(e, matches=matcher.match(e))


def first_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """One alert per alert id (story cluster and rule), chosen by ``first_alert``, in first-seen id order."""
    by_id: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_id.setdefault(alert.id, []).append(alert)
    return [first_alert(group) for group in by_id.values()]
