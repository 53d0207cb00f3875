"""The always-on service as a user runs it: `wirewatch run` / `wirewatch process` as subprocesses on Beam's
Prism runner against the real broker, stopped with SIGTERM and killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import orjson
import pytest
from kafka import KafkaProducer

from wirewatch.connectors.kafka.source import MAX_AHEAD
from wirewatch.connectors.kafka.topics import Publisher, Topics, ensure_topics
from wirewatch.pipelines.ingest import ingest_files
from wirewatch.pipelines.service import update_lag
from wirewatch.pipelines.streaming import RunnerNotFound, prism_binary
from tests.conftest import DATA, ROOT, SEED
from tests.archivekit import archived_ids, archived_once, archived_rows
from tests.kafkakit import free_port, read_all, wait_for

SEED_RULES = {"icbm", "troop-withdrawal", "arms-transfer"}


def prism_or_skip() -> str:
    """Prism's binary; the test is skipped without it, and failed where Kafka tests must run."""
    try:
        return prism_binary()
    except RunnerNotFound as exc:
        if os.environ.get("WIREWATCH_REQUIRE_KAFKA"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="module", autouse=True)
def prism() -> str:
    return prism_or_skip()


def start(*args: str, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("wirewatch")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([str(exe), *args], stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:  # never leave a service running after its test (it would load the rest)
        proc.kill()
        proc.wait()
        raise AssertionError(f"the service did not stop within 60 s of signal {sig}; killed") from None


def alerts(bootstrap: str) -> list[dict]:
    return [orjson.loads(r.value) for r in read_all(bootstrap, Topics.from_env().alerts)]


def lag(bootstrap: str) -> int:
    return sum(update_lag(bootstrap, Topics.from_env()).values())


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_run_alerts_on_the_seed_then_restarts_without_duplicates(fresh_topics, tmp_path):
    archive, log, port = tmp_path / "archive", tmp_path / "service.log", free_port()
    service = start("run", str(SEED), "--archive", str(archive), "--metrics-port", str(port), log=log)
    try:
        first = wait_for(lambda: (a := alerts(fresh_topics)) and SEED_RULES <= {x["rule"] for x in a} and a,
                         timeout=90, what="the seed's alerts")
        assert get(f"http://127.0.0.1:{port}/health") == (200, "pipeline running\n")
        status, text = get(f"http://127.0.0.1:{port}/metrics")
        assert 'wirewatch_alerts_total{rule="icbm"} 1.0' in text
        assert "wirewatch_stage_latency_seconds_count" in text and "wirewatch_consumer_lag" in text
        wait_for(lambda: lag(fresh_topics) == 0, timeout=30, what="offsets committed")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    assert all(a["alerted"] for a in first)
    assert archived_ids(archive) == [first[0]["story_id"]]

    # While the service is down, another outlet's copy of the story arrives.
    with Publisher(fresh_topics) as publisher:
        ingest_files([str(DATA / "seed-reuters-copy.txt")], publisher)
    service = start("process", "--archive", str(archive), "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: lag(fresh_topics) == 0, timeout=90, what="the copy to be processed")
        wait_for(lambda: len(archived_ids(archive)) == 2, timeout=30, what="the copy archived")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    after = alerts(fresh_topics)
    assert sorted(a["id"] for a in after) == sorted(a["id"] for a in first)  # the copy joined the cluster
    assert len({row["cluster"] for row in archived_rows(archive)}) == 1


def test_a_killed_service_loses_nothing_and_duplicates_nothing(fresh_topics, tmp_path):
    ensure_topics(fresh_topics)
    archive, log = tmp_path / "archive", tmp_path / "service.log"
    n = 3000  # enough backlog that the kill lands mid-stream (asserted below)
    bodies = [f"North Korea fired an intercontinental ballistic missile number {i} toward the sea near Japan, "
              f"the {i}th such test this year, officials in Seoul said on day {i}." for i in range(n)]
    src = tmp_path / "stories.jsonl"
    src.write_bytes(b"".join(orjson.dumps({"id": f"s{i}", "body": b}) + b"\n" for i, b in enumerate(bodies)))
    with Publisher(fresh_topics) as publisher:
        ingest_files([str(src)], publisher)
    service = start("process", "--archive", str(archive), "--metrics-port", "0", log=log)
    wait_for(lambda: 0 < lag(fresh_topics) < n, timeout=90, every=0.1, what="the first commits")
    service.kill()  # mid-stream, no clean shutdown: whatever was not committed must be redone, once
    service.wait(timeout=30)
    assert lag(fresh_topics) > 0
    service = start("process", "--archive", str(archive), "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: lag(fresh_topics) == 0, timeout=300, what="every story processed after the restart")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    archived = archived_once(archive)  # and none twice
    assert archived == {f"s{i}" for i in range(n)}
    sent = alerts(fresh_topics)
    assert len(sent) == len({a["id"] for a in sent})  # no alert delivered twice
    assert {a["story_id"] for a in sent} == {f"s{i}" for i in range(n)}  # each story is its own cluster


def test_a_backlog_of_one_timestamp_flows_through_backpressure(fresh_topics, topics, tmp_path):
    """A backlog whose records all carry one Kafka timestamp (a bulk import) gives the source's watermark
    nothing to advance on while it waits for commits, more than MAX_AHEAD records per partition ahead;
    the steps with side inputs (the warm dedupe heads, the alerts sent) must still get to run, or the
    commits never move and the reader waits for ever (seen: a restart that processed nothing)."""
    partitions = ensure_topics(fresh_topics)[topics.stories]
    n = (MAX_AHEAD + 300) * partitions
    when = int(time.time() * 1000) - 60_000
    producer = KafkaProducer(bootstrap_servers=fresh_topics)
    try:
        for i in range(n):
            body = f"Officials in Seoul said a ministry report number {i} on day {i} was published."
            producer.send(topics.stories, key=f"t{i}".encode(), value=orjson.dumps({"id": f"t{i}", "body": body}),
                          partition=i % partitions, timestamp_ms=when)
        producer.flush()
    finally:
        producer.close()
    log = tmp_path / "service.log"
    service = start("process", "--archive", str(tmp_path / "archive"), "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: lag(fresh_topics) == 0, timeout=240, what="the whole one-timestamp backlog committed")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    assert archived_once(tmp_path / "archive") == {f"t{i}" for i in range(n)}


def test_a_second_service_on_the_same_group_refuses_to_start(fresh_topics, topics, tmp_path):
    """Two instances would each read every partition and send every alert twice: the second says so and
    exits 2, the first runs on."""
    ensure_topics(fresh_topics)
    port = free_port()
    first = start("process", "--archive", str(tmp_path / "a"), "--metrics-port", str(port), log=tmp_path / "first.log")
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/health"), timeout=120, what="the first service")
        second = subprocess.run([str(Path(sys.executable).with_name("wirewatch")), "process", "--archive",
                                 str(tmp_path / "b"), "--metrics-port", "0"],
                                capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert second.returncode == 2, second.stderr[-2000:]
        assert f"another wirewatch process is running on consumer group '{topics.group}'" in second.stderr
        assert get(f"http://127.0.0.1:{port}/health") == (200, "pipeline running\n")
    finally:
        assert stop(first) == 0, (tmp_path / "first.log").read_text()[-3000:]


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:  # not listening yet, or not healthy yet (503)
        return False
