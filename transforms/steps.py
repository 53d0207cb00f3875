"""The bodies of the enrichment steps, free of any engine: what each Beam step (transforms/ptransforms.py)
runs per element, and what the in-process engine for small bounded runs (pipelines/local.py) runs in a
loop. One body per step, so the two engines cannot drift apart."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from wirewatch.records import Alert, Cluster, DeadLetter, EnrichedStory, Story, dumps, excerpt
from wirewatch.transforms.alerts import alerts_for, first_alert
from wirewatch.transforms.dedupe import Fingerprint, cluster_in_order, fingerprint, story_order
from wirewatch.transforms.gazetteer import Gazetteer, default_gazetteer
from wirewatch.transforms.geotag import classify
from wirewatch.transforms.lineage import join_versions
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.rules import WatchList
from wirewatch.transforms.rulelang.syntax import Op
from wirewatch.transforms.spread import DEFAULT_POLICY, SpreadPolicy, trace_cluster, uses_spread
from wirewatch.transforms.tokens import StoryWords


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
    return failed_letter(element, stage, Failed.of(exc))


class Failed(NamedTuple):
    """A step's failure carried on to where its dead letter can name the story as that step would have seen
    it (a later version's story, once the versions are joined)."""

    reason: str

    @classmethod
    def of(cls, exc: Exception) -> "Failed":
        return cls(f"{type(exc).__name__}: {exc}"[:500])


def failed_letter(element: Any, stage: str, failure: Failed) -> DeadLetter:
    return DeadLetter(_origin(element), stage, failure.reason, raw=_raw(element))


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

    def run(e: EnrichedStory) -> EnrichedStory:
        # ``dataclasses.replace(e, matches=...)`` made directly: a replace looks up and reads the record's
        # fields one by one (tests/transforms/test_steps.py checks that every field is carried)
        return EnrichedStory(e.story, e.countries, e.regions, matcher.match(e), e.cluster, e.lineage, e.spread)

    return run


def first_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """One alert per alert id (story cluster and rule), chosen by ``first_alert``, in first-seen id order."""
    by_id: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_id.setdefault(alert.id, []).append(alert)
    return [first_alert(group) for group in by_id.values()]


# A bounded input's story after the steps that need no other story: normalized, fingerprinted, placed
# (countries and regions, or why that failed) and, when the rules allow (``matched_alone``), matched.
Read = tuple[Story, Fingerprint, "tuple[tuple, tuple] | Failed", "tuple | Failed | None"]


def matched_alone(watchlist: WatchList) -> bool:
    """Whether a story's matches can be found before its cluster is known: none of the rules tests the
    cluster's spread (the only thing about the cluster a rule can test)."""
    return not uses_spread(rule.query for rule in watchlist.rules)


def read_alone(gazetteer: Gazetteer | None = None, watchlist: WatchList | None = None) -> "StoryReader":
    """A raw story -> normalized, fingerprinted, placed and (with a ``watchlist``, which must be
    ``matched_alone``) matched in one go, its words made once for all of them; a dead letter when
    normalizing or fingerprinting fails. The bounded chain's per-story step: what NormalizeStories, the
    fingerprint, ClassifyRegions and MatchRules do. ``read_many`` reads several stories the same way."""
    places = gazetteer if gazetteer is not None else default_gazetteer()
    return StoryReader(places, Matcher(watchlist) if watchlist is not None else None)


# How many stories ``StoryReader.read_many`` takes through its steps a step at a time (all normalized, then all
# fingerprinted, placed, matched): each step's code and tables stay in the processor's caches over a run of
# stories (in-process, 3,000 Reuters-21578 stories: 157 against 184 us a story from the fingerprint to the
# rules, median of 4 alternating rounds), and no more than this many stories' words are held at a time.
READ_TOGETHER = 1024


class StoryReader:
    """``read_alone``'s step (see there), called on one raw story."""

    def __init__(self, places: Gazetteer, matcher: Matcher | None) -> None:
        self.places, self.matcher = places, matcher

    def __call__(self, raw: Story) -> Read | DeadLetter:
        return self._read_run([raw])[0]

    def read_many(self, items: Iterable[Story | DeadLetter]) -> Iterator[Read | DeadLetter]:
        """Each item read as the step reads it, in order (a dead letter among them handed on as it is), in
        runs of up to ``READ_TOGETHER``. The same results as calling the step on each in turn."""
        pending = iter(items)
        while run := list(itertools.islice(pending, READ_TOGETHER)):
            yield from self._read_run(run)

    def _read_run(self, run: list[Story | DeadLetter]) -> list[Read | DeadLetter]:
        out: list[Any] = [item if isinstance(item, DeadLetter) else _normalized(item) for item in run]
        todo = [i for i, item in enumerate(out) if not isinstance(item, DeadLetter)]
        words = {i: StoryWords(out[i]) for i in todo}
        printed = {}
        for i in todo:
            try:
                printed[i] = fingerprint(out[i], words[i])
            except Exception as exc:
                out[i] = dead_letter(out[i], "dedupe", exc)
        todo = [i for i in todo if i in printed]
        found: dict[int, tuple[tuple, tuple] | Failed] = {}
        for i in todo:
            try:  # a failure here still leaves the story clustered, as when classifying came after the clusters
                found[i] = classify(out[i], self.places, words[i])
            except Exception as exc:
                found[i] = Failed.of(exc)
        for i in todo:
            story, places = out[i], found[i]
            matches: tuple | Failed | None = None
            if self.matcher is not None and not isinstance(places, Failed):
                try:
                    matches = self.matcher.match(EnrichedStory(story, *places, (), None), words[i])
                except Exception as exc:  # as when matching came last: the story still counts in its cluster
                    matches = Failed.of(exc)
            out[i] = story, printed[i], places, matches
        return out


def _normalized(raw: Story) -> Story | DeadLetter:
    try:
        return normalize(raw)
    except Exception as exc:  # one bad story must not stop the run: it becomes data
        return dead_letter(raw, "normalize", exc)


def read_each(step: Callable[[Story], Read | DeadLetter],
              items: Iterable[Story | DeadLetter]) -> Iterator[Read | DeadLetter]:
    """``step`` on each story of ``items`` in order, a dead letter among them handed on as it is; by
    ``StoryReader.read_many`` where ``step`` is one."""
    if isinstance(step, StoryReader):
        return step.read_many(items)
    return (item if isinstance(item, DeadLetter) else step(item) for item in items)


def settled(items: list[Read], policy: SpreadPolicy = DEFAULT_POLICY) -> Iterator[EnrichedStory | DeadLetter]:
    """A whole bounded input's read stories -> enriched stories with their clusters, a wire item's versions
    joined, and each cluster's lineage and spread; a story whose places or matches failed becomes its dead
    letter here, naming the story as those steps would have seen it. The same as the fingerprints gathered
    and clustered (``clustered``), then JoinVersions, then TraceLineage of the placed stories."""
    for _, item in _settled(items, policy):
        yield item


def settled_in_order(items: list[Read], policy: SpreadPolicy = DEFAULT_POLICY) -> list[EnrichedStory | DeadLetter]:
    """``settled`` in the order of ``items`` (the in-process engine keeps its input's order)."""
    found = list(_settled(items, policy))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found]


def finished(items: list[Read], watchlist: WatchList,
             policy: SpreadPolicy = DEFAULT_POLICY) -> tuple[list[EnrichedStory], list[DeadLetter]]:
    """A whole bounded input's read stories -> (enriched stories in the order of ``items``, dead letters):
    settled, then matched where the rules need the clusters (not ``matched_alone``: ``read_alone`` was given
    no watch list). What both engines do once every story is read."""
    enriched: list[EnrichedStory] = []
    dead: list[DeadLetter] = []
    for item in settled_in_order(items, policy):
        (dead if isinstance(item, DeadLetter) else enriched).append(item)
    if matched_alone(watchlist):
        return enriched, dead
    match = rule_matcher(watchlist)
    matched = []
    for e in enriched:
        try:
            matched.append(match(e))
        except Exception as exc:  # one bad story must not stop the run: it becomes data
            dead.append(dead_letter(e, "match", exc))
    return matched, dead


def for_alerts(watchlist: WatchList) -> WatchList:
    """``watchlist`` as ``finished`` and ``alerts_of`` read it once its stories are matched (``matched_alone``):
    each rule's id, query text and severity, its query tree dropped (a rule that matches nothing). The trees,
    every term expanded to its inflections, are nearly all of a watch list's size, which a Beam step that
    carries it pays for each time the runner pickles and compresses the step."""
    if not matched_alone(watchlist):
        return watchlist
    empty = Op("OR", ())
    return dataclasses.replace(watchlist, rules=tuple(dataclasses.replace(r, tree=empty) for r in watchlist.rules))


def alerts_of(enriched: Iterable[EnrichedStory], watchlist: WatchList) -> list[Alert]:
    """A whole bounded input's alerts: one per (story cluster, rule), chosen by ``first_alert``."""
    return first_alerts(alert for e in enriched for alert in alerts_for(e, watchlist))


def _settled(items: list[Read], policy: SpreadPolicy) -> Iterator[tuple[int, EnrichedStory | DeadLetter]]:
    """``settled``'s stories, each with its place in ``items``."""
    clusters = cluster_in_order([(story, printed) for story, printed, _, _ in items])
    pairs = join_versions([(story, clusters[story.id]) for story, _, _, _ in items], story_order)
    by_cluster: dict[str, list[EnrichedStory]] = {}
    # id() of each placed story -> its places in ``items``, first first: tracing keeps each story object and
    # its stable sort keeps one object's places in this order (an object handed in twice is two places)
    places: dict[int, list[int]] = {}
    unmatched: dict[int, Failed] = {}  # the place of a story whose matching failed
    for at, ((story, cluster), (_, _, found, matches)) in enumerate(zip(pairs, items)):
        if isinstance(found, Failed):
            yield at, failed_letter((story, cluster), "classify", found)
            continue
        if isinstance(matches, Failed):
            unmatched[at] = matches
            matches = None
        places.setdefault(id(story), []).append(at)
        by_cluster.setdefault(cluster.id, []).append(EnrichedStory(story, *found, matches or (), cluster))
    for members in by_cluster.values():
        for enriched in trace_cluster(members, policy):
            at = places[id(enriched.story)].pop(0)
            failure = unmatched.get(at)
            yield at, enriched if failure is None else failed_letter(enriched, "match", failure)
