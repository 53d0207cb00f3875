"""Run by test_job_steps.py with PyFlink's Python (no cluster, no JVM): the Flink job's functions called
directly on the records given as JSON on stdin, with plain dicts standing in for Flink's keyed state. Prints
what each call yields, as JSON: ["dead", letter] for the dead-letter side output, ["out", ...] otherwise."""

from __future__ import annotations

import json
import pickle
import sys
from typing import Any

from pyflink.common import Row

from flinkstate import ListState, Timers  # (this script's sibling: its folder is first on sys.path)

from wirewatch.pipelines.flink.job import (DEAD, AlertPerCluster, AssignAndAlert, AssignClusters, Place, Prepare,
                                           PrepareAndAlert)
from wirewatch.records import Cluster, Story, dumps
from wirewatch.transforms.rules import default_watchlist
from wirewatch.transforms.steps import Failed


class Value:
    def __init__(self) -> None:
        self.held: Any = None

    def value(self) -> Any:
        return self.held

    def update(self, value: Any) -> None:
        self.held = value


class Map(dict):
    def contains(self, key: str) -> bool:
        return key in self

    def put(self, key: str, value: Any) -> None:
        self[key] = value


class Context:
    """The RuntimeContext of one key: the states the functions ask for, by name."""

    def __init__(self) -> None:
        self.states: dict[str, Any] = {}

    def get_state(self, desc: Any) -> Value:
        return self.states.setdefault(desc.name, Value())

    def get_map_state(self, desc: Any) -> Map:
        return self.states.setdefault(desc.name, Map())

    def get_list_state(self, desc: Any) -> ListState:
        return self.states.setdefault(desc.name, ListState())


class StepContext:
    """A keyed step's context in process_element and on_timer: its key and its timer service."""

    def __init__(self, key: str) -> None:
        self.key, self.timers = key, Timers()

    def get_current_key(self) -> str:
        return self.key

    def timer_service(self) -> Timers:
        return self.timers


class Instant:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def to_epoch_milli(self) -> int:
        return self.ms


def shown(item: Any) -> list:
    if isinstance(item, tuple) and item and item[0] is DEAD:
        return ["dead", json.loads(item[1])]
    if isinstance(item, Row):
        return ["alert", json.loads(item[1])]
    return ["out", [json.loads(dumps(x)) if hasattr(x, "to_dict") else repr(x) for x in item]]


def main() -> None:
    case = json.load(sys.stdin)
    watchlist = pickle.dumps(default_watchlist())
    out: dict[str, Any] = {}
    prepare = Prepare("stories", watchlist)
    prepare.open(None)
    out["prepare"] = [shown(x) for value in case["values"]
                      for x in prepare.process_element(Row(k=None, v=value.encode(), partition=0, offset=7,
                                                           ts=Instant(1_700_000_000_000)), None)]
    story, cluster = Story.from_dict(case["story"]), Cluster(case["cluster"])
    place = Place()
    place.open(None)
    out["place"] = [shown(x) for x in place.process_element((story, cluster, 1.0, Failed("ValueError: boom"), None),
                                                            None)]
    enriched = [x for x in place.process_element((story, cluster, 1.0, ((), ()), None), None)][0][0]
    ctx = Context()
    alerting = AlertPerCluster(watchlist, case["archive"], 3600.0)
    alerting.open(ctx)
    out["failed_match"] = [shown(x) for x in alerting.process_element((enriched, 1.0, Failed("KeyError: x")), None)]
    out["track_after_failure"] = ctx.states["track"].value() is not None
    step = StepContext(enriched.cluster.id)
    out["first"] = [shown(x) for x in alerting.process_element((enriched, 2.0, None), step)]
    out["again"] = [shown(x) for x in alerting.process_element((enriched, 3.0, None), step)]
    out["unarchived_before_timer"] = len(ctx.states["unarchived"])  # the archive's file, held until durable
    out["timers"] = step.timers.registered
    alerting.behind.drain()
    list(alerting.on_timer(step.timers.registered[-1], step))
    out["unarchived_after_timer"] = len(ctx.states["unarchived"])
    alerting.close()
    out["split"], out["clusters"], out["fused"], out["fused_states"] = split_and_fused(prepare, watchlist, case)
    out["one_step"], out["one_step_states"] = one_step(watchlist, case)
    print(json.dumps(out))


def split_and_fused(prepare: Prepare, watchlist: bytes, case: dict) -> tuple[list, list, list, dict]:
    """The stories of case["stream"] through the split steps (AssignClusters, Place, then AlertPerCluster with
    a state of its own per cluster) and through AssignAndAlert (one key): what each yields per story, the
    stories' clusters, and the fused step's map states' keys."""
    prepared = [x for i, value in enumerate(case["stream"])
                for x in prepare.process_element(Row(k=None, v=value.encode(), partition=0, offset=i,
                                                     ts=Instant(1_700_000_000_000 + i)), None)]
    assign, place = AssignClusters(100_000, 3600.0), Place()
    assign.open(Context())
    place.open(None)
    per_cluster: dict[str, AlertPerCluster] = {}
    split, clusters = [], []
    for value in prepared:
        [clustered] = assign.process_element(value, None)
        [placed] = place.process_element(clustered, None)
        cluster = placed[0].cluster.id
        clusters.append(cluster)
        if cluster not in per_cluster:
            per_cluster[cluster] = AlertPerCluster(watchlist, "", 3600.0)
            per_cluster[cluster].open(Context())
        split.append([shown(x) for x in per_cluster[cluster].process_element(placed, None)])
    ctx = Context()
    fused = AssignAndAlert(100_000, 3600.0, watchlist, "")
    fused.open(ctx)
    out = [[shown(x) for x in fused.process_element(value, None)] for value in prepared]
    return split, clusters, out, {name: sorted(state) for name, state in ctx.states.items() if isinstance(state, dict)}


def one_step(watchlist: bytes, case: dict) -> tuple[list, dict]:
    """A value that is not a story, then the stories of case["stream"], through PrepareAndAlert (the Kafka
    rows keyed by the one key): what each yields, and its map states' keys."""
    ctx = Context()
    step = PrepareAndAlert("stories", 100_000, 3600.0, watchlist, "")
    step.open(ctx)
    rows = [Row(k=None, v=b"not a story", partition=1, offset=0, ts=Instant(1_700_000_000_000))]
    rows += [Row(k=None, v=value.encode(), partition=0, offset=i, ts=Instant(1_700_000_000_000 + i))
             for i, value in enumerate(case["stream"])]  # as split_and_fused prepares them
    out = [[shown(x) for x in step.process_element(row, None)] for row in rows]
    return out, {name: sorted(state) for name, state in ctx.states.items() if isinstance(state, dict)}


if __name__ == "__main__":
    main()
