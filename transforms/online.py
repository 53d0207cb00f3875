"""The steps of an endless stream that remember: clusters assigned in arrival order, and alerts sent once per
story cluster and rule. What they remember is the engine's keyed state (never an object of the process), is
bounded by a time to live in event time, and after a restart (the engine's state gone) is warmed from a side
input the pipeline reads from what was delivered before.

Both run on a keyed PCollection, as Beam's state requires; both are pure: no clock (expiry follows the
watermark), no I/O.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Iterator

import apache_beam as beam
from apache_beam.coders import PickleCoder, StrUtf8Coder, VarIntCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from wirewatch.records import Cluster, Story, StoryAlerts, pickled_as_tuple, straight_init
from wirewatch.transforms.dedupe import ClusterIndex, Fingerprint, identity

DAY_S = 24 * 3600
TTL_S = 72 * 3600  # default: what a cluster or an alert is remembered for
COMPACT_EVERY_S = 3600
ONE_KEY = "clusters"  # every story meets every earlier one: the index is one key's state


@pickled_as_tuple  # one in the keyed step's log for each story that leads a cluster
@straight_init  # and made for each
@dataclasses.dataclass(frozen=True, slots=True)
class Head:
    """A cluster head as the state keeps it: its story id, fingerprint, event time (seconds) and identity keys
    (``dedupe.identity``). A copy that brought identity keys of its own (its id, its URL) is kept as an entry
    with ``joined``, the cluster it joined, and no fingerprint: what it names is that cluster."""

    story_id: str
    fingerprint: Fingerprint | None
    seen: float
    names: tuple[str, ...] = ()
    joined: str | None = None


def rebuild(heads: Iterable[Head], capacity: int) -> ClusterIndex:
    """The index the heads make, oldest first, as it stood when they were added."""
    index = ClusterIndex(capacity=capacity)
    for head in sorted(heads, key=lambda h: h.seen):
        if head.joined is not None:
            index.remember(head.names, head.joined)
        elif head.fingerprint is not None:
            index.assign(head.story_id, head.fingerprint, head.names)
    return index


def event_seconds(story: Story) -> float:
    """A story's event time as the stream gives it, in seconds: its Kafka time, else its publication (0
    when it has neither)."""
    when = story.produced or story.published
    return when.timestamp() if when else 0.0


def head_of(story: Story, fp: Fingerprint, seen: float) -> Head:
    """A story processed before this job as a warming entry: ``rebuild`` makes it a head or a copy again."""
    return Head(story.id, fp, seen, identity(story))


def assign(index: ClusterIndex, story: Story, fp: Fingerprint, seen: float) -> tuple[Cluster, list[Head]]:
    """The story's cluster from ``index`` (which learns it), and what the state must add for another index
    rebuilt from it to answer alike: the story as a new head, or the identity keys it brought to a cluster."""
    names = identity(story)
    unknown, was_head = index.unknown(names), index.is_head(story.id)
    cluster = index.assign(story.id, fp, names)
    if not was_head and index.is_head(story.id):
        return cluster, [Head(story.id, fp, seen, names)]
    if unknown:
        return cluster, [Head(story.id, None, seen, unknown, joined=cluster.id)]
    return cluster, []


def live(heads: Iterable[Head], now: float, ttl_s: float, capacity: int) -> list[Head]:
    """The heads still inside the time to live, at most ``capacity`` of the newest, with the identity entries
    of the clusters they lead (those count for no head)."""
    kept = sorted((h for h in heads if h.seen > now - ttl_s), key=lambda h: h.seen)
    leaders = [h for h in kept if h.joined is None]
    if not capacity or len(leaders) <= capacity:
        return kept
    alive = {h.story_id for h in leaders[-capacity:]}
    return [h for h in kept if (h.story_id if h.joined is None else h.joined) in alive]


class AssignClustersInState(beam.DoFn):
    """(ONE_KEY, (story, fingerprint)) -> (story, cluster), in arrival order. The heads are the state; the
    index built from them is kept by this instance only while the state's generation says it is current
    (another worker may have added heads since), so any worker gives the same answer."""

    HEADS = BagStateSpec("heads", PickleCoder())
    GENERATION = ReadModifyWriteStateSpec("generation", VarIntCoder())
    ARMED = ReadModifyWriteStateSpec("armed", VarIntCoder())  # whether a compaction is due
    COMPACT = TimerSpec("compact", TimeDomain.WATERMARK)

    def __init__(self, capacity: int, ttl_s: float = TTL_S) -> None:
        self.capacity, self.ttl_s = capacity, ttl_s

    def setup(self) -> None:
        self._index: ClusterIndex | None = None
        self._generation = -1
        self.start_bundle()

    def start_bundle(self) -> None:
        # What this bundle has read of a key's state, so it reads it once: whether its compaction is armed,
        # and its generation (then kept up to date here). A state read costs a round trip to the runner
        # (Prism sends no cache tokens, so the SDK caches none), and one per story was a quarter of the
        # streaming job's time. Only this bundle holds the key, and the timer callback forgets it.
        self._armed: set[str] = set()
        self._current: dict[str, int] = {}

    def process(self, element: tuple[str, tuple[Story, Fingerprint]], warm: Iterable[Head] = (),
                timestamp: Timestamp = beam.DoFn.TimestampParam,
                heads: Any = beam.DoFn.StateParam(HEADS), generation: Any = beam.DoFn.StateParam(GENERATION),
                armed: Any = beam.DoFn.StateParam(ARMED),
                compact: Any = beam.DoFn.TimerParam(COMPACT)) -> Iterator[tuple[Story, Cluster]]:
        key, (story, fp) = element
        current = self._current.get(key)
        if current is None:
            current = generation.read()
        if current is None:  # a fresh state: warm it from what was processed before this job
            seeded = live(warm, float(timestamp.micros) / 1e6, self.ttl_s, self.capacity)
            for head in seeded:
                heads.add(head)
            current = 1
            generation.write(current)
            self._index, self._generation = rebuild(seeded, self.capacity), current
        elif self._index is None or self._generation != current:
            self._index, self._generation = rebuild(heads.read(), self.capacity), current
        cluster, added = assign(self._index, story, fp, float(timestamp.micros) / 1e6)
        for head in added:
            heads.add(head)
        if added:
            self._generation = current + 1
            generation.write(self._generation)
        self._current[key] = self._generation
        if key not in self._armed:
            if not armed.read():  # armed by the stream, never by the timer itself: a bounded run ends
                armed.write(1)
                compact.set(timestamp + Duration(seconds=COMPACT_EVERY_S))
            self._armed.add(key)
        yield story, cluster

    @on_timer(COMPACT)
    def compact_heads(self, key: str = beam.DoFn.KeyParam, timestamp: Timestamp = beam.DoFn.TimestampParam,
                      heads: Any = beam.DoFn.StateParam(HEADS), generation: Any = beam.DoFn.StateParam(GENERATION),
                      armed: Any = beam.DoFn.StateParam(ARMED)) -> None:
        """Forget the heads past the time to live (and past capacity): an hour of event time after the
        first story since the last compaction."""
        kept = live(heads.read(), float(timestamp.micros) / 1e6, self.ttl_s, self.capacity)
        heads.clear()
        for head in kept:
            heads.add(head)
        generation.write((generation.read() or 1) + 1)
        armed.clear()
        self._armed.discard(key)
        self._current.pop(key, None)


class SuppressRepeatAlerts(beam.DoFn):
    """(cluster id, StoryAlerts) -> StoryAlerts with only the alerts not raised for that cluster before: one
    alert per (cluster, rule) for the time to live. ``warm`` (cluster id -> rules) is what was sent before
    this job started. The cluster's state is one bag of the rules it alerted, led by ``LOOKED_UP`` once the
    warm side input was asked: one read a story (a runner round trip), none for a story without alerts."""

    RULES = BagStateSpec("rules", StrUtf8Coder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)
    LOOKED_UP = "\x1f"  # a control character: no rule's name

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s

    def process(self, element: tuple[str, StoryAlerts], warm: dict[str, list[str]] | None = None,
                timestamp: Timestamp = beam.DoFn.TimestampParam,
                rules: Any = beam.DoFn.StateParam(RULES),
                expire: Any = beam.DoFn.TimerParam(EXPIRE)) -> Iterator[StoryAlerts]:
        cluster, outcome = element
        if not outcome.alerts:  # nothing to send, so nothing to remember: no state read
            yield outcome
            return
        sent = set(rules.read())
        if self.LOOKED_UP not in sent:
            expire.set(timestamp + Duration(seconds=self.ttl_s))
            sent = {self.LOOKED_UP, *_lookup(warm, cluster)}
            for rule in sorted(sent):
                rules.add(rule)
        fresh = []
        for alert in outcome.alerts:
            if alert.rule not in sent:
                sent.add(alert.rule)
                rules.add(alert.rule)
                fresh.append(alert)
        yield StoryAlerts(outcome.story, tuple(fresh), outcome.repeats + len(outcome.alerts) - len(fresh))

    @on_timer(EXPIRE)
    def forget(self, rules: Any = beam.DoFn.StateParam(RULES)) -> None:
        rules.clear()


def _lookup(warm: Any, key: str) -> list[str]:
    """``warm[key]`` from a dict or a Beam multimap side input; nothing when absent."""
    if not warm:
        return []
    try:
        return list(warm[key])
    except KeyError:
        return []


def cluster_key(outcome: StoryAlerts) -> tuple[str, StoryAlerts]:
    cluster = outcome.story.cluster
    return (cluster.id if cluster else outcome.story.id), outcome
