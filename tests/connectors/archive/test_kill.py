"""``kill -9`` of a writer in the middle of writing an archive file, against the real broker: a reader never
sees a partial file, and the restarted writer re-reads the uncommitted Kafka backlog and fills the gap,
each story archived once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from wirewatch.connectors.archive.layout import archive_files
from wirewatch.connectors.archive.query import ArchiveQuery
from wirewatch.connectors.kafka.topics import Publisher, Topics, ensure_topics, topic_specs
from wirewatch.records import Story
from tests.conftest import ROOT

pytestmark = pytest.mark.kafka
STORIES = 6000
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def start(bootstrap: str, topics: Topics, root: Path, log: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.connectors.archive.archiver", bootstrap, topics.stories, topics.group, str(root)]
    return subprocess.Popen(args, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def temporaries(root: Path) -> list[str]:
    try:
        folders = [e.path for e in os.scandir(root) if e.name.startswith("dt=")]
    except FileNotFoundError:
        return []
    return [e.name for f in folders for e in os.scandir(f) if e.name.endswith(".tmp")]


def kill_while_writing(proc: subprocess.Popen, root: Path, timeout: float = 60.0) -> bool:
    """Once the writer has added a few files, SIGKILL it while it has one half-written: stop it (SIGSTOP) the
    moment a new temporary file shows up, and kill it if the file is still there, else let it go on and
    watch again. Returns whether a kill caught a write (False: the time ran out and it was killed anyway)."""
    deadline = time.monotonic() + timeout
    caught = False
    left, files = set(temporaries(root)), len(archive_files(root))
    while proc.poll() is None and len(archive_files(root)) < files + 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    while proc.poll() is None and time.monotonic() < deadline:
        if not set(temporaries(root)) - left:
            continue
        proc.send_signal(signal.SIGSTOP)
        if set(temporaries(root)) - left:
            caught = True
            break
        proc.send_signal(signal.SIGCONT)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return caught


def assert_readers_see_whole_files(root: Path) -> int:
    rows = 0
    for path in archive_files(root):
        rows += pq.read_table(path).num_rows  # raises on a torn file
    assert ArchiveQuery(root).count() <= rows
    return rows


def test_kill_9_during_a_write_then_the_backlog_fills_the_gap_once(fresh_topics, topics, tmp_path):
    ensure_topics(fresh_topics, topic_specs(3, topics))
    body = "Pyongyang said on Tuesday it had tested a new missile. " * 60
    with Publisher(fresh_topics, topics=topics) as publisher:
        for n in range(STORIES):
            publisher.story(Story(id=f"k{n}", body=body, title=f"Story {n}", published=T0 + timedelta(hours=n % 72)))
    root, log = tmp_path / "archive", tmp_path / "archiver.log"
    torn = 0
    for _ in range(8):  # until two kills have caught a file half-written
        proc = start(fresh_topics, topics, root, log)
        torn += kill_while_writing(proc, root)
        assert proc.returncode == -signal.SIGKILL, log.read_text()[-2000:]
        assert temporaries(root)  # what the killed writers left: hidden, and never read
        assert_readers_see_whole_files(root)
        if torn >= 2:
            break
    assert torn >= 2, "no kill landed in the middle of a write"
    assert 0 < ArchiveQuery(root).count() < STORIES
    proc = start(fresh_topics, topics, root, log)
    assert proc.wait(timeout=240) == 0, log.read_text()[-2000:]
    read = sum(int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("read "))
    assert read > STORIES  # the killed runs' uncommitted polls were read again ...
    rows = assert_readers_see_whole_files(root)
    ids = [i for p in archive_files(root) for i in pq.read_table(p, columns=["id"]).column("id").to_pylist()]
    assert rows == len(ids) == len(set(ids)) == STORIES  # ... and archived once
    assert ArchiveQuery(root).count() == STORIES
    positions = pq.read_table(archive_files(root)[0], columns=["kafka_topic", "kafka_offset"]).to_pylist()[0]
    assert positions["kafka_topic"] == topics.stories and positions["kafka_offset"] >= 0
