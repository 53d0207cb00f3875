"""The streaming job on Apache Flink (pipelines/flink/): a real standalone cluster (scripts/flink, a JobManager
and two TaskManagers) and the real broker. The seed alerts are the Beam replay's golden alerts; a job of
parallelism 2 over 3 partitions loses no story and sends no alert twice when a TaskManager is killed with
kill -9 mid-stream, and its alerts equal the in-process chain's (the Beam replay's, see test_engines.py).

They need Java (Flink runs on it): without it they skip; with it, scripts/test sets the environment up."""

from __future__ import annotations

import json
import os
import shutil
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer

from tests.conftest import ROOT
from tests.kafkakit import free_port, wait_for
from wirewatch.connectors.kafka.topics import Publisher, Topics, ensure_topics, topic_specs
from wirewatch.pipelines.ingest import ingest_files
from wirewatch.pipelines.flink.submit import FlinkJob, cancel, submit
from wirewatch.records import Story
from wirewatch.transforms.enrich import Enricher, enrich_batch

pytestmark = pytest.mark.kafka
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden" / "seeds.alerts.json"


def flink_script(env: dict, *args: str) -> str:
    done = subprocess.run([str(ROOT / "scripts" / "flink"), *args], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A cluster of this module's own on free ports; stopped and purged afterwards."""
    if not shutil.which("java"):
        pytest.skip("no java: Flink runs on the JVM")
    port = free_port()
    state = tmp_path_factory.mktemp("flink")
    env = {**os.environ, "WIREWATCH_FLINK_PORT": str(port), "WIREWATCH_FLINK_STATE": str(state)}
    master = flink_script(env, "up")
    yield master, env, state
    flink_script(env, "down", "--purge")


def read_committed(bootstrap: str, topic: str) -> list[dict]:
    """The records of ``topic`` that committed transactions made visible (what a downstream reader sees)."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             isolation_level="read_committed", enable_auto_commit=False, consumer_timeout_ms=3000)
    try:
        return [orjson.loads(r.value) for r in consumer]
    finally:
        consumer.close()


def run_job(master: str, bootstrap: str, topics: Topics, archive: Path, fused: bool = False, parallelism: int = 2) -> str:
    return submit(FlinkJob(master, bootstrap, topics, archive=str(archive), parallelism=parallelism, fused=fused))


def job_state(master: str, job_id: str) -> dict:
    with urllib.request.urlopen(f"http://{master}/jobs/{job_id}", timeout=5) as r:
        return json.load(r)


def test_the_seed_alerts_are_the_beam_replays(cluster, fresh_topics, topics, tmp_path):
    master, _, _ = cluster
    ensure_topics(fresh_topics, topic_specs(3, topics))
    with Publisher(fresh_topics, topics=topics) as publisher:
        ingest_files([str(p) for p in sorted(SEEDS.iterdir())], publisher)
    golden = json.loads(GOLDEN.read_text())
    done = subprocess.run([str(Path(sys.executable).parent / "wirewatch"), "process", "--engine", "flink",
                           "--flink-master", master, "--bootstrap", fresh_topics, "--archive", str(tmp_path / "archive")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    job = re.search(r"Flink job ([0-9a-f]{32})", done.stdout).group(1)
    try:
        got = wait_for(lambda: (lambda a: a if len(a) >= len(golden) else None)(
            read_committed(fresh_topics, topics.alerts)), 180, what="the seed alerts")
        time.sleep(3)  # nothing more comes
        got = read_committed(fresh_topics, topics.alerts)
        # the cluster's Prometheus endpoints count the stories the last step took in
        assert wait_for(lambda: records_in(master, "Trace__match__archive_and_raise_alerts"), 30,
                        what="the operator's numRecordsIn on a TaskManager's Prometheus endpoint") >= 1
    finally:
        cancel(master, job)
    assert all(a.pop("alerted") for a in got)  # stamped when sent
    assert all(a.pop("published") for a in got)  # the story's Kafka time, which a replay of files has not
    for a in golden:
        a.pop("alerted"), a.pop("published")
    want = {a["id"]: a for a in golden}
    assert sorted(a["id"] for a in got) == sorted(want)
    differ = {(a["id"], k) for a in got for k in set(a) | set(want[a["id"]]) if a.get(k) != want[a["id"]].get(k)}
    assert not differ  # every field the same as the Beam replay's
    assert len(list((tmp_path / "archive").rglob("*.json"))) == 1


def records_in(master: str, operator: str) -> float:
    """``operator``'s numRecordsIn summed over what the cluster's Prometheus endpoints serve (scripts/flink
    gives them the REST port +100 to +110)."""
    port, total = int(master.rsplit(":", 1)[1]), 0.0
    for metrics_port in range(port + 100, port + 111):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            continue
        for line in text.splitlines():
            if (line.startswith("flink_taskmanager_job_task_operator_numRecordsIn{")
                    and f'operator_name="{operator}"' in line):
                total += float(line.rsplit(" ", 1)[1])
    return total


def stories(n: int) -> list[dict]:
    """Alerting stories, every tenth an exact copy of the one five before it (same cluster, no new alert), and
    every fiftieth, from the 48th, a rewritten second version of the wire item twenty before it: a story of
    a cluster of its own that joins its first version's."""
    out = []
    for i in range(n):
        body = (f"North Korea fired an intercontinental ballistic missile number {i} toward the sea, the {i}th "
                f"launch this year, Seoul said on day {i}.")
        record = {"id": f"s{i}", "body": body}
        if i % 10 == 9:
            record["body"] = out[i - 5]["body"]
        if i % 50 == 27:
            record.update(item_id=f"item-{i}", version=1)
        if i % 50 == 47:
            record.update(item_id=f"item-{i - 20}", version=2,
                          body=f"Update {i}: officials in Tokyo and Washington condemned the missile test and "
                               f"called an emergency meeting of the Security Council on day {i}.")
        out.append(record)
    return out


def publish(bootstrap: str, topic: str, records: list[dict], per_s: float) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        for i, record in enumerate(records):
            producer.send(topic, key=record["id"].encode(), value=orjson.dumps(record))
            if i % 10 == 9:
                producer.flush()
                time.sleep(10 / per_s)
        producer.flush()
    finally:
        producer.close()


def taskmanagers(state: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", "taskexecutor"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in out
            if str(state) in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")]


def busy_taskmanager(master: str, state: Path) -> int:
    """The pid of a TaskManager of the cluster with a slot taken (a job of parallelism 1 runs on one of
    them): the REST API names each by its RPC address, and the process listening there is the one."""
    with urllib.request.urlopen(f"http://{master}/taskmanagers", timeout=5) as r:
        busy = [tm for tm in json.load(r)["taskmanagers"] if tm["freeSlots"] < tm["slotsNumber"]]
    port = re.search(r"@[^/:]+:(\d+)/", busy[0]["path"]).group(1)
    listening = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    pid = int(re.search(r"pid=(\d+)", listening).group(1))
    assert pid in taskmanagers(state)
    return pid


@pytest.mark.parametrize("fused, parallelism", [(False, 2), (True, 2), (True, 1)],
                         ids=["split", "fused", "one step"])  # --fused at parallelism 1: PrepareAndAlert
def test_a_taskmanager_killed_mid_stream_loses_nothing_and_sends_nothing_twice(cluster, fresh_topics, topics,
                                                                               tmp_path, fused, parallelism):
    master, env, state = cluster
    n = 600
    records = stories(n)
    archive = tmp_path / "archive"
    job = run_job(master, fresh_topics, topics, archive, fused, parallelism)
    feeder = threading.Thread(target=publish, args=(fresh_topics, topics.stories, records, 40.0))
    try:
        feeder.start()
        wait_for(lambda: len(list(archive.rglob("*.json"))) >= 60, 180, what="the job under way")
        victim = busy_taskmanager(master, state)
        os.kill(victim, signal.SIGKILL)
        archived_at_kill = len(list(archive.rglob("*.json")))
        feeder.join()
        assert archived_at_kill < n  # the kill landed mid-stream
        wait_for(lambda: len(list(archive.rglob("*.json"))) >= n, 300, what="every story archived")
        restarted = job_state(master, job)
        want = expected_alerts(records)
        wait_for(lambda: len(read_committed(fresh_topics, topics.alerts)) >= len(want), 120, what="the alerts")
        time.sleep(3)
        sent = read_committed(fresh_topics, topics.alerts)
    finally:
        cancel(master, job)
        flink_script(env, "add-taskmanager")  # back to two for whatever runs next
    archived = {orjson.loads(p.read_bytes())["id"] for p in archive.rglob("*.json")}
    assert archived == {r["id"] for r in records}
    ids = Counter(a["id"] for a in sent)
    assert max(ids.values()) == 1  # no alert twice
    members = cluster_members(records)
    assert Counter((a["rule"], members[a["story_id"]]) for a in sent) == want
    assert restarted["state"] == "RUNNING"
    assert read_committed(fresh_topics, topics.deadletter) == []


def cluster_members(records: list[dict]) -> dict[str, frozenset]:
    """Story id -> the ids of its cluster, as the in-process chain (the Beam replay's) clusters them."""
    enriched, _ = enrich_batch([Story.from_dict(r) for r in records], Enricher.create())
    groups: dict[str, set] = {}
    for e in enriched:
        groups.setdefault(e.cluster.id, set()).add(e.id)
    return {sid: frozenset(g) for g in groups.values() for sid in g}


def expected_alerts(records: list[dict]) -> Counter:
    """(rule, cluster members) of the in-process chain's alerts: which story of a cluster raises it may
    differ with arrival order, what is alerted and for which stories may not."""
    _, alerts = enrich_batch([Story.from_dict(r) for r in records], Enricher.create())
    members = cluster_members(records)
    return Counter((a.rule, members[a.story_id]) for a in alerts)
