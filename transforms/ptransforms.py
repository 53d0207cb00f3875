"""Each enrichment step as a Beam PTransform with a verb-phrase name. A step that fails on one element turns
it into a DeadLetter on the ``deadletter`` output; the rest of the bundle goes on.

Steps that can fail return ``(main, deadletters)``; the pipeline flattens the dead letters.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, Iterable

import apache_beam as beam
from apache_beam import pvalue

from wirewatch.transforms.alerts import alerts_for, first_alert
from wirewatch.transforms.dedupe import ClusterIndex, cluster_in_order, fingerprint
from wirewatch.transforms.gazetteer import default_gazetteer
from wirewatch.transforms.geotag import classify
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.normalize import normalize
from wirewatch.records import Cluster, DeadLetter, EnrichedStory, Story, StoryAlerts, dumps, excerpt
from wirewatch.transforms.rules import WatchList

DEAD = "deadletter"


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


def _dead(element: Any, stage: str, exc: Exception) -> DeadLetter:
    return DeadLetter(_origin(element), stage, f"{type(exc).__name__}: {exc}"[:500], raw=_raw(element))


class _Guarded(beam.DoFn):
    """Applies ``make()``'s function to each element; an exception becomes a dead letter for ``stage``."""

    def __init__(self, stage: str, make: Callable[[], Callable[[Any], Any]]) -> None:
        self.stage, self.make = stage, make
        self.fn: Callable[[Any], Any] | None = None

    def setup(self) -> None:
        self.fn = self.make()

    def process(self, element: Any) -> Iterable[Any]:
        try:
            yield self.fn(element)  # type: ignore[misc]
        except Exception as exc:  # one bad story must not stop the job: it becomes data
            yield pvalue.TaggedOutput(DEAD, _dead(element, self.stage, exc))


def _guarded(pcoll: beam.PCollection, label: str, stage: str, make: Callable) -> tuple:
    out = pcoll | label >> beam.ParDo(_Guarded(stage, make)).with_outputs(DEAD, main="main")
    return out.main, out[DEAD]


class NormalizeStories(beam.PTransform):
    """Raw stories -> clean text, furniture removed, dateline/credit/publisher filled in."""

    def expand(self, stories: beam.PCollection) -> tuple:
        return _guarded(stories, "Normalize", "normalize", lambda: normalize)


def _clustered(items: list) -> Iterable[tuple[Story, Cluster]]:
    clusters = cluster_in_order(items)
    for story, _ in items:
        yield story, clusters[story.id]


class DedupeStories(beam.PTransform):
    """Stories -> ((story, cluster), dead letters): exact and near duplicates join the cluster of their earliest copy.

    Bounded input: the fingerprints are gathered once and clustered in a deterministic order, so a replay
    gives the same clusters whatever the bundle order.
    """

    def expand(self, stories: beam.PCollection) -> tuple:
        printed, dead = _guarded(stories, "Fingerprint", "dedupe", lambda: lambda s: (s, fingerprint(s)))
        clustered = (
            printed
            | "GatherFingerprints" >> beam.combiners.ToList()
            | "AssignClusters" >> beam.FlatMap(_clustered)
        )
        return clustered, dead


_INDEXES: dict[str, tuple[ClusterIndex, threading.Lock]] = {}
_INDEXES_LOCK = threading.Lock()


class _AssignOnline(beam.DoFn):
    """Assigns clusters in arrival order against one index shared by every instance in the worker process
    (an endless stream has no "whole batch" to sort). The index is warmed once from ``warmup()``: the
    stories processed before, so a restart remembers which clusters it has seen."""

    def __init__(self, name: str, warmup: Callable[[], Iterable[Story]] | None, capacity: int) -> None:
        self.name, self.warmup, self.capacity = name, warmup, capacity

    def setup(self) -> None:
        with _INDEXES_LOCK:
            if self.name not in _INDEXES:
                index = ClusterIndex(capacity=self.capacity)
                for story in self.warmup() if self.warmup else ():
                    try:
                        story = normalize(story)
                        index.assign(story.id, fingerprint(story))
                    except Exception:  # it was dead-lettered when it first came through; skip it here too
                        continue
                _INDEXES[self.name] = (index, threading.Lock())
        self.index, self.lock = _INDEXES[self.name]

    def process(self, story: Story) -> Iterable[Any]:
        try:
            fp = fingerprint(story)
        except Exception as exc:  # one bad story must not stop the job: it becomes data
            yield pvalue.TaggedOutput(DEAD, _dead(story, "dedupe", exc))
            return
        with self.lock:
            cluster = self.index.assign(story.id, fp)
        yield story, cluster


class AssignClustersOnline(beam.PTransform):
    """Streaming dedupe: stories -> ((story, cluster), dead letters), clustered in arrival order."""

    def __init__(self, name: str = "default", warmup: Callable[[], Iterable[Story]] | None = None,
                 capacity: int = 1_000_000) -> None:
        super().__init__()
        self.index_name, self.warmup, self.capacity = name, warmup, capacity

    def expand(self, stories: beam.PCollection) -> tuple:
        fn = _AssignOnline(self.index_name, self.warmup, self.capacity)
        out = stories | "AssignOnline" >> beam.ParDo(fn).with_outputs(DEAD, main="main")
        return out.main, out[DEAD]


def _classifier() -> Callable[[tuple[Story, Cluster]], EnrichedStory]:
    gazetteer = default_gazetteer()

    def run(pair: tuple[Story, Cluster]) -> EnrichedStory:
        story, cluster = pair
        countries, regions = classify(story, gazetteer)
        return EnrichedStory(story, countries, regions, (), cluster)

    return run


class ClassifyRegions(beam.PTransform):
    """(story, cluster) -> EnrichedStory with countries (score, evidence) and UN M49 sub-regions."""

    def expand(self, pairs: beam.PCollection) -> tuple:
        return _guarded(pairs, "Classify", "classify", _classifier)


class MatchRules(beam.PTransform):
    """EnrichedStory -> the same with the watch list's matches and their spans."""

    def __init__(self, watchlist: WatchList) -> None:
        super().__init__()
        self.watchlist = watchlist

    def expand(self, stories: beam.PCollection) -> tuple:
        watchlist = self.watchlist

        def make() -> Callable[[EnrichedStory], EnrichedStory]:
            matcher = Matcher(watchlist)
            return lambda e: dataclasses.replace(e, matches=matcher.match(e))

        return _guarded(stories, "Match", "match", make)


class RaiseAlerts(beam.PTransform):
    """Enriched stories -> one alert per (story cluster, rule): later copies of a story raise no new alert.
    For bounded input, where the whole batch is there to choose the first alert of each id from."""

    def __init__(self, watchlist: WatchList) -> None:
        super().__init__()
        self.watchlist = watchlist

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        watchlist = self.watchlist
        return (
            stories
            | "AlertsPerStory" >> beam.FlatMap(lambda e: alerts_for(e, watchlist))
            | "KeyByAlertId" >> beam.Map(lambda a: (a.id, a))
            | "GroupByAlertId" >> beam.GroupByKey()
            | "KeepFirstAlert" >> beam.Map(lambda kv: first_alert(list(kv[1])))
        )


class RaiseAlertsPerStory(beam.PTransform):
    """Enriched stories -> each story with the alerts its matches raise (StoryAlerts), for an endless stream:
    the sink that delivers them keeps a later copy's repeats from being sent again."""

    def __init__(self, watchlist: WatchList) -> None:
        super().__init__()
        self.watchlist = watchlist

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        watchlist = self.watchlist
        return stories | "AlertsOfStory" >> beam.Map(lambda e: StoryAlerts(e, tuple(alerts_for(e, watchlist))))


@dataclasses.dataclass(frozen=True)
class Dedupe:
    """How EnrichStories puts stories into clusters.

    - ``batch``: the whole bounded input is fingerprinted, then clustered in a deterministic order (replays).
    - ``online``: arrival order, against an index warmed from ``warmup()`` (the always-on stream).
    - ``none``: every story is its own cluster (trying a watch list on stories one by one).
    """

    mode: str = "batch"
    name: str = "default"  # online: the index shared by the process's workers
    warmup: Callable[[], Iterable[Story]] | None = None
    capacity: int = 1_000_000

    def __post_init__(self) -> None:
        if self.mode not in ("batch", "online", "none"):
            raise ValueError(f"dedupe mode {self.mode!r}: one of batch, online, none")

    @classmethod
    def online(cls, name: str, warmup: Callable[[], Iterable[Story]] | None, capacity: int) -> "Dedupe":
        return cls("online", name, warmup, capacity)


NO_DEDUPE = Dedupe("none")


class EnrichStories(beam.PTransform):
    """Raw stories -> (enriched stories, dead letters): normalize, dedupe, classify, match, step by step. The
    one chain every mode runs (replay, enrich, backtest, explain, the streaming job); ``dedupe`` says how
    clusters are assigned. Every stage's dead letters come out together."""

    def __init__(self, watchlist: WatchList, dedupe: Dedupe = Dedupe()) -> None:
        super().__init__()
        self.watchlist, self.dedupe = watchlist, dedupe

    def expand(self, stories: beam.PCollection) -> tuple:
        normalized, dead_normalize = stories | "NormalizeStories" >> NormalizeStories()
        d = self.dedupe
        if d.mode == "batch":
            clustered, dead_dedupe = normalized | "DedupeStories" >> DedupeStories()
        elif d.mode == "online":
            clustered, dead_dedupe = normalized | "DedupeStories" >> AssignClustersOnline(
                name=d.name, warmup=d.warmup, capacity=d.capacity)
        else:
            clustered = normalized | "OwnClusters" >> beam.Map(lambda s: (s, Cluster(s.id)))
            dead_dedupe = None
        classified, dead_classify = clustered | "ClassifyRegions" >> ClassifyRegions()
        enriched, dead_match = classified | "MatchRules" >> MatchRules(self.watchlist)
        dead = tuple(x for x in (dead_normalize, dead_dedupe, dead_classify, dead_match) if x is not None)
        return enriched, dead | "FlattenDeadLetters" >> beam.Flatten()


__all__ = [
    "AssignClustersOnline", "ClassifyRegions", "Dedupe", "DedupeStories", "EnrichStories", "MatchRules",
    "NO_DEDUPE", "NormalizeStories", "RaiseAlerts", "RaiseAlertsPerStory",
]
