"""The Beam steps of lineage and spread: wire versions joined into one cluster, and each cluster's track
(members, versions, outlets, regions, thresholds crossed) carried onto its stories.

On a bounded input the steps sort a whole cluster (or a whole item's versions) by publication time; on an
endless stream they keep keyed state, like transforms/online.py: the track keyed by cluster, the first
cluster of a wire item keyed by its item id, both forgotten a time to live (event time) after the last story.
"""

from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from wirewatch.records import Cluster, EnrichedStory, Story
from wirewatch.transforms.dedupe import story_order
from wirewatch.transforms.lineage import join_version, join_versions
from wirewatch.transforms.online import TTL_S
from wirewatch.transforms.spread import DEFAULT_POLICY, SpreadPolicy, trace_cluster, traced


def _cluster_id(enriched: EnrichedStory) -> str:
    return enriched.cluster.id if enriched.cluster else enriched.id


class TraceClustersInState(beam.DoFn):
    """(cluster id, EnrichedStory) -> the story with its cluster's lineage and spread, in arrival order; the
    track is the cluster's keyed state, forgotten ``ttl_s`` of event time after the cluster's last story."""

    TRACK = ReadModifyWriteStateSpec("track", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, policy: SpreadPolicy = DEFAULT_POLICY, ttl_s: float = TTL_S) -> None:
        self.policy, self.ttl_s = policy, ttl_s

    def process(self, element: tuple[str, EnrichedStory], timestamp: Timestamp = beam.DoFn.TimestampParam,
                track: Any = beam.DoFn.StateParam(TRACK),
                expire: Any = beam.DoFn.TimerParam(EXPIRE)) -> Iterator[EnrichedStory]:
        _, enriched = element
        state, enriched = traced(enriched, track.read(), float(timestamp.micros) / 1e6, self.policy)
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

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s

    def process(self, element: tuple[str, tuple[Story, Cluster]], timestamp: Timestamp = beam.DoFn.TimestampParam,
                first: Any = beam.DoFn.StateParam(FIRST),
                expire: Any = beam.DoFn.TimerParam(EXPIRE)) -> Iterator[tuple[Story, Cluster]]:
        _, (story, cluster) = element
        if not story.item_id:
            yield story, cluster
            return
        known, story, cluster = join_version(first.read(), story, cluster)
        first.write(known)
        expire.set(timestamp + Duration(seconds=self.ttl_s))
        yield story, cluster

    @on_timer(EXPIRE)
    def forget(self, first: Any = beam.DoFn.StateParam(FIRST)) -> None:
        first.clear()


def item_key(pair: tuple[Story, Cluster]) -> tuple[str, tuple[Story, Cluster]]:
    story = pair[0]
    return (f"item\x1f{story.item_id}" if story.item_id else f"story\x1f{story.id}"), pair


class JoinVersions(beam.PTransform):
    """(story, cluster) pairs -> the same with a wire item's versions in one cluster. ``online``: in arrival
    order with keyed state; else the whole bounded input, versions in order of version and time."""

    def __init__(self, online: bool = False, ttl_s: float = TTL_S) -> None:
        super().__init__()
        self.online, self.ttl_s = online, ttl_s

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        if self.online:
            return (pairs
                    | "KeyByItem" >> beam.Map(item_key).with_output_types(tuple[str, Any])
                    | "JoinVersionsInState" >> beam.ParDo(JoinVersionsInState(self.ttl_s)))
        return (pairs
                | "GatherVersions" >> beam.combiners.ToList()
                | "JoinVersionsOfItems" >> beam.FlatMap(lambda items: join_versions(items, story_order)))


class TraceLineage(beam.PTransform):
    """Enriched stories -> the same with their cluster's lineage so far and spread (``spreading`` thresholds
    crossed). ``online``: keyed state per cluster in arrival order; else each cluster sorted by time."""

    def __init__(self, online: bool = False, policy: SpreadPolicy = DEFAULT_POLICY, ttl_s: float = TTL_S) -> None:
        super().__init__()
        self.online, self.policy, self.ttl_s = online, policy, ttl_s

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        keyed = stories | "KeyByCluster" >> beam.Map(lambda e: (_cluster_id(e), e)).with_output_types(tuple[str, Any])
        if self.online:
            return keyed | "TraceClustersInState" >> beam.ParDo(TraceClustersInState(self.policy, self.ttl_s))
        policy = self.policy
        return (keyed
                | "GroupByCluster" >> beam.GroupByKey()
                | "TraceClusters" >> beam.FlatMap(lambda kv: trace_cluster(kv[1], policy)))
