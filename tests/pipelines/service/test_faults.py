"""Faults that clear, with work in flight: the broker killed with SIGKILL and restarted a minute later, and
the archive's disk full for half a minute. The service stays up through both, says so on /health, and
ends with every story archived and every alert sent exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import orjson
import pytest

from kafka import KafkaConsumer, TopicPartition

from wirewatch.connectors.kafka.topics import Publisher, Topics, ensure_topics
from wirewatch.pipelines.ingest import ingest_files
from tests.conftest import ROOT
from tests.archivekit import archived_once
from tests.kafkakit import free_port, read_all, wait_for
from tests.pipelines.service.test_service import alerts, get, lag, start, stop

N = 3000  # enough backlog that each fault lands mid-stream (asserted): more than the readers run ahead


def backlog(tmp_path: Path, n: int = N) -> Path:
    src = tmp_path / "stories.jsonl"
    src.write_bytes(b"".join(
        orjson.dumps({"id": f"s{i}", "body": f"North Korea fired an intercontinental ballistic missile number {i} "
                                             f"toward the sea, the {i}th launch this year, Seoul said on day {i}."})
        + b"\n" for i in range(n)))
    return src


def check_exactly_once(bootstrap: str, archive: Path, n: int = N) -> None:
    archived = archived_once(archive)  # and none twice
    assert archived == {f"s{i}" for i in range(n)}
    sent = alerts(bootstrap)
    assert len(sent) == len({a["id"] for a in sent})  # no alert delivered twice
    assert {a["story_id"] for a in sent if a["rule"] == "icbm"} == {f"s{i}" for i in range(n)}


def kafka_script(port: int, *args: str) -> str:
    env = {**os.environ, "WIREWATCH_KAFKA_PORT": str(port), "WIREWATCH_KAFKA_TIMEOUT": "120"}
    done = subprocess.run([str(ROOT / "scripts" / "kafka"), *args], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture
def own_broker(bootstrap, topics):
    """A broker of this test's own (it is killed), on a free port pair; stopped and purged afterwards."""
    port = free_port()
    while True:
        try:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            break
        except OSError:
            port = free_port()
    address = kafka_script(port, "up")
    yield port, address
    kafka_script(port, "down", "--purge")


def broker_pid(port: int) -> int:
    cache = Path(os.environ.get("WIREWATCH_CACHE", ROOT / ".cache"))
    return int((cache / "kafka" / f"kafka-data-{port}" / "kafka.pid").read_text())


def test_broker_killed_and_down_a_minute_with_work_in_flight(own_broker, tmp_path):
    port, bootstrap = own_broker
    ensure_topics(bootstrap)
    archive, log, metrics_port = tmp_path / "archive", tmp_path / "service.log", free_port()
    with Publisher(bootstrap) as publisher:
        ingest_files([str(backlog(tmp_path))], publisher)
    service = start("process", "--bootstrap", bootstrap, "--archive", str(archive),
                    "--metrics-port", str(metrics_port), log=log)
    try:
        wait_for(lambda: 0 < lag(bootstrap) < N - 100, timeout=120, every=0.1, what="the first commits")
        os.kill(broker_pid(port), signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: "retrying kafka" in health(metrics_port), timeout=60, what="/health to report the outage")
        time.sleep(max(0.0, 60 - (time.monotonic() - killed)))
        assert service.poll() is None, log.read_text()[-3000:]
        kafka_script(port, "up")
        wait_for(lambda: lag(bootstrap) == 0, timeout=240, what="every story processed after the restart")
        # a step that failed again as the broker came back waits out its backoff (capped at 30 s, +-20%)
        # before it tries again and lets go of the fault
        recovered(metrics_port, log, timeout=120)
        assert service.poll() is None
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    check_exactly_once(bootstrap, archive)
    text = log.read_text()
    assert '"msg":"fault: retrying until it clears"' in text and '"msg":"fault cleared"' in text


def test_an_idle_service_reports_the_broker_away_and_back(own_broker, tmp_path):
    """Nothing in flight: no step of the job waits on the broker (a reader that finds it away reads nothing),
    so it is the service's own lag check that must say so on /health, and say when it is back."""
    port, bootstrap = own_broker
    ensure_topics(bootstrap)
    log, metrics_port = tmp_path / "service.log", free_port()
    service = start("process", "--bootstrap", bootstrap, "--archive", str(tmp_path / "archive"),
                    "--metrics-port", str(metrics_port), log=log)
    try:
        wait_for(lambda: health(metrics_port) == "pipeline running", timeout=120, what="the service up")
        os.kill(broker_pid(port), signal.SIGKILL)
        # the lag check runs every 5 s and gives up on an absent broker after 5 s
        wait_for(lambda: "retrying kafka" in health(metrics_port), timeout=25, what="/health to report the outage")
        kafka_script(port, "up")
        recovered(metrics_port, log, timeout=90)
        assert service.poll() is None
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    assert '"msg":"fault cleared"' in log.read_text()


def recovered(port: int, log: Path, timeout: float) -> None:
    """Wait for /health to say "pipeline running" and nothing else; else fail with what it said last and the
    end of the service's log."""
    said = []
    try:
        wait_for(lambda: said.append(health(port)) or said[-1] == "pipeline running", timeout=timeout,
                 what="/health to recover")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; it said last: {said[-1] if said else None!r}\n"
                             f"{log.read_text()[-4000:]}") from None


def health(port: int) -> str:
    try:
        return get(f"http://127.0.0.1:{port}/health")[1].strip()
    except Exception as exc:  # 503 while degraded: urllib raises, the body says why
        body = getattr(exc, "read", lambda: b"")()
        return body.decode(errors="replace").strip()


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB tmpfs for the archive (mounting needs root: CI runs as root and must not skip)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs for the disk-full test: {done.stderr}")
        pytest.skip(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path) -> Path:
    """Fill the file system to the last byte (unbuffered: a buffered close would fail on its flush)."""
    filler = mount / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError:
                continue
    return filler


def test_archive_disk_full_for_thirty_seconds(fresh_topics, small_disk, tmp_path):
    ensure_topics(fresh_topics)
    archive, log, metrics_port = small_disk / "archive", tmp_path / "service.log", free_port()
    with Publisher(fresh_topics) as publisher:
        ingest_files([str(backlog(tmp_path))], publisher)
    service = start("process", "--archive", str(archive), "--metrics-port", str(metrics_port), log=log)
    try:
        wait_for(lambda: 0 < lag(fresh_topics) < N - 100, timeout=120, every=0.1, what="the first commits")
        filler = fill(small_disk)
        wait_for(lambda: "retrying archive" in health(metrics_port), timeout=60, what="/health to report the disk")
        time.sleep(30)
        assert service.poll() is None, log.read_text()[-3000:]
        # Stories archived before the disk filled may still be committed; none that is not archived (a write
        # that fits in the space a failed one gave back is archived, and may be committed too).
        assert lag(fresh_topics) > 0
        assert not committed_but_not_archived(fresh_topics, archive)
        filler.unlink()
        wait_for(lambda: lag(fresh_topics) == 0, timeout=240, what="every story processed after the disk cleared")
        recovered(metrics_port, log, timeout=60)
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    check_exactly_once(fresh_topics, archive)


def committed_but_not_archived(bootstrap: str, archive: Path) -> set[str]:
    """The ids of the stories below the group's commit that the archive does not hold."""
    topics = Topics.from_env()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=topics.group, enable_auto_commit=False)
    try:
        committed = {p: consumer.committed(TopicPartition(topics.stories, p)) or 0
                     for p in consumer.partitions_for_topic(topics.stories) or ()}
    finally:
        consumer.close()
    below = {orjson.loads(r.value)["id"] for r in read_all(bootstrap, topics.stories) if r.offset < committed[r.partition]}
    return below - archived_once(archive)


def test_the_service_restarts_its_job_when_the_runner_dies(fresh_topics, tmp_path):
    from tests.pipelines.service.test_shutdown import children

    ensure_topics(fresh_topics)
    archive, log, metrics_port = tmp_path / "archive", tmp_path / "service.log", free_port()
    with Publisher(fresh_topics) as publisher:
        ingest_files([str(backlog(tmp_path, 200))], publisher)
    service = start("process", "--archive", str(archive), "--metrics-port", str(metrics_port), log=log)
    try:
        wait_for(lambda: lag(fresh_topics) == 0, timeout=120, what="the backlog processed")
        prism = [p for p in children(service.pid) if b"prism" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert prism
        os.kill(prism[0], signal.SIGKILL)  # the runner dies: the job with it
        wait_for(lambda: '"msg":"pipeline ended; restarting"' in log.read_text(), timeout=30, what="the restart")
        with Publisher(fresh_topics) as publisher:
            ingest_files([str(backlog(tmp_path, 250))], publisher)  # 50 new stories, 200 copies
        wait_for(lambda: lag(fresh_topics) == 0, timeout=120, what="new stories processed by the restarted job")
        recovered(metrics_port, log, timeout=30)
        assert service.poll() is None
        assert "wirewatch_pipeline_restarts_total 1.0" in get(f"http://127.0.0.1:{metrics_port}/metrics")[1]
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    check_exactly_once(fresh_topics, archive, 250)
