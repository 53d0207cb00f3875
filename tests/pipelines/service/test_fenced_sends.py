"""A failed job's alert sends never land after the restarted job has read the alerts already sent: the
service closes the failed job's producers (acknowledged or abandoned) before it starts the job again, so a
reader of the raw alerts topic sees each alert once. The race is forced by a hook (holdsends.py) that holds
every alert at the hand-over to the producer until the restarted job has read the topic, with 2 workers (a
worker process killed) and with one (Prism killed), both against the real broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from tests.archivekit import archived_once
from tests.conftest import ROOT
from tests.kafkakit import read_all, wait_for
from tests.pipelines.service.test_service import alerts, lag, prism, stop  # noqa: F401 (prism: fixture)
from tests.pipelines.service.test_workers import _children, _workers
from wirewatch.connectors.health.faults import FAULTS, is_transient, retry
from wirewatch.connectors.kafka import topics as kafka_topics
from wirewatch.connectors.kafka.topics import Publisher, PublisherFenced, Topics, ensure_topics
from wirewatch.pipelines.ingest import ingest_files
from wirewatch.pipelines.service import LAG_FAULT, forget_job_faults

pytestmark = pytest.mark.kafka
N = 300
READ_SENT = "alerts sent before this job"  # connectors/kafka/warm.py logs it as each job starts


def _prism(pid: int) -> list[int]:
    return [p for p, cmd in _children(pid).items() if "--job_port" in cmd]


def _start_holding(hold: Path, *args: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.pipelines.service.holdsends", str(hold), *args],
                            cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env)


@pytest.mark.parametrize("workers", [2, 1])
def test_the_failed_jobs_sends_do_not_land_after_the_restart_read_the_sent_alerts(fresh_topics, tmp_path, workers):
    ensure_topics(fresh_topics)
    archive, log, hold = tmp_path / "archive", tmp_path / "service.log", tmp_path / "hold"
    src = tmp_path / "stories.jsonl"
    src.write_bytes(b"".join(orjson.dumps({"id": f"s{i}", "body": f"North Korea fired an intercontinental ballistic "
                                                                  f"missile number {i} toward the sea, Seoul said."})
                             + b"\n" for i in range(N)))
    with Publisher(fresh_topics) as publisher:
        ingest_files([str(src)], publisher)
    hold.touch()  # the first job's first alerts wait at the hand-over to its producer
    service = _start_holding(hold, "process", "--workers", str(workers), "--archive", str(archive),
                             "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: Path(f"{hold}.held").exists(), timeout=120, what="an alert send held")
        assert lag(fresh_topics) > 0  # nothing committed: the held alerts' stories are read again
        victims = _workers(service.pid) if workers > 1 else _prism(service.pid)
        assert len(victims) == 1, _children(service.pid)
        os.kill(victims[0], signal.SIGKILL)  # the job fails with its sends in flight
        wait_for(lambda: log.read_text().count(READ_SENT) >= 2, timeout=180,
                 what="the restarted job's read of the alerts sent")
        hold.unlink()  # the failed job's held sends go on now, after that read
        wait_for(lambda: lag(fresh_topics) == 0, timeout=300, what="every story processed after the restart")
    finally:
        hold.unlink(missing_ok=True)
        assert stop(service) == 0, log.read_text()[-3000:]
    assert "pipeline ended; restarting" in log.read_text()
    assert archived_once(archive) == {f"s{i}" for i in range(N)}
    sent = alerts(fresh_topics)
    twice = [i for i, n in Counter(a["id"] for a in sent).items() if n > 1]
    assert not twice, f"{len(twice)} alert ids in the raw topic twice, e.g. {twice[:3]}"
    assert {a["story_id"] for a in sent if a["rule"] == "icbm"} == {f"s{i}" for i in range(N)}


def test_a_fenced_publisher_delivers_what_it_was_handed_then_refuses_for_good(fresh_topics):
    topic = Topics.from_env().alerts
    ensure_topics(fresh_topics)
    publisher = Publisher(fresh_topics, client_id="wirewatch-alerts")
    for n in range(3):
        publisher.send(topic, f"a{n}", b"{}")
    assert publisher.fence(10.0) == 0  # acknowledged before it returned
    assert sorted(r.key for r in read_all(fresh_topics, topic)) == [b"a0", b"a1", b"a2"]
    for later in (lambda: publisher.send(topic, "a3", b"{}"), lambda: publisher.flush(1.0)):
        with pytest.raises(PublisherFenced) as refused:
            retry("kafka", later)  # refused at once: an old step stops rather than retries
        assert not is_transient(refused.value)
    assert publisher not in kafka_topics.open_publishers()  # (a stop's close_publishers leaves it be)


def test_the_ended_jobs_faults_are_forgotten_and_the_services_own_kept():
    error = ConnectionError("broker away")
    FAULTS.failed("kafka", error)
    FAULTS.failed(LAG_FAULT, error)
    try:
        forget_job_faults()
        assert [f.kind for f in FAULTS.active()] == [LAG_FAULT]
    finally:
        FAULTS.cleared(LAG_FAULT)
