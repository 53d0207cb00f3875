"""Compaction beside a writer (the service compacts its own archive on a schedule while its job writes):
the two agree through a lock per day folder, so a compaction never lands between a writer's listing of a
folder and its write, and a compaction killed with SIGKILL at any moment hides nothing, shows nothing twice,
and is finished by the next one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import ROOT
from tests.connectors.archive.kit import enriched
from wirewatch.connectors.archive.layout import REPLACES, archive_files
from wirewatch.connectors.archive.writer import ParquetArchive
from wirewatch.connectors.sinks.files import write_atomic


def ids(root: Path) -> list[str]:
    return sorted(i for p in archive_files(root) for i in pq.read_table(p, columns=["id"]).column("id").to_pylist())


def test_a_compaction_during_a_writers_write_never_leaves_a_story_twice(tmp_path):
    ParquetArchive(tmp_path).write([enriched(1), enriched(2)])
    ParquetArchive(tmp_path).write([enriched(3)])
    compactions: list[threading.Thread] = []

    def write_while_compacting(path: Path, data: bytes) -> None:
        """Another process's compaction starts after this writer listed the folder, before it writes;
        given a second to finish first (it cannot while the writer holds the folder)."""
        compaction = threading.Thread(target=ParquetArchive(tmp_path).compact)
        compaction.start()
        compactions.append(compaction)
        compaction.join(1.0)
        write_atomic(path, data)

    # A restarted job reads its uncommitted bundle again: the same batch, the same file name, rewritten.
    again = ParquetArchive(tmp_path, write_file=write_while_compacting)
    assert again.write([enriched(1), enriched(2)])
    for compaction in compactions:
        compaction.join(30)
    assert ids(tmp_path) == ["s1", "s2", "s3"]  # without the lock: s1 and s2 in the merged file and the rewrite
    assert again.write([enriched(1), enriched(3)]) == []  # the writer follows the compacted folder


def test_a_writer_beside_repeated_compactions_archives_every_story_once(tmp_path):
    stop = threading.Event()
    errors: list[BaseException] = []

    def compact_until_stopped() -> None:
        archive = ParquetArchive(tmp_path)
        while not stop.is_set():
            try:
                archive.compact(min_files=2)
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
                return

    compactor = threading.Thread(target=compact_until_stopped)
    compactor.start()
    try:
        writer = ParquetArchive(tmp_path)
        for n in range(0, 300, 3):  # batches over two day folders, each re-sent once as after a restart
            batch = [enriched(n + k, day=(n + k) % 2) for k in range(5)]
            writer.write(batch)
            ParquetArchive(tmp_path).write(batch)  # a fresh writer (a restarted job) with the same bundle
    finally:
        stop.set()
        compactor.join(60)
    assert not errors, errors
    assert ids(tmp_path) == sorted(f"s{n}" for n in range(302))
    ParquetArchive(tmp_path).compact()
    assert len(archive_files(tmp_path)) == 2  # one file a day folder once compacted


KILLED_COMPACTION = """
import sys, time
from wirewatch.connectors.archive.writer import ParquetArchive
while True:
    ParquetArchive(sys.argv[1]).compact()
"""


def test_kill_9_mid_compaction_hides_nothing_shows_nothing_twice_and_the_next_finishes_it(tmp_path):
    writer = ParquetArchive(tmp_path)
    folder = tmp_path / "dt=2026-03-01"
    expected: set[str] = set()
    caught = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(12):
        for k in range(20):  # small files for the compaction to merge: 20 a round
            batch = [enriched(round_ * 1000 + k * 10 + j) for j in range(10)]
            writer.write(batch)
            expected |= {s.id for s in batch}
        proc = subprocess.Popen([sys.executable, "-c", KILLED_COMPACTION, str(tmp_path)], env=env, cwd=ROOT)
        deadline = time.monotonic() + 60
        try:  # kill it the moment it has a manifest or a temporary file out (a swap in progress)
            while time.monotonic() < deadline and proc.poll() is None:
                names = os.listdir(folder)
                if any(n.endswith(REPLACES) or n.endswith(".tmp") for n in names):
                    break
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        left = os.listdir(folder)
        caught += any(n.endswith(REPLACES) or n.endswith(".tmp") for n in left)
        assert sorted(ids(tmp_path)) == sorted(expected)  # whatever the moment: every story once
        assert writer.write([enriched(round_ * 1000)]) == []  # and the writer sees them where readers do
    assert caught >= 3, f"only {caught} kills landed in the middle of a compaction"
    ParquetArchive(tmp_path).compact()
    names = os.listdir(folder)
    assert not [n for n in names if n.endswith(REPLACES)]
    assert len([n for n in names if n.endswith(".parquet") and not n.startswith(".")]) == 1
    assert sorted(ids(tmp_path)) == sorted(expected)
