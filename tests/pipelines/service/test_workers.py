"""More than one Python worker on Prism (`wirewatch process --workers N`, pipelines/prismworkers.py): the pure
per-story steps run in worker processes of their own, the alerts are those of the in-process chain, and a
worker killed with SIGKILL mid-stream loses no story and sends no alert twice (the service restarts the job)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import apache_beam as beam
import orjson
import pytest

from tests.archivekit import archived_ids, archived_once
from tests.kafkakit import wait_for
from tests.pipelines.service.test_service import alerts, lag, prism, start, stop  # noqa: F401 (prism: fixture)
from wirewatch.connectors.kafka.source import MAX_AHEAD
from wirewatch.connectors.kafka.topics import Publisher, Topics, ensure_topics
from wirewatch.pipelines import streaming
from wirewatch.pipelines.ingest import ingest_files
from wirewatch.pipelines.prismworkers import GROUPS, HINT, place_steps
from wirewatch.records import Story
from wirewatch.transforms.enrich import Enricher, enrich_batch
from wirewatch.transforms.rules import default_watchlist

pytestmark = pytest.mark.kafka
WORKER = "wirewatch.pipelines.prismworker"


def _children(pid: int) -> dict[int, str]:
    """pid -> command line of every process started by ``pid``, however deep."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            procs[int(entry.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), cmd)
    found, grew = {pid}, True
    while grew:
        more = {p for p, (parent, _) in procs.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return {p: procs[p][1] for p in found - {pid} if p in procs}


def _workers(pid: int) -> list[int]:
    return [p for p, cmd in _children(pid).items() if WORKER in cmd and "python" in cmd]


def test_the_pure_steps_get_an_environment_per_worker(fresh_topics):
    ensure_topics(fresh_topics)
    p = beam.Pipeline(options=streaming.options(None, (), "localhost:1"))
    streaming.build(p, fresh_topics, default_watchlist(), "archive", Topics.from_env(), fused=False)  # as --workers builds it
    matched = place_steps(p, 3)
    assert all(matched.values()), matched  # every group's steps are found by name
    proto = p.to_runner_api()
    hinted = {t.environment_id for t in proto.components.transforms.values()
              if HINT in proto.components.environments[t.environment_id].resource_hints}
    plain = {t.environment_id for t in proto.components.transforms.values() if t.environment_id} - hinted
    assert len(hinted) == len(GROUPS) and len(plain) == 1  # one environment each: Prism's one worker each
    # the steps that read Kafka, keep state or write stay with the service's own worker
    kept = ("ReadStories/", "AssignClusters", "CommitOffsets", "DeliverOutcomes")
    for word in kept:  # each names a step of the job (a renamed step would leave the check below empty)
        assert any(word in t.unique_name for t in proto.components.transforms.values()), word
    for transform in proto.components.transforms.values():
        if transform.environment_id and any(word in transform.unique_name for word in kept):
            assert transform.environment_id in plain, transform.unique_name


def test_two_workers_alert_as_the_chain_does_and_survive_a_worker_killed(fresh_topics, tmp_path):
    archive, log = tmp_path / "archive", tmp_path / "service.log"
    # more backlog than the reader takes in before the first commits (MAX_AHEAD a partition), so that stories
    # still wait for the killed worker's steps: else the job may commit all without meeting the kill
    n = (MAX_AHEAD + 500) * ensure_topics(fresh_topics)[Topics.from_env().stories]
    stories = [Story(f"s{i}", f"North Korea fired an intercontinental ballistic missile number {i} toward the sea "
                              f"near Japan, the {i}th such test this year, officials in Seoul said on day {i}.")
               for i in range(n)]
    src = tmp_path / "stories.jsonl"
    src.write_bytes(b"".join(orjson.dumps({"id": s.id, "body": s.body}) + b"\n" for s in stories))
    with Publisher(fresh_topics) as publisher:
        ingest_files([str(src)], publisher)
    service = start("process", "--workers", "2", "--archive", str(archive), "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: archived_ids(archive), timeout=120, every=0.1, what="the first stories archived")
        first = _workers(service.pid)
        assert len(first) == 1, _children(service.pid)  # the second worker is a process of its own
        os.kill(first[0], signal.SIGKILL)  # mid-stream: its bundles fail, and the job with them
        assert lag(fresh_topics) > 0
        wait_for(lambda: lag(fresh_topics) == 0, timeout=300, what="every story processed after the kill")
        again = _workers(service.pid)
        assert len(again) == 1 and again != first  # the restarted job has a new worker process
        assert "pipeline ended; restarting" in log.read_text()
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    assert not any(Path(f"/proc/{pid}").exists() for pid in again)  # ended with the service
    assert archived_once(archive) == {s.id for s in stories}  # none lost, none twice
    sent = alerts(fresh_topics)
    assert len(sent) == len({a["id"] for a in sent})  # no alert delivered twice
    _, expected = enrich_batch(stories, Enricher.create())  # each story is its own cluster
    assert {(a["story_id"], a["rule"]) for a in sent} == {(a.story_id, a.rule) for a in expected}
