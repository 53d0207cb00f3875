"""The always-on chain as an Apache Flink streaming job (PyFlink): the same pure functions and records as the
Beam pipeline, with Flink's keyed state, checkpoints and Kafka connector around them. Wiring only.

    stories topic (Table API Kafka source: key, value, partition, offset, timestamp)
      -> decode, normalize, fingerprint, find the countries   parallel, stateless; the words made once
         and regions, and match the rules unless one tests
         spread (steps.read_alone)
      -> assign clusters in arrival order, and join a wire     one key: the heads (list state) and a cached
         item's versions (a later version joins its first's    index; map state item -> its cluster and last
         cluster)                                               version (time to live)
      -> the enriched story (countries, regions, cluster)     parallel, stateless
      -> keyed by cluster: its lineage and spread so far      value state: the cluster's track
         (so rules may test spread), match the rules if not yet, archive one file per position (a restore rewrites the
         same files), raise the alerts and keep the first per rule (map state rule -> alert id, time to live)
      -> alerts topic (key = alert id, Kafka transactions committed with each checkpoint: exactly once)
    dead letters of every stage -> dead-letter topic (at least once; key = origin)

With ``--fused`` the per-cluster steps run inside the one-key step (AssignAndAlert), their states as map
states by cluster id, and the archive files are written behind it (pipelines/flink/archive.py); at
parallelism 1 the first step joins it too (PrepareAndAlert), so a story crosses into Python once.

State lives in RocksDB with incremental checkpoints: a checkpoint uploads what changed, not every head.

Run by ``wirewatch process --engine flink`` (pipelines/flink/submit.py) through Flink's ``flink run``, in
PyFlink's own environment (scripts/flink setup): PyFlink 2.3 needs apache-beam <= 2.61. Workers import
wirewatch from what the submission ships; everything here is imported inside ``open()`` so that only these
small objects (and the watch list) are pickled on the client.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
from datetime import datetime, timezone
from typing import Any, Iterator

from pyflink.common import Row, Types
from pyflink.common.serialization import SimpleStringSchema
from pyflink.common.time import Time
from pyflink.datastream import KeyedProcessFunction, OutputTag, ProcessFunction, RuntimeContext
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.connectors.base import DeliveryGuarantee
from pyflink.datastream.connectors.kafka import KafkaRecordSerializationSchema, KafkaSink
from pyflink.datastream.state import ListStateDescriptor, MapStateDescriptor, StateTtlConfig
from pyflink.datastream.state import ValueStateDescriptor
from pyflink.table import StreamTableEnvironment

DEAD = OutputTag("dead", Types.STRING())
ONE_KEY = "clusters"
COMPACT_EVERY_S = 3600


def _ttl(hours: float) -> StateTtlConfig:
    """Flink's state time to live (processing time). Explicit incremental clean-up: the default background
    clean-up builds a Duration through py4j, which fails inside thread-mode workers."""
    return (StateTtlConfig.new_builder(Time.milliseconds(int(hours * 3_600_000)))
            .update_ttl_on_create_and_write()
            .set_state_visibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .cleanup_incrementally(10, False).disable_cleanup_in_background().build())


def _dead_json(element: Any, stage: str, exc: Exception) -> str:
    """The dead letter the Beam step would write for ``stage`` failing on ``element`` (transforms/steps.py)."""
    from wirewatch.records import dumps
    from wirewatch.transforms.steps import dead_letter

    return dumps(dead_letter(element, stage, exc)).decode()


def _epoch_ms(ts: Any) -> int:
    """A TIMESTAMP_LTZ column: pyflink's Instant in process mode, a wrapped java.time.Instant in thread mode."""
    if ts is None:
        return -1
    return ts.to_epoch_milli() if hasattr(ts, "to_epoch_milli") else int(ts.toEpochMilli())


class Prepare(ProcessFunction):
    """Row(k, v, partition, offset, ts) -> (story, fingerprint, event time s, places, matches): normalized,
    fingerprinted, placed and (when no rule tests spread) matched in one go, the story's words made once
    (``steps.read_alone``, the bounded chain's step), all before the one-key step; bad input -> dead letter."""

    def __init__(self, topic: str, watchlist: bytes) -> None:
        self.topic, self.watchlist = topic, watchlist

    def open(self, ctx: RuntimeContext) -> None:
        from wirewatch.connectors.kafka.source import KafkaRecord, decode_record
        from wirewatch.records import DeadLetter, dumps
        from wirewatch.transforms.steps import matched_alone, read_alone

        rules = pickle.loads(self.watchlist)
        self.KafkaRecord, self.decode = KafkaRecord, decode_record
        self.DeadLetter, self.dumps = DeadLetter, dumps
        self.read = read_alone(watchlist=rules if matched_alone(rules) else None)

    def process_element(self, row: Row, ctx: Any) -> Iterator[Any]:
        ms = _epoch_ms(row["ts"])
        record = self.KafkaRecord(self.topic, row["partition"], row["offset"], None, row["v"], ms)
        story = self.decode(record)
        read = story if isinstance(story, self.DeadLetter) else self.read(story)
        if isinstance(read, self.DeadLetter):
            yield DEAD, self.dumps(read).decode()
            return
        story, printed, found, matches = read
        yield story, printed, ms / 1000, found, matches


class AssignClusters(KeyedProcessFunction):
    """One key: every story meets every earlier head, then a wire item's later version joins its first
    version's cluster. The heads and the items are Flink state (restored with the checkpoint); the index
    built from the heads is this instance's cache, rebuilt after a restore. The versions are joined here, not
    in a step keyed by item, because every story passes this one key anyway: a step of their own would cost
    each story another shuffle and another pass through Python."""

    def __init__(self, capacity: int, ttl_s: float) -> None:
        self.capacity, self.ttl_s = capacity, ttl_s

    def open(self, ctx: RuntimeContext) -> None:
        from wirewatch.transforms import online
        from wirewatch.transforms.clusterstate import item_key
        from wirewatch.transforms.lineage import join_version

        self.online, self.item_key, self.join = online, item_key, join_version
        self.heads = ctx.get_list_state(ListStateDescriptor("heads", Types.PICKLED_BYTE_ARRAY()))
        self.compacted = ctx.get_state(ValueStateDescriptor("compacted", Types.DOUBLE()))
        items = MapStateDescriptor("items", Types.STRING(), Types.PICKLED_BYTE_ARRAY())
        items.enable_time_to_live(_ttl(self.ttl_s / 3600))
        self.items = ctx.get_map_state(items)
        self.index = None
        self.last = None  # the compaction time the state holds; only this instance writes it (one key)

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        story, fp, seen, found, matches = value
        if self.index is None:
            self.index = self.online.rebuild(list(self.heads.get() or ()), self.capacity)
            self.last = self.compacted.value()
        if self.last is None:
            self.last = seen
            self.compacted.update(seen)
        elif seen - self.last > COMPACT_EVERY_S:  # forget heads past the time to live, in event time
            kept = self.online.live(list(self.heads.get() or ()), seen, self.ttl_s, self.capacity)
            self.heads.update(kept)
            self.index = self.online.rebuild(kept, self.capacity)
            self.last = seen
            self.compacted.update(seen)
        cluster, added = self.online.assign(self.index, story, fp, seen)  # the Beam step's own rule
        for head in added:
            self.heads.add(head)
        if story.item_id:  # the Beam chain's JoinVersions, its state keyed the same way
            item = self.item_key((story, cluster))[0]
            known, story, cluster = self.join(self.items.get(item), story, cluster)
            self.items.put(item, known)
        yield story, cluster, seen, found, matches


class Place(ProcessFunction):
    """(story, cluster, seen, places, matches) -> (EnrichedStory with countries and regions, seen, matches);
    places that failed -> the dead letter ClassifyRegions would write, naming the story as joined."""

    def open(self, ctx: RuntimeContext) -> None:
        from wirewatch.records import EnrichedStory, dumps
        from wirewatch.transforms.steps import Failed, failed_letter

        self.EnrichedStory, self.Failed, self.failed_letter, self.dumps = EnrichedStory, Failed, failed_letter, dumps

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        story, cluster, seen, found, matches = value
        if isinstance(found, self.Failed):
            yield DEAD, self.dumps(self.failed_letter((story, cluster), "classify", found)).decode()
            return
        yield self.EnrichedStory(story, *found, (), cluster), seen, matches


class AlertPerCluster(KeyedProcessFunction):
    """Keyed by cluster: the cluster's lineage and spread so far (value state), then the rules (which may
    test spread), the archive file, and the story's alerts less those the cluster raised before (map state
    rule -> alert id): the Beam chain's TraceLineage, MatchRules, ArchiveStories and SuppressRepeats. The
    archive files are written behind the step (pipelines/flink/archive.py KeyedWriteBehind): each stays in
    its cluster's list state until a thread has written and synced it, so a checkpoint holds every file the
    disk may not have yet. ``behind=False`` leaves the files to ``keep`` (the fused step sets its own)."""

    def __init__(self, watchlist: bytes, archive: str, ttl_s: float, behind: bool = True) -> None:
        self.watchlist, self.archive, self.ttl_s, self.write_behind = watchlist, archive, ttl_s, behind

    def open(self, ctx: RuntimeContext) -> None:
        from pathlib import Path

        from wirewatch.connectors.sinks.archive import archive_path
        from wirewatch.connectors.sinks.files import write_unsynced
        from wirewatch.records import dumps
        from wirewatch.transforms.alerts import alert_rules, alerts_for, fresh_positions
        from wirewatch.transforms.spread import traced
        from wirewatch.transforms.steps import Failed, failed_letter, rule_matcher

        self.rules = pickle.loads(self.watchlist)
        self.match, self.alerts_for, self.traced = rule_matcher(self.rules), alerts_for, traced
        self.alert_rules, self.fresh_positions = alert_rules, fresh_positions
        self.Failed, self.failed_letter = Failed, failed_letter
        self.root = Path(self.archive) if self.archive else None
        self.path_of, self.keep, self.dumps = archive_path, write_unsynced, dumps
        ttl = _ttl(self.ttl_s / 3600)
        track = ValueStateDescriptor("track", Types.PICKLED_BYTE_ARRAY())
        track.enable_time_to_live(ttl)
        sent = MapStateDescriptor("sent", Types.STRING(), Types.STRING())
        sent.enable_time_to_live(ttl)
        self.track, self.sent = ctx.get_state(track), ctx.get_map_state(sent)
        self.behind = None
        if self.root is not None and self.write_behind:
            from wirewatch.pipelines.flink.archive import KeyedWriteBehind

            unwritten = ctx.get_list_state(ListStateDescriptor("unarchived", Types.PICKLED_BYTE_ARRAY()))
            self.behind = KeyedWriteBehind(self.root, unwritten)

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        enriched, seen, matches = value
        key = enriched.cluster.id  # the step's key (build: key_by)
        try:
            state, enriched = self.traced(enriched, self.track.value(), seen)
            if isinstance(matches, self.Failed):  # matched before the cluster was known, and that failed:
                self.track.update(state)  # the story still counts in its cluster, as in the Beam chain
                yield DEAD, self.dumps(self.failed_letter(enriched, "match", matches)).decode()
                return
            enriched = self.match(enriched) if matches is None else dataclasses.replace(enriched, matches=matches)
            fresh = self.fresh_positions(self.alert_rules(enriched), self.sent.contains)  # repeats: never made
            alerts = self.alerts_for(enriched, self.rules, fresh) if fresh else ()
            data = self.dumps(enriched) + b"\n"
        except Exception as exc:  # noqa: BLE001
            yield DEAD, _dead_json(enriched, "match", exc)
            return
        self.track.update(state)
        if self.behind is not None:
            self.behind.add(key, self.path_of(self.root, enriched), data, ctx.timer_service())
        elif self.root is not None:
            self.keep(self.path_of(self.root, enriched), data)
        alerted = datetime.now(timezone.utc)  # the "alerted" stamp, at the edge
        for alert in alerts:
            self.sent.put(alert.rule, alert.id)
            yield Row(alert.id, self.dumps(dataclasses.replace(alert, alerted=alerted)).decode())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator[Any]:
        if self.behind is not None:
            self.behind.on_timer(ctx.get_current_key(), ctx.timer_service())
        yield from ()

    def close(self) -> None:
        if self.behind is not None:
            self.behind.close()


class _ClusterValue:
    """The value state of the current cluster, as an entry of a map state by cluster id."""

    def __init__(self, by_cluster: Any) -> None:
        self.by_cluster, self.cluster = by_cluster, ""

    def value(self) -> Any:
        return self.by_cluster.get(self.cluster)

    def update(self, value: Any) -> None:
        self.by_cluster.put(self.cluster, value)


class _ClusterMap(_ClusterValue):
    """The map state of the current cluster, as the entries "cluster NUL key" of one map state."""

    def contains(self, key: str) -> bool:
        return self.by_cluster.contains(f"{self.cluster}\0{key}")

    def put(self, key: str, value: Any) -> None:
        self.by_cluster.put(f"{self.cluster}\0{key}", value)


class _ByCluster:
    """A RuntimeContext for AlertPerCluster inside the one-key step: its per-cluster states become map states
    by cluster id of that one key, with the same time to live; ``at`` moves them to a story's cluster."""

    def __init__(self, ctx: RuntimeContext, ttl_s: float) -> None:
        self.ctx, self.ttl_s, self.views = ctx, ttl_s, []

    def _by_cluster(self, desc: Any) -> Any:
        mapped = MapStateDescriptor(f"{desc.name}-by-cluster", Types.STRING(), Types.PICKLED_BYTE_ARRAY())
        mapped.enable_time_to_live(_ttl(self.ttl_s / 3600))
        return self.ctx.get_map_state(mapped)

    def get_state(self, desc: ValueStateDescriptor) -> _ClusterValue:
        self.views.append(_ClusterValue(self._by_cluster(desc)))
        return self.views[-1]

    def get_map_state(self, desc: MapStateDescriptor) -> _ClusterMap:
        self.views.append(_ClusterMap(self._by_cluster(desc)))
        return self.views[-1]

    def at(self, cluster: str) -> None:
        for view in self.views:
            view.cluster = cluster


class AssignAndAlert(KeyedProcessFunction):
    """AssignClusters, Place and AlertPerCluster in the one-key step (``--fused``): a story crosses into
    Python twice instead of three times, with one shuffle and one pickling fewer, and each cluster's track
    and sent alerts are map states by cluster id. Less CPU a story, but the per-cluster work then runs on
    the one subtask that holds the key instead of N-wide. The archive files are written behind the step
    (pipelines/flink/archive.py): a thread writes and syncs them in batches, and each stays in the state
    until it is durable. The state's layout differs from the split job's: a savepoint of one restores only
    into the same layout."""

    def __init__(self, capacity: int, ttl_s: float, watchlist: bytes, archive: str) -> None:
        self.assign, self.place = AssignClusters(capacity, ttl_s), Place()
        self.alert, self.ttl_s = AlertPerCluster(watchlist, archive, ttl_s, behind=False), ttl_s

    def open(self, ctx: RuntimeContext) -> None:
        self.assign.open(ctx)
        self.place.open(ctx)
        self.by_cluster = _ByCluster(ctx, self.ttl_s)
        self.alert.open(self.by_cluster)
        self.behind = None
        if self.alert.root is not None:
            from wirewatch.pipelines.flink.archive import WriteBehind

            unwritten = ctx.get_list_state(ListStateDescriptor("unarchived", Types.PICKLED_BYTE_ARRAY()))
            self.behind = WriteBehind(self.alert.root, unwritten)
            self.alert.keep = self.behind.add

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        for clustered in self.assign.process_element(value, ctx):
            for placed in self.place.process_element(clustered, ctx):
                if placed[0] is DEAD:
                    yield placed
                    continue
                self.by_cluster.at(placed[0].cluster.id)
                yield from self.alert.process_element(placed, ctx)
        if self.behind is not None:
            self.behind.arm(ctx.timer_service())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator[Any]:
        if self.behind is not None:
            self.behind.flush()
            self.behind.arm(ctx.timer_service())
        yield from ()

    def close(self) -> None:
        if self.behind is not None:
            self.behind.close()


class PrepareAndAlert(KeyedProcessFunction):
    """Prepare and AssignAndAlert as one step on the Kafka rows keyed by the one key: the layout ``--fused``
    takes at parallelism 1, where every Python step shares the TaskManager's one interpreter anyway. A story
    then crosses into Python once, and its prepared record is neither pickled nor shuffled. The one-key
    step's state is AssignAndAlert's (the same uid), so a savepoint moves between parallelism 1 and 2."""

    def __init__(self, topic: str, capacity: int, ttl_s: float, watchlist: bytes, archive: str) -> None:
        self.prepare, self.fused = Prepare(topic, watchlist), AssignAndAlert(capacity, ttl_s, watchlist, archive)

    def open(self, ctx: RuntimeContext) -> None:
        self.prepare.open(ctx)
        self.fused.open(ctx)

    def process_element(self, row: Row, ctx: Any) -> Iterator[Any]:
        for prepared in self.prepare.process_element(row, ctx):
            if prepared[0] is DEAD:
                yield prepared
            else:
                yield from self.fused.process_element(prepared, ctx)

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator[Any]:
        return self.fused.on_timer(timestamp, ctx)

    def close(self) -> None:
        self.fused.close()


def build(env: StreamExecutionEnvironment, a: argparse.Namespace, watchlist: bytes) -> None:
    t_env = StreamTableEnvironment.create(env)
    kafka = f"'properties.bootstrap.servers' = '{a.bootstrap}'"
    t_env.execute_sql(f"""
        CREATE TABLE stories_in (
          k STRING, v BYTES,
          `partition` INT METADATA VIRTUAL,
          `offset` BIGINT METADATA VIRTUAL,
          ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL
        ) WITH (
          'connector' = 'kafka', 'topic' = '{a.stories}', {kafka},
          'properties.group.id' = '{a.group}', 'properties.isolation.level' = 'read_committed',
          'scan.startup.mode' = 'group-offsets', 'properties.auto.offset.reset' = 'earliest',
          'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY'
        )""")
    t_env.execute_sql(f"""
        CREATE TABLE alerts_out (k STRING, v STRING) WITH (
          'connector' = 'kafka', 'topic' = '{a.alerts}', {kafka},
          'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
          'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{a.group}-alerts',
          'properties.transaction.timeout.ms' = '600000',
          'properties.linger.ms' = '{a.alerts_linger_ms}', 'properties.batch.size' = '262144'
        )""")
    pickled = Types.PICKLED_BYTE_ARRAY()
    ttl_s = a.ttl_hours * 3600
    rows = t_env.to_data_stream(t_env.from_path("stories_in"))
    alert_rows = Types.ROW_NAMED(["k", "v"], [Types.STRING(), Types.STRING()])
    if a.fused and a.parallelism == 1:
        firsts = (rows.key_by(lambda _: ONE_KEY, key_type=Types.STRING())
                  .process(PrepareAndAlert(a.stories, a.capacity, ttl_s, watchlist, a.archive), output_type=alert_rows)
                  .name("Normalize, assign clusters, trace, match, archive and raise alerts").uid("assign-and-alert"))
        publish(t_env, a, firsts, firsts.get_side_output(DEAD))
        return
    prepared = rows.process(Prepare(a.stories, watchlist), output_type=pickled).name("Normalize and fingerprint").uid("prepare")
    one_key = prepared.key_by(lambda _: ONE_KEY, key_type=Types.STRING())
    if a.fused:
        firsts = (one_key.process(AssignAndAlert(a.capacity, ttl_s, watchlist, a.archive), output_type=alert_rows)
                  .name("Assign clusters, trace, match, archive and raise alerts").uid("assign-and-alert"))
        dead = prepared.get_side_output(DEAD).union(firsts.get_side_output(DEAD))
    else:
        clustered = (one_key.process(AssignClusters(a.capacity, ttl_s), output_type=pickled)
                     .name("Assign clusters and join versions").uid("assign-clusters"))
        classified = clustered.process(Place(), output_type=pickled).name("Classify regions").uid("classify")
        firsts = (classified.key_by(lambda v: v[0].cluster.id, key_type=Types.STRING())
                  .process(AlertPerCluster(watchlist, a.archive, ttl_s), output_type=alert_rows)
                  .name("Trace, match, archive and raise alerts").uid("alert-per-cluster"))
        dead = prepared.get_side_output(DEAD).union(classified.get_side_output(DEAD), firsts.get_side_output(DEAD))
    publish(t_env, a, firsts, dead)


def publish(t_env: StreamTableEnvironment, a: argparse.Namespace, firsts: Any, dead: Any) -> None:
    """The alerts to their topic (exactly once, through the table sink) and the dead letters to theirs."""
    dead.sink_to(
        KafkaSink.builder().set_bootstrap_servers(a.bootstrap)
        .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic(a.deadletter)
                               .set_value_serialization_schema(SimpleStringSchema()).build())
        .set_delivery_guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build()).name("Publish dead letters").uid("dead")
    statements = t_env.create_statement_set()
    statements.add_insert("alerts_out", t_env.from_data_stream(firsts))
    statements.attach_as_datastream()


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="wirewatch-flink-job")
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--stories", required=True)
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--deadletter", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--rules", action="append", metavar="FILE", help="watch list YAML (default: the built-in list)")
    ap.add_argument("--archive", default="")
    ap.add_argument("--parallelism", type=int, default=2)
    ap.add_argument("--checkpoint-ms", type=int, default=500)
    ap.add_argument("--capacity", type=int, default=100_000)
    ap.add_argument("--ttl-hours", type=float, default=72.0)
    ap.add_argument("--name", default="wirewatch")
    ap.add_argument("--state-backend", choices=("rocksdb", "hashmap"), default="rocksdb")
    # The alerts are visible when the checkpoint after them commits, and the sink flushes its producer then:
    # lingering (up to the checkpoint interval) costs no visible latency, and batches the sends, which at the
    # client's default (5 ms) went nearly one request each.
    ap.add_argument("--alerts-linger-ms", type=int, default=100)
    ap.add_argument("--fused", action="store_true",
                    help="the per-cluster steps inside the one-key step (AssignAndAlert): less CPU a story, "
                         "but not N-wide; at parallelism 1 the normalizing step too (PrepareAndAlert)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    a = arguments(argv)
    from pyflink.common import Configuration

    config = Configuration()
    if a.state_backend == "rocksdb":  # state on local disk; each checkpoint uploads only what changed
        config.set_string("state.backend.type", "rocksdb")
        config.set_string("execution.checkpointing.incremental", "true")
    env = StreamExecutionEnvironment.get_execution_environment(config)
    env.set_parallelism(a.parallelism)
    env.enable_checkpointing(a.checkpoint_ms)
    from wirewatch.transforms.rules import default_watchlist, load_watchlist_files

    watchlist = load_watchlist_files(a.rules) if a.rules else default_watchlist()
    build(env, a, pickle.dumps(watchlist))
    env.execute(a.name)


if __name__ == "__main__":
    main()
