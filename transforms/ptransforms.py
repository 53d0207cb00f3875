"""Each enrichment step as a Beam PTransform with a verb-phrase name. A step that fails on one element turns
it into a DeadLetter on the ``deadletter`` output; the rest of the bundle goes on.

Steps that can fail return ``(main, deadletters)``; the pipeline flattens the dead letters.
"""

from __future__ import annotations

import dataclasses
import pickle
import zlib
from typing import Any, Callable, Iterable

import apache_beam as beam
from apache_beam import pvalue

from wirewatch.transforms.alerts import alerts_for, first_alert
from wirewatch.transforms import online as online_steps
from wirewatch.transforms.clusterstate import JoinVersions, TraceLineage
from wirewatch.transforms.spread import DEFAULT_POLICY, SpreadPolicy
from wirewatch.transforms.dedupe import fingerprint
from wirewatch.transforms.normalize import normalize
from wirewatch.records import Cluster, DeadLetter, Story, StoryAlerts
from wirewatch.transforms.gazetteer import Gazetteer
from wirewatch.transforms.rules import WatchList
from wirewatch.transforms.steps import (
    Read, alerts_of, classifier, dead_letter, finished, for_alerts, matched_alone, read_alone, read_each,
    rule_matcher, settled,
)

DEAD = "deadletter"


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
            yield pvalue.TaggedOutput(DEAD, dead_letter(element, self.stage, exc))


def _guarded(pcoll: beam.PCollection, label: str, stage: str, make: Callable) -> tuple:
    out = pcoll | label >> beam.ParDo(_Guarded(stage, make)).with_outputs(DEAD, main="main")
    return out.main, out[DEAD]


class NormalizeStories(beam.PTransform):
    """Raw stories -> clean text, furniture removed, dateline/credit/publisher filled in."""

    def expand(self, stories: beam.PCollection) -> tuple:
        return _guarded(stories, "Normalize", "normalize", lambda: normalize)


class Carried:
    """A value a DoFn carries to its workers, held as the C pickler's bytes, compressed. The runner pickles
    each DoFn with cloudpickle when the pipeline is built, and its Python-level walk over a watch list's many
    rule nodes was most of what a step carrying one cost to set up; the C pickler does the same work faster.
    The runner also compresses each DoFn's pickle at zlib's slowest level, several times a run: on bytes
    already compressed (at the fastest level, once) that pass is an order of magnitude quicker. Two are equal
    when their bytes are, so a worker can keep what it made from one (``Reader``)."""

    def __init__(self, value: Any) -> None:
        self.data = zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1)

    def value(self) -> Any:
        return pickle.loads(zlib.decompress(self.data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Carried) and other.data == self.data

    def __hash__(self) -> int:
        return hash(self.data)


# What makes the per-story step of a bounded run in a worker (steps.read_alone) from the watch list its DoFn
# carries (None: stories are matched after the gather). The default builds it, gazetteer and matcher, in each
# DoFn's set-up; a caller may keep one per process (pipelines/bounded.py), since a runner sets every step up
# again for each pipeline it runs.
Reader = Callable[[Carried | None], Callable[[Story], "Read | DeadLetter"]]


def built_reader(watchlist: Carried | None) -> Callable[[Story], Read | DeadLetter]:
    return read_alone(watchlist=watchlist.value() if watchlist is not None else None)


class _ReadAlone(beam.DoFn):
    """steps.read_alone on each raw story of an element (a story, or a batch of them in a list), the element's
    read stories handed on together with its dead letters, as the pickle of (read stories, dead letters)
    (``_gathered`` unpickles them), under the one key of the gather that follows. A dead letter in the
    element (met reading) is handed on as it is. Each dead letter goes to the ``deadletter`` output instead,
    unless ``dead_in_gather``; with it, every element gives its pickle, an empty batch too (a start element).
    ``gazetteer``: what gives the gazetteer in the worker (the compiled cache's loader), else the one built
    there; ``reader``: what makes the whole per-story step instead (``Reader``).

    Why bytes: the runner estimates the size of the gathered list at every operation it passes, and it
    sizes a record by pickling it (each story pickled many times over); bytes it sizes by their length, and
    they cross to the gather's stage as they are. Why batches: the runner's own work per element (and per
    pickle) is paid once per batch."""

    def __init__(self, watchlist: WatchList | Carried | None, gazetteer: Callable[[], Gazetteer] | None = None,
                 dead_in_gather: bool = False, reader: Reader | None = None) -> None:
        self.watchlist = Carried(watchlist) if isinstance(watchlist, WatchList) else watchlist
        self.gazetteer, self.dead_in_gather, self.reader = gazetteer, dead_in_gather, reader

    def setup(self) -> None:
        if self.reader is not None:
            self.fn = self.reader(self.watchlist)
            return
        watchlist = self.watchlist.value() if self.watchlist is not None else None
        self.fn = read_alone(self.gazetteer() if self.gazetteer is not None else None, watchlist=watchlist)

    def process(self, element: Story | DeadLetter | list[Story | DeadLetter]) -> Iterable[Any]:
        read: list[Read] = []
        dead: list[DeadLetter] = []
        self.read_into(element, read, dead)
        if not self.dead_in_gather:
            yield from (pvalue.TaggedOutput(DEAD, item) for item in dead)
            dead = []
        if read or dead or self.dead_in_gather:
            yield None, pickle.dumps((read, dead), pickle.HIGHEST_PROTOCOL)

    def read_into(self, element: Story | DeadLetter | Iterable[Story | DeadLetter], read: list[Read],
                  dead: list[DeadLetter]) -> None:
        """Each story of ``element`` (one, or any iterable of them: a list, or files read as they are
        iterated) read (onto ``read``, or its dead letter onto ``dead``), each dead letter in it onto ``dead``."""
        for found in read_each(self.fn, (element,) if isinstance(element, (Story, DeadLetter)) else element):
            (dead if isinstance(found, DeadLetter) else read).append(found)


def _gathered(gathered: tuple[None, Iterable[bytes]]) -> tuple[list[Read], list[DeadLetter]]:
    """The read stories and dead letters a gather of ``_ReadAlone``'s pickles holds."""
    read: list[Read] = []
    dead: list[DeadLetter] = []
    for data in gathered[1]:
        read_part, dead_part = pickle.loads(data)
        read.extend(read_part)
        dead.extend(dead_part)
    return read, dead


def _settled(gathered: tuple[None, Iterable[bytes]], policy: SpreadPolicy) -> Iterable[Any]:
    for item in settled(_gathered(gathered)[0], policy):
        yield pvalue.TaggedOutput(DEAD, item) if isinstance(item, DeadLetter) else item


class EnrichBoundedStories(beam.PTransform):
    """Raw stories of a bounded input -> (enriched stories, dead letters): each story normalized,
    fingerprinted, placed and matched in one step (its words made once; matched after the clusters instead
    when a rule tests the spread), then the whole input gathered once to assign clusters, join a wire
    item's versions and trace each cluster's lineage (``steps.settled``), so a replay gives the same
    clusters whatever the bundle order. One gather of the stories instead of a step, pickled hand-over and
    shuffle for each of those stages."""

    def __init__(self, watchlist: WatchList, spread: SpreadPolicy = DEFAULT_POLICY,
                 gazetteer: Callable[[], Gazetteer] | None = None) -> None:
        super().__init__()
        self.watchlist, self.spread, self.gazetteer = watchlist, spread, gazetteer

    def expand(self, stories: beam.PCollection) -> tuple:
        alone = matched_alone(self.watchlist)
        read = stories | "ReadEachStory" >> beam.ParDo(
            _ReadAlone(self.watchlist if alone else None, self.gazetteer)).with_outputs(DEAD, main="main")
        done = (
            read.main
            | "GatherStories" >> beam.GroupByKey()  # fewer steps to set up than a global combine; empty gives none
            | "SettleClusters" >> beam.FlatMap(_settled, self.spread).with_outputs(DEAD, main="main")
        )
        dead = [read[DEAD], done[DEAD]]
        enriched = done.main
        if not alone:
            enriched, dead_match = enriched | "MatchRules" >> MatchRules(self.watchlist)
            dead.append(dead_match)
        return enriched, tuple(dead) | "FlattenBoundedDeadLetters" >> beam.Flatten()


class FinishBoundedInput(beam.PTransform):
    """A bounded input, read (one PCollection: each element a raw story, a dead letter met reading, or a
    list of either, such as ``ReadBatches`` gives) -> ``then(enriched, alerts, dead letters)`` called once
    with the whole input's outputs (steps.finished and steps.alerts_of, as the in-process engine computes
    them). The input must have an element even when nothing was read (an empty list will do: ``ReadBatches``
    starts with one), and then ``then`` is called with empty lists. Each story is read alone where it is
    (``ReadEachStory``), and one gather brings the read stories and every dead letter to the step that
    settles clusters and hands the results on: ``then`` is where they are written, so no enriched record
    crosses another step (the runner would pickle it there to size it) and one gather serves both the
    clusters and the sorted outputs. Three steps and two stages: each is set up, and each stage started
    and stopped, on every run. ``reader``: see ``Reader``; ``carry``: what makes the watch list's carried
    form (``Carried``), which a caller may keep for the next run.

    ``read_after_gather`` (for a runner with one worker, which has nothing to share the stories out to):
    the input's elements come keyed already (``(None, element)``, with a coder the caller chose), they are
    gathered as they are, and each story is read in the step after the gather, which then settles them: a
    raw story crosses to that step, not the larger record of it read (its places, matches and fingerprint),
    and nothing read is pickled and unpickled again. Same outputs.

    The result is a PCollection of what ``then`` returns (one element)."""

    def __init__(self, watchlist: WatchList, then: Callable[[list, list, list], Any],
                 spread: SpreadPolicy = DEFAULT_POLICY, reader: Reader = built_reader,
                 carry: Callable[[WatchList], Carried] = Carried, read_after_gather: bool = False) -> None:
        super().__init__()
        self.watchlist, self.then, self.spread, self.reader, self.carry = watchlist, then, spread, reader, carry
        self.read_after_gather = read_after_gather

    def expand(self, read: beam.PCollection) -> beam.PCollection:
        alone = matched_alone(self.watchlist)
        each = _ReadAlone(self.carry(self.watchlist) if alone else None, dead_in_gather=True, reader=self.reader)
        finish = _Finish(for_alerts(self.watchlist), self.then, self.spread, each if self.read_after_gather else None)
        keyed = read if self.read_after_gather else read | "ReadEachStory" >> beam.ParDo(each)
        return (
            keyed
            | "GatherStories" >> beam.GroupByKey()  # one key; fewer steps to set up than a global combine
            | "Finish" >> beam.ParDo(finish)
        )


class _Finish(beam.DoFn):
    """The gathered input -> ``then(enriched, alerts, dead letters)``. With ``each``, the gathered elements
    are raw stories, read here by that step."""

    def __init__(self, watchlist: WatchList, then: Callable[[list, list, list], Any], spread: SpreadPolicy,
                 each: _ReadAlone | None = None) -> None:
        self.watchlist, self.then, self.spread, self.each = Carried(watchlist), then, spread, each

    def setup(self) -> None:
        self.loaded = self.watchlist.value()
        if self.each is not None:
            self.each.setup()

    def process(self, gathered: tuple[None, Iterable[Any]]) -> Iterable[Any]:
        if self.each is None:
            read, dead = _gathered(gathered)
        else:
            read, dead = [], []
            for element in gathered[1]:
                self.each.read_into(element, read, dead)
        enriched, dead_finish = finished(read, self.loaded, self.spread)
        yield self.then(enriched, alerts_of(enriched, self.loaded), dead + dead_finish)


class AssignClustersOnline(beam.PTransform):
    """Streaming dedupe: stories -> ((story, cluster), dead letters), clustered in arrival order against the
    heads kept in the engine's state (transforms/online.py). ``warm`` is a PCollection of Heads (what the
    stories processed before this job left), read into a fresh state; None: start empty."""

    def __init__(self, capacity: int = 1_000_000, warm: beam.PCollection | None = None,
                 ttl_s: float = online_steps.TTL_S) -> None:
        super().__init__()
        self.capacity, self.warm, self.ttl_s = capacity, warm, ttl_s

    def expand(self, stories: beam.PCollection) -> tuple:
        printed, dead = _guarded(stories, "Fingerprint", "dedupe", lambda: lambda s: (s, fingerprint(s)))
        warm = beam.pvalue.AsIter(self.warm) if self.warm is not None else []
        clustered = (
            printed
            | "KeyForIndex" >> beam.Map(lambda pair: (online_steps.ONE_KEY, pair)).with_output_types(tuple[str, Any])
            | "AssignClusters" >> beam.ParDo(online_steps.AssignClustersInState(self.capacity, self.ttl_s), warm)
        )
        return clustered, dead


class HeadsOf(beam.PTransform):
    """Stories processed before -> the cluster heads they would have left (normalized, fingerprinted): what
    a restarted stream warms its dedupe state from. A story that fails here was dead-lettered before."""

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        return stories | "Heads" >> beam.FlatMap(_head_of)


def _head_of(story: Story) -> Iterable[online_steps.Head]:
    try:
        story = normalize(story)
        yield online_steps.head_of(story, fingerprint(story), online_steps.event_seconds(story))
    except Exception:  # noqa: BLE001 (dead-lettered when it first came through)
        return


class SuppressRepeats(beam.PTransform):
    """StoryAlerts -> the same with only the alerts its story cluster has not raised before (engine state,
    keyed by cluster). ``warm``: a PCollection of (cluster id, rule) sent before this job, or None."""

    def __init__(self, warm: beam.PCollection | None = None, ttl_s: float = online_steps.TTL_S) -> None:
        super().__init__()
        self.warm, self.ttl_s = warm, ttl_s

    def expand(self, outcomes: beam.PCollection) -> beam.PCollection:
        warm = beam.pvalue.AsMultiMap(self.warm) if self.warm is not None else None
        return (
            outcomes
            | "KeyByCluster" >> beam.Map(online_steps.cluster_key).with_output_types(tuple[str, Any])
            | "SuppressRepeatAlerts" >> beam.ParDo(online_steps.SuppressRepeatAlerts(self.ttl_s), warm)
        )


class ClassifyRegions(beam.PTransform):
    """(story, cluster) -> EnrichedStory with countries (score, evidence) and UN M49 sub-regions."""

    def expand(self, pairs: beam.PCollection) -> tuple:
        return _guarded(pairs, "Classify", "classify", classifier)


class MatchRules(beam.PTransform):
    """EnrichedStory -> the same with the watch list's matches and their spans."""

    def __init__(self, watchlist: WatchList) -> None:
        super().__init__()
        self.watchlist = watchlist

    def expand(self, stories: beam.PCollection) -> tuple:
        watchlist = self.watchlist
        return _guarded(stories, "Match", "match", lambda: rule_matcher(watchlist))


class RaiseAlerts(beam.PTransform):
    """Enriched stories -> one alert per (story cluster, rule): later copies of a story raise no new alert.
    For bounded input, where the whole batch is there to choose the first alert of each id from."""

    def __init__(self, watchlist: WatchList) -> None:
        super().__init__()
        self.watchlist = watchlist

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        return (
            stories
            | "AlertsPerStory" >> beam.ParDo(_AlertsById(self.watchlist))
            | "GroupByAlertId" >> beam.GroupByKey()
            | "KeepFirstAlert" >> beam.Map(lambda kv: first_alert(list(kv[1])))
        )


class _AlertsById(beam.DoFn):
    """An enriched story -> its alerts, each keyed by its id."""

    def __init__(self, watchlist: WatchList) -> None:
        self.watchlist = Carried(watchlist)

    def setup(self) -> None:
        self.loaded = self.watchlist.value()

    def process(self, enriched: Any) -> Iterable[tuple[str, Any]]:
        for alert in alerts_for(enriched, self.loaded):
            yield alert.id, alert


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
    - ``online``: arrival order, against heads kept in the engine's state, warmed from ``warm`` (a
      PCollection of Heads) when the state is fresh (the always-on stream).
    - ``none``: every story is its own cluster (trying a watch list on stories one by one).
    """

    mode: str = "batch"
    capacity: int = 1_000_000
    warm: Any = None  # online: a PCollection of online_steps.Head, or None
    ttl_s: float = online_steps.TTL_S
    lineage: Any = None  # online: clusterstate.WarmLineage's entries for the version and lineage state, or None
    starts: Any = None  # online: {(topic, partition): offset} where this job starts reading, or None

    def __post_init__(self) -> None:
        if self.mode not in ("batch", "online", "none"):
            raise ValueError(f"dedupe mode {self.mode!r}: one of batch, online, none")

    @classmethod
    def online(cls, capacity: int, warm: Any = None, ttl_s: float = online_steps.TTL_S, lineage: Any = None,
               starts: Any = None) -> "Dedupe":
        return cls("online", capacity, warm, ttl_s, lineage, starts)


NO_DEDUPE = Dedupe("none")


class EnrichStories(beam.PTransform):
    """Raw stories -> (enriched stories, dead letters): normalize, dedupe, classify, match, step by step. The
    one chain every mode runs (replay, enrich, backtest, explain, the streaming job); ``dedupe`` says how
    clusters are assigned. Every stage's dead letters come out together. ``gazetteer`` (batch dedupe only):
    a function the workers call for the gazetteer, such as the compiled cache's loader; None builds it."""

    def __init__(self, watchlist: WatchList, dedupe: Dedupe = Dedupe(), spread: SpreadPolicy = DEFAULT_POLICY,
                 gazetteer: Callable[[], Gazetteer] | None = None) -> None:
        super().__init__()
        self.watchlist, self.dedupe, self.spread, self.gazetteer = watchlist, dedupe, spread, gazetteer

    def expand(self, stories: beam.PCollection) -> tuple:
        d = self.dedupe
        if d.mode == "batch":
            return stories | "EnrichBoundedStories" >> EnrichBoundedStories(
                self.watchlist, self.spread, gazetteer=self.gazetteer)
        normalized, dead_normalize = stories | "NormalizeStories" >> NormalizeStories()
        if d.mode == "online":
            clustered, dead_dedupe = normalized | "DedupeStories" >> AssignClustersOnline(
                capacity=d.capacity, warm=d.warm, ttl_s=d.ttl_s)
        else:
            clustered = normalized | "OwnClusters" >> beam.Map(lambda s: (s, Cluster(s.id)))
            dead_dedupe = None
        online = d.mode == "online"
        if d.mode != "none":  # a wire item's versions in one cluster (issue 16)
            clustered = clustered | "JoinVersions" >> JoinVersions(online=online, ttl_s=d.ttl_s, warm=d.lineage,
                                                                  starts=d.starts)
        classified, dead_classify = clustered | "ClassifyRegions" >> ClassifyRegions()
        if d.mode != "none":  # each cluster's lineage and spread, which rules may test (issue 16)
            classified = classified | "TraceLineage" >> TraceLineage(
                online=online, policy=self.spread, ttl_s=d.ttl_s, warm=d.lineage, starts=d.starts)
        enriched, dead_match = classified | "MatchRules" >> MatchRules(self.watchlist)
        dead = tuple(x for x in (dead_normalize, dead_dedupe, dead_classify, dead_match) if x is not None)
        return enriched, dead | "FlattenDeadLetters" >> beam.Flatten()


__all__ = [
    "AssignClustersOnline", "ClassifyRegions", "Dedupe", "EnrichBoundedStories", "EnrichStories",
    "FinishBoundedInput", "HeadsOf", "MatchRules", "NO_DEDUPE", "NormalizeStories", "RaiseAlerts",
    "RaiseAlertsPerStory", "SuppressRepeats",
]
