"""The always-on chain after normalize as one keyed step: cluster, join versions, classify, trace lineage,
match, raise and suppress alerts, each story in arrival order against what the stories before it left.

The streaming job used to run these as five steps keyed three ways (the index, the wire item, the cluster),
each a hand-over through the runner and each with state reads of its own. Here everything they remember is
one key's state: a log of what changed (``Entry``), replayed into an in-memory ``Memory`` that the step keeps
while the state's generation says it is current (another bundle, on another instance, may have moved it on).
So a story costs no state read at all, a bundle one. The log is rewritten with only what is still live
(``Memory.entries``) when it has grown well past that, and an hour of event time after the first story since
the last rewrite. What expires, expires as the split steps' timers made it and as ``clusterstate.warm_state``
replays it: an entry older than the time to live is not used.

The per-story functions are the split steps' own (``online.assign``, ``lineage.join_version``, the
classifier, ``spread.traced``, the rule matcher, ``alerts.alerts_for``), so the outcomes are theirs.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam
from apache_beam.coders import PickleCoder, VarIntCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from wirewatch.records import Cluster, DeadLetter, EnrichedStory, Story, StoryAlerts
from wirewatch.transforms.alerts import alert_rules, alerts_for, fresh_positions
from wirewatch.transforms.clusterstate import CLUSTER_KEY, item_key
from wirewatch.transforms.dedupe import ClusterIndex, Fingerprint, fingerprint
from wirewatch.transforms.lineage import join_version
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.online import COMPACT_EVERY_S, ONE_KEY, TTL_S, Head, _lookup, assign, live, rebuild
from wirewatch.transforms.rules import WatchList
from wirewatch.transforms.spread import DEFAULT_POLICY, SpreadPolicy, Track, traced
from wirewatch.transforms.steps import classifier, dead_letter, rule_matcher

# A log entry: ("head", Head) | ("track", cluster id, Track) | ("item", item key, (join state, seen))
# | ("sent", cluster id, (first alerted, rules)) | ("story", [entries]): what one story added, as one element
# of the state (one pickle, the strings its entries share written once, one element sent to the runner)
Entry = tuple
REWRITE_MIN = 10_000  # log entries before the size can call for a rewrite
REWRITE_FACTOR = 4  # ... and the log this many times what is live


@dataclasses.dataclass
class Memory:
    """What the chain remembers, as the log's entries left it."""

    capacity: int
    heads: list[Head] = dataclasses.field(default_factory=list)
    tracks: dict[str, Track] = dataclasses.field(default_factory=dict)
    items: dict[str, tuple[Any, float]] = dataclasses.field(default_factory=dict)
    sent: dict[str, tuple[float, frozenset[str]]] = dataclasses.field(default_factory=dict)
    logged: int = 0  # entries in the state's log

    def __post_init__(self) -> None:
        self.index: ClusterIndex = rebuild((), self.capacity)

    @classmethod
    def replayed(cls, entries: Iterable[Entry], capacity: int) -> "Memory":
        memory = cls(capacity)
        for entry in entries:
            memory.apply(entry)
        memory.index = rebuild(memory.heads, capacity)
        return memory

    def apply(self, entry: Entry) -> None:
        kind = entry[0]
        if kind == "story":  # each of its entries counts as logged, as when they were logged one by one
            for each in entry[1]:
                self.apply(each)
            return
        self.logged += 1
        if kind == "head":
            self.heads.append(entry[1])
        elif kind == "track":
            self.tracks[entry[1]] = entry[2]
        elif kind == "item":
            self.items[entry[1]] = entry[2]
        elif kind == "sent":
            self.sent[entry[1]] = entry[2]

    def entries(self, now: float, ttl_s: float, heads: bool = True) -> list[Entry]:
        """What is still live at ``now``, as log entries: the heads ``online.live`` keeps (every head, unless
        ``heads``: the index is then left as it is), and the tracks, items and alerts sent younger than the
        time to live (older ones are never used: see ``Chain.run``)."""
        after = now - ttl_s
        kept = live(self.heads, now, ttl_s, self.capacity) if heads else self.heads
        return [*(("head", h) for h in kept),
                *(("track", k, t) for k, t in self.tracks.items() if t.seen > after),
                *(("item", k, v) for k, v in self.items.items() if v[1] > after),
                *(("sent", k, v) for k, v in self.sent.items() if v[0] > after)]


def seeded(warm_heads: Iterable[Head], warm_lineage: Iterable[tuple[str, Any]], now: float, ttl_s: float,
           capacity: int) -> list[Entry]:
    """A fresh state's first entries: the heads and the lineage (tracks by ``CLUSTER_KEY`` + cluster id, wire
    items by their key) that the stories before this job left (``clusterstate.WarmLineage``)."""
    entries: list[Entry] = [("head", h) for h in live(warm_heads, now, ttl_s, capacity)]
    for key, value in warm_lineage:
        if key.startswith(CLUSTER_KEY):
            entries.append(("track", key[len(CLUSTER_KEY):], value))
        else:
            entries.append(("item", key, value))
    return entries


class Chain:
    """The per-story work on a ``Memory``: one story in, its outcome and the log entries it adds out."""

    def __init__(self, watchlist: WatchList, policy: SpreadPolicy, ttl_s: float,
                 classify: Callable[[tuple[Story, Cluster]], EnrichedStory]) -> None:
        self.watchlist, self.policy, self.ttl_s = watchlist, policy, ttl_s
        self.classify, self.match = classify, rule_matcher(watchlist)

    def run(self, memory: Memory, story: Story, fp: Fingerprint, now: float,
            warm_sent: Any) -> tuple[StoryAlerts | DeadLetter, list[Entry]]:
        cluster, heads = assign(memory.index, story, fp, now)
        added: list[Entry] = [("head", h) for h in heads]
        if story.item_id:  # a wire item's versions in one cluster (clusterstate.JoinVersionsInState)
            key = item_key((story, cluster))[0]
            before = memory.items.get(key)
            known, story, cluster = join_version(before[0] if before and before[1] > now - self.ttl_s else None,
                                                 story, cluster)
            added.append(("item", key, (known, now)))
        try:
            enriched = self.classify((story, cluster))
        except Exception as exc:  # one bad story must not stop the job: it becomes data
            return dead_letter((story, cluster), "classify", exc), added
        cid = enriched.cluster.id if enriched.cluster else enriched.id
        track = memory.tracks.get(cid)
        track, enriched = traced(enriched, track if track and track.seen > now - self.ttl_s else None, now,
                                 self.policy)
        added.append(("track", cid, track))
        try:
            enriched = self.match(enriched)
        except Exception as exc:
            return dead_letter(enriched, "match", exc), added
        rules = alert_rules(enriched)  # the alerts' rules: a repeat is only counted, so it is never made
        if not rules:
            return StoryAlerts(enriched), added
        cluster_id = enriched.cluster.id if enriched.cluster else enriched.story.id  # online.cluster_key's
        first, sent = memory.sent.get(cluster_id, (0.0, None))
        if sent is None or first <= now - self.ttl_s:  # as SuppressRepeatAlerts' timer left it
            first, sent = now, frozenset(_lookup(warm_sent, cluster_id))
        fresh = fresh_positions(rules, sent.__contains__)
        sent = sent.union(rules[i] for i in fresh)
        added.append(("sent", cluster_id, (first, sent)))
        alerts = tuple(alerts_for(enriched, self.watchlist, fresh)) if fresh else ()
        return StoryAlerts(enriched, alerts, len(rules) - len(fresh)), added


def prepared(item: Story | DeadLetter) -> tuple[str, Any]:
    """A decoded story -> (ONE_KEY, (normalized story, fingerprint)), or its dead letter; a dead letter as it
    is, under the same key so that every outcome leaves through the one step."""
    if isinstance(item, DeadLetter):
        return ONE_KEY, item
    try:
        story = normalize(item)
    except Exception as exc:  # noqa: BLE001 (it becomes data)
        return ONE_KEY, dead_letter(item, "normalize", exc)
    try:
        return ONE_KEY, (story, fingerprint(story))
    except Exception as exc:  # noqa: BLE001
        return ONE_KEY, dead_letter(story, "dedupe", exc)


class EnrichAndAlertInState(beam.DoFn):
    """(ONE_KEY, (story, fingerprint) | DeadLetter) -> StoryAlerts | DeadLetter, in arrival order. Side
    inputs: the dedupe heads, the lineage entries and the alerts sent (cluster id -> rules) before this job."""

    LOG = BagStateSpec("log", PickleCoder())
    GENERATION = ReadModifyWriteStateSpec("generation", PickleCoder())  # (instance, count) of the last writer
    ARMED = ReadModifyWriteStateSpec("armed", VarIntCoder())  # whether a rewrite is due by event time
    COMPACT = TimerSpec("compact", TimeDomain.WATERMARK)

    def __init__(self, watchlist: WatchList, capacity: int, ttl_s: float = TTL_S,
                 policy: SpreadPolicy = DEFAULT_POLICY,
                 classify: Callable[[], Callable[[tuple[Story, Cluster]], EnrichedStory]] | None = None) -> None:
        self.watchlist, self.capacity, self.ttl_s, self.policy = watchlist, capacity, ttl_s, policy
        self.make_classifier = classify or classifier

    def setup(self) -> None:
        self.chain = Chain(self.watchlist, self.policy, self.ttl_s, self.make_classifier())
        self.instance = uuid.uuid4().hex  # generations this instance writes name it: no other can match
        self.count = 0
        self.memory: Memory | None = None
        self.generation: Any = None
        self.start_bundle()

    def start_bundle(self) -> None:
        self.checked = False  # whether this bundle has read the generation (the bundle holds the one key)
        self.armed = False

    def _current(self, log: Any, generation: Any, warm_heads: Any, warm_lineage: Any, now: float) -> Memory:
        """The memory as the state stands, read from the state only when another writer moved it."""
        if self.checked and self.memory is not None:
            return self.memory
        stored = generation.read()
        if stored is None:  # a fresh state: warm it from what was processed before this job
            entries = seeded(() if warm_heads is None else warm_heads,
                             () if warm_lineage is None else warm_lineage, now, self.ttl_s, self.capacity)
            log.clear()
            for entry in entries:
                log.add(entry)
            self.memory = Memory.replayed(entries, self.capacity)
            self._moved(generation)
        elif self.memory is None or stored != self.generation:
            self.memory = Memory.replayed(log.read(), self.capacity)
            self.generation = stored
        self.checked = True
        return self.memory

    def _moved(self, generation: Any) -> None:
        self.count += 1
        self.generation = (self.instance, self.count)
        generation.write(self.generation)

    def process(self, element: tuple[str, Any], warm_heads: Any = (), warm_lineage: Any = (),
                warm_sent: Any = None, timestamp: Timestamp = beam.DoFn.TimestampParam,
                log: Any = beam.DoFn.StateParam(LOG), generation: Any = beam.DoFn.StateParam(GENERATION),
                armed: Any = beam.DoFn.StateParam(ARMED),
                compact: Any = beam.DoFn.TimerParam(COMPACT)) -> Iterator[StoryAlerts | DeadLetter]:
        _, item = element
        if isinstance(item, DeadLetter):
            yield item
            return
        story, fp = item
        now = float(timestamp.micros) / 1e6
        memory = self._current(log, generation, warm_heads, warm_lineage, now)
        try:
            outcome, added = self.chain.run(memory, story, fp, now, warm_sent)
        except Exception:  # the bundle fails with the memory part-way changed: read the state next time
            self.memory = None
            raise
        for entry in added:
            memory.apply(entry)
        if added:
            log.add(added[0] if len(added) == 1 else ("story", added))
        if memory.logged > max(REWRITE_MIN, REWRITE_FACTOR * (len(memory.heads) + len(memory.tracks)
                                                             + len(memory.items) + len(memory.sent))):
            self._rewrite(memory, log, now, heads=False)
        if added:
            self._moved(generation)
        if not self.armed:
            if not armed.read():  # armed by the stream, never by the timer itself: a bounded run ends
                armed.write(1)
                compact.set(timestamp + Duration(seconds=COMPACT_EVERY_S))
            self.armed = True
        yield outcome

    def _rewrite(self, memory: Memory, log: Any, now: float, heads: bool = True) -> None:
        """The log as only what is live. The heads by time to live and capacity only with ``heads`` (the
        hourly compaction, as online.AssignClustersInState makes it); a rewrite for the log's size keeps
        them all and the index as it is."""
        entries = memory.entries(now, self.ttl_s, heads)
        log.clear()
        for entry in entries:
            log.add(entry)
        if heads:
            self.memory = Memory.replayed(entries, self.capacity)
        else:
            memory.tracks, memory.items, memory.sent = {}, {}, {}
            memory.heads, memory.logged = [], 0
            for entry in entries:
                memory.apply(entry)

    @on_timer(COMPACT)
    def compact_log(self, timestamp: Timestamp = beam.DoFn.TimestampParam, log: Any = beam.DoFn.StateParam(LOG),
                    generation: Any = beam.DoFn.StateParam(GENERATION),
                    armed: Any = beam.DoFn.StateParam(ARMED)) -> None:
        """Forget what is past the time to live (and the heads past capacity): an hour of event time after the
        first story since the last compaction."""
        memory = Memory.replayed(log.read(), self.capacity)
        self._rewrite(memory, log, float(timestamp.micros) / 1e6)
        self._moved(generation)
        armed.clear()
        self.armed = False
        self.checked = True
