"""The always-on service compacts its Parquet archive on a schedule (``--compact-every``, default hourly; 0
turns it off), beside its own job's writes: the loop alone, then the service against the real broker."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

from tests.archivekit import archived_once
from tests.connectors.archive.kit import enriched
from tests.kafkakit import wait_for
from tests.pipelines.service.test_service import lag, prism_or_skip, start, stop
from wirewatch.connectors.archive.compactor import CompactEvery
from wirewatch.connectors.archive.layout import archive_files, partitions
from wirewatch.connectors.archive.writer import ParquetArchive
from wirewatch.connectors.kafka.topics import Publisher, ensure_topics
from wirewatch.pipelines.ingest import ingest_files


def test_the_loop_compacts_at_its_start_then_on_schedule_and_outlives_a_failed_pass(tmp_path, monkeypatch):
    writer = ParquetArchive(tmp_path)
    for n in range(4):
        writer.write([enriched(n)])
    loop = CompactEvery(tmp_path, every_s=0.05)
    compact = ParquetArchive.compact
    calls = []

    def failing_once(self, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return compact(self, **kwargs)

    monkeypatch.setattr(ParquetArchive, "compact", failing_once)
    thread = threading.Thread(target=loop.run)
    thread.start()
    try:
        wait_for(lambda: len(archive_files(tmp_path)) == 1, timeout=30, what="the first pass")
        for n in range(4, 8):  # written between passes, one of which fails
            writer.write([enriched(n)])
        wait_for(lambda: loop.passes >= 4 and len(archive_files(tmp_path)) == 1, timeout=30, what="later passes")
    finally:
        loop.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert len(calls) >= 4  # the failed pass did not end the loop
    assert sorted(archived_once(tmp_path)) == sorted(f"s{n}" for n in range(8))


def test_an_interval_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="positive"):
        CompactEvery("archive", every_s=0)


def _files_per_folder(archive: Path) -> list[int]:
    return [sum(1 for p in archive_files(archive) if p.parent == folder) for folder in partitions(archive)] or [0]


@pytest.fixture
def prism_runner() -> str:
    """As the service tests' module-wide fixture, for this module's Kafka test only."""
    return prism_or_skip()


@pytest.mark.kafka
@pytest.mark.parametrize("every", ["1", "0"])
def test_the_service_compacts_its_archive_beside_its_writes_or_not_at_all(prism_runner, fresh_topics, tmp_path, every):
    ensure_topics(fresh_topics)
    archive, log = tmp_path / "archive", tmp_path / "service.log"
    service = start("process", "--archive", str(archive), "--metrics-port", "0", "--compact-every", every, log=log)
    expected = set()
    try:
        for part in range(3):  # three backlogs, one after the other: at least three archive files a day folder
            src = tmp_path / f"stories-{part}.jsonl"
            ids = [f"s{part}-{i}" for i in range(100)]
            src.write_bytes(b"".join(orjson.dumps({"id": i, "body": f"Story {i}: North Korea fired a missile."})
                                     + b"\n" for i in ids))
            with Publisher(fresh_topics) as publisher:
                ingest_files([str(src)], publisher)
            expected |= set(ids)
            wait_for(lambda: lag(fresh_topics) == 0, timeout=180, what=f"backlog {part} committed")
        if every != "0":
            wait_for(lambda: max(_files_per_folder(archive)) == 1, timeout=60, what="a compaction after the writes")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    assert archived_once(archive) == expected
    text = log.read_text()
    if every == "0":
        assert max(_files_per_folder(archive)) >= 3 and "archive compacted" not in text
    else:
        assert "archive compacted" in text
