"""The Beam steps of lineage and spread: wire versions joined into one cluster, and each cluster's track
(members, versions, outlets, regions, thresholds crossed) carried onto its stories.

On a bounded input the steps sort a whole cluster (or a whole item's versions) by publication time; on an
endless stream they keep keyed state, like transforms/online.py: the track keyed by cluster, the first
cluster of a wire item keyed by its item id, both forgotten a time to live (event time) after the last story.
After a restart (the engine's state gone) both are warmed from the stories before the job, replayed through
the same functions in their order (``warm_state``): a key looks its warm entry up once, when its state is
empty and it may predate the job (a cluster led by a story this job read does not).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from wirewatch.records import Cluster, EnrichedStory, Story
from wirewatch.transforms.dedupe import fingerprint, story_order
from wirewatch.transforms.lineage import join_version, join_versions, version_rank
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.online import TTL_S, Head, assign, event_seconds, head_of, rebuild
from wirewatch.transforms.steps import classifier
from wirewatch.transforms.spread import DEFAULT_POLICY, SpreadPolicy, Track, trace_cluster, traced

Starts = Mapping[tuple[str, int], int]  # (topic, partition) -> the offset this job starts reading at
HEADS = "heads"
CLUSTER_KEY = "cluster\x1f"  # warm entries: "cluster\x1f<cluster id>" -> Track, "item\x1f<item id>" -> first


def _cluster_id(enriched: EnrichedStory) -> str:
    return enriched.cluster.id if enriched.cluster else enriched.id


def _arrival(story: Story) -> tuple:
    origin = story.origin
    where = (origin.partition, origin.offset) if origin is not None and origin.offset is not None else (-1, -1)
    return (event_seconds(story), *where)


def warm_state(stories: Iterable[Story], classify: Callable[[tuple[Story, Cluster]], EnrichedStory],
               capacity: int, policy: SpreadPolicy = DEFAULT_POLICY,
               ttl_s: float = TTL_S,
               heads: list[Head] | None = None) -> tuple[dict[str, Track], dict[str, tuple[Any, float]]]:
    """The lineage tracks (by cluster id) and the wire items' first versions (by ``item_key``, with when the
    item was last seen) that the stories processed before a job left, replayed in their arrival order (event
    time, then partition and offset) through the functions the stream runs: normalize, ``online.assign``,
    ``join_version``, ``classify``, ``traced``. A key idle for ``ttl_s`` starts again, as the stream's timers
    make it; a story that fails a step was dead-lettered and is left out. ``heads``: where to add each story's
    dedupe head (``online.head_of``), so that one pass over the stories also warms the dedupe state."""
    index = rebuild((), capacity)
    tracks: dict[str, Track] = {}
    items: dict[str, tuple[Any, float]] = {}  # item key -> (join_version's state, when last seen)
    for raw in sorted(stories, key=_arrival):
        try:
            story = normalize(raw)
            when, fp = event_seconds(story), fingerprint(story)
            cluster, _ = assign(index, story, fp, when)
        except Exception:  # noqa: BLE001 (dead-lettered when it first came through)
            continue
        if heads is not None:
            heads.append(head_of(story, fp, when))
        if story.item_id:
            key = item_key((story, cluster))[0]
            before = items.get(key)
            known, story, cluster = join_version(before[0] if before and before[1] > when - ttl_s else None,
                                                 story, cluster)
            items[key] = (known, when)
        try:
            enriched = classify((story, cluster))
        except Exception:  # noqa: BLE001
            continue
        cid = _cluster_id(enriched)
        track = tracks.get(cid)
        tracks[cid], _ = traced(enriched, track if track and track.seen > when - ttl_s else None, when, policy)
    return tracks, items


def warm_entries(stories: Iterable[Story], classify: Callable[[tuple[Story, Cluster]], EnrichedStory],
                 capacity: int, policy: SpreadPolicy = DEFAULT_POLICY, ttl_s: float = TTL_S,
                 heads: list[Head] | None = None) -> Iterator[tuple[str, Any]]:
    """``warm_state`` as the keyed entries one multimap side input carries to both steps: of each kind, the
    ``capacity`` last seen that are still inside the time to live at the last story (as the heads are kept)."""
    tracks, items = warm_state(stories, classify, capacity, policy, ttl_s, heads)
    last = max([t.seen for t in tracks.values()] + [seen for _, seen in items.values()], default=0.0)
    yield from ((CLUSTER_KEY + cid, track) for cid, track in _newest(tracks, lambda t: t.seen, last - ttl_s, capacity))
    yield from _newest(items, lambda entry: entry[1], last - ttl_s, capacity)


def _newest(entries: dict[str, Any], seen: Callable[[Any], float], after: float,
            capacity: int) -> list[tuple[str, Any]]:
    kept = sorted(((k, v) for k, v in entries.items() if seen(v) > after), key=lambda kv: seen(kv[1]))
    return kept[-capacity:] if capacity else kept


def read_after_start(story: Story, starts: Starts | None) -> bool:
    """Whether this job read ``story`` itself (its Kafka position at or after where the job started)."""
    origin = story.origin
    if not starts or origin is None or origin.offset is None:
        return False
    start = starts.get((origin.source, origin.partition or 0))
    return start is not None and origin.offset >= start


def _warm(warm: Any, key: str, now: float, ttl_s: float, seen: Callable[[Any], float]) -> Any:
    """The newest warm entry of ``key`` still inside the time to live, else None (one side-input read)."""
    try:
        found = list(warm[key])
    except KeyError:
        return None
    if not found or seen(found[-1]) <= now - ttl_s:
        return None
    return found[-1]


class TraceClustersInState(beam.DoFn):
    """(cluster id, EnrichedStory) -> the story with its cluster's lineage and spread, in arrival order; the
    track is the cluster's keyed state, forgotten ``ttl_s`` of event time after the cluster's last story."""

    TRACK = ReadModifyWriteStateSpec("track", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, policy: SpreadPolicy = DEFAULT_POLICY, ttl_s: float = TTL_S,
                 starts: Starts | None = None) -> None:
        self.policy, self.ttl_s, self.starts = policy, ttl_s, starts

    def process(self, element: tuple[str, EnrichedStory], warm: Any = None,
                timestamp: Timestamp = beam.DoFn.TimestampParam, track: Any = beam.DoFn.StateParam(TRACK),
                expire: Any = beam.DoFn.TimerParam(EXPIRE)) -> Iterator[EnrichedStory]:
        cid, enriched = element
        now = float(timestamp.micros) / 1e6
        known = track.read()
        if known is None and warm is not None and not (
                enriched.story.id == cid and read_after_start(enriched.story, self.starts)):
            known = _warm(warm, CLUSTER_KEY + cid, now, self.ttl_s, lambda t: t.seen)  # once: state holds it next
        state, enriched = traced(enriched, known, now, self.policy)
        track.write(state)
        expire.set(timestamp + Duration(seconds=self.ttl_s))
        yield enriched

    @on_timer(EXPIRE)
    def forget(self, track: Any = beam.DoFn.StateParam(TRACK)) -> None:
        track.clear()


class JoinVersionsInState(beam.DoFn):
    """(item id, (story, cluster)) -> (story, cluster): a later version of a wire item joins the cluster its
    first version was given (and names the version it replaces), even when its text moved too far for the
    fingerprints. Stories without an item id pass through (keyed by their own id, no state written)."""

    FIRST = ReadModifyWriteStateSpec("first", PickleCoder())  # (cluster id, last version's story id, version)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, ttl_s: float = TTL_S, starts: Starts | None = None) -> None:
        self.ttl_s, self.starts = ttl_s, starts

    def process(self, element: tuple[str, tuple[Story, Cluster]], warm: Any = None,
                timestamp: Timestamp = beam.DoFn.TimestampParam, first: Any = beam.DoFn.StateParam(FIRST),
                expire: Any = beam.DoFn.TimerParam(EXPIRE)) -> Iterator[tuple[Story, Cluster]]:
        key, (story, cluster) = element
        if not story.item_id:
            yield story, cluster
            return
        known = first.read()
        if known is None and warm is not None and _may_follow(story, cluster, self.starts):
            found = _warm(warm, key, float(timestamp.micros) / 1e6, self.ttl_s, lambda entry: entry[1])
            known = found[0] if found else None
        known, story, cluster = join_version(known, story, cluster)
        first.write(known)
        expire.set(timestamp + Duration(seconds=self.ttl_s))
        yield story, cluster

    @on_timer(EXPIRE)
    def forget(self, first: Any = beam.DoFn.StateParam(FIRST)) -> None:
        first.clear()


def _may_follow(story: Story, cluster: Cluster, starts: Starts | None) -> bool:
    """Whether a story whose item this job has not seen may be a later version (or a repeat) of one seen
    before it: not when it is a first version leading a new cluster of its own, read by this job."""
    first = version_rank(story) <= 1 and not story.correction and story.supersedes is None
    return not (first and cluster.id == story.id and read_after_start(story, starts))


def item_key(pair: tuple[Story, Cluster]) -> tuple[str, tuple[Story, Cluster]]:
    story = pair[0]
    return (f"item\x1f{story.item_id}" if story.item_id else f"story\x1f{story.id}"), pair


class JoinVersions(beam.PTransform):
    """(story, cluster) pairs -> the same with a wire item's versions in one cluster. ``online``: in arrival
    order with keyed state; else the whole bounded input, versions in order of version and time."""

    def __init__(self, online: bool = False, ttl_s: float = TTL_S, warm: beam.PCollection | None = None,
                 starts: Starts | None = None) -> None:
        super().__init__()
        self.online, self.ttl_s, self.warm, self.starts = online, ttl_s, warm, starts

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        if self.online:
            return (pairs
                    | "KeyByItem" >> beam.Map(item_key).with_output_types(tuple[str, Any])
                    | "JoinVersionsInState" >> beam.ParDo(JoinVersionsInState(self.ttl_s, self.starts),
                                                          *_side(self.warm)))
        return (pairs
                | "GatherVersions" >> beam.combiners.ToList()
                | "JoinVersionsOfItems" >> beam.FlatMap(lambda items: join_versions(items, story_order)))


class TraceLineage(beam.PTransform):
    """Enriched stories -> the same with their cluster's lineage so far and spread (``spreading`` thresholds
    crossed). ``online``: keyed state per cluster in arrival order; else each cluster sorted by time."""

    def __init__(self, online: bool = False, policy: SpreadPolicy = DEFAULT_POLICY, ttl_s: float = TTL_S,
                 warm: beam.PCollection | None = None, starts: Starts | None = None) -> None:
        super().__init__()
        self.online, self.policy, self.ttl_s, self.warm, self.starts = online, policy, ttl_s, warm, starts

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        keyed = stories | "KeyByCluster" >> beam.Map(lambda e: (_cluster_id(e), e)).with_output_types(tuple[str, Any])
        if self.online:
            return keyed | "TraceClustersInState" >> beam.ParDo(
                TraceClustersInState(self.policy, self.ttl_s, self.starts), *_side(self.warm))
        policy = self.policy
        return (keyed
                | "GroupByCluster" >> beam.GroupByKey()
                | "TraceClusters" >> beam.FlatMap(lambda kv: trace_cluster(kv[1], policy)))


def _side(warm: beam.PCollection | None) -> tuple:
    # always one positional argument: Beam binds the DoFn's later parameters by position otherwise
    return (beam.pvalue.AsMultiMap(warm) if warm is not None else None,)


class _ReplayBefore(beam.DoFn):
    def __init__(self, capacity: int, policy: SpreadPolicy, ttl_s: float,
                 classify: Callable[[], Callable[[tuple[Story, Cluster]], EnrichedStory]] | None) -> None:
        self.capacity, self.policy, self.ttl_s, self.classify = capacity, policy, ttl_s, classify

    def process(self, stories: list[Story]) -> Iterator[Any]:
        classify, heads = (self.classify or classifier)(), []
        yield from warm_entries(stories, classify, self.capacity, self.policy, self.ttl_s, heads)
        for head in heads:
            yield beam.pvalue.TaggedOutput(HEADS, head)


class WarmLineage(beam.PTransform):
    """Stories processed before this job -> (the keyed entries JoinVersions and TraceLineage warm a fresh state
    from, the dedupe heads AssignClustersOnline warms from), in one bounded step that normalizes and
    fingerprints each story once for both (``warm_entries``). ``classify``: what makes the classifier
    (default: the packaged gazetteer's)."""

    def __init__(self, capacity: int, policy: SpreadPolicy = DEFAULT_POLICY, ttl_s: float = TTL_S,
                 classify: Callable[[], Callable[[tuple[Story, Cluster]], EnrichedStory]] | None = None) -> None:
        super().__init__()
        self.capacity, self.policy, self.ttl_s, self.classify = capacity, policy, ttl_s, classify

    def expand(self, stories: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        out = (stories
               | "GatherBefore" >> beam.combiners.ToList()
               | "ReplayBefore" >> beam.ParDo(_ReplayBefore(self.capacity, self.policy, self.ttl_s, self.classify))
               .with_outputs(HEADS, main="entries"))
        return out.entries, out[HEADS]
