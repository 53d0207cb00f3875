"""The drop-folder watcher and file ingest, with a recording publisher (the Kafka publisher itself is
tested against the real broker in tests/kafka)."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest import FolderWatcher, ingest_files
from tests.conftest import SEED


class Recorder:
    def __init__(self) -> None:
        self.stories: list = []
        self.dead: list = []
        self.flushes = 0

    def story(self, story) -> None:
        self.stories.append(story)

    def dead_letter(self, dead) -> None:
        self.dead.append(dead)

    def flush(self, timeout: float = 60.0) -> None:
        self.flushes += 1


def test_ingest_stamps_fetch_time_and_flushes(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "body": "ok"}\n{"id": "2"}\n')
    recorder = Recorder()
    counts = ingest_files([str(SEED), str(bad)], recorder)
    assert (counts.files, counts.stories, counts.dead_letters) == (2, 2, 1)
    assert all(s.fetched is not None and s.fetched.tzinfo for s in recorder.stories)
    assert recorder.dead[0].origin == f"{bad}:2"
    assert recorder.flushes == 1


def test_watcher_takes_new_files_once_they_stop_growing(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "old.txt").write_text("An old story that was here before the watcher started.")
    recorder = Recorder()
    watcher = FolderWatcher([str(drop)], recorder)
    watcher.skip_existing()
    watcher.poll_once()
    assert recorder.stories == []  # files present at start are not re-ingested

    new = drop / "new.txt"
    new.write_text("SEOUL (Reuters) - North Korea fired a missile")
    watcher.poll_once()
    assert recorder.stories == []  # seen once: it may still be being written
    with new.open("a") as out:
        out.write(" into the sea on Monday.")
    watcher.poll_once()
    assert recorder.stories == []  # it grew: wait one more poll
    watcher.poll_once()
    assert [s.body for s in recorder.stories] == ["SEOUL (Reuters) - North Korea fired a missile into the sea on Monday."]
    watcher.poll_once()
    assert len(recorder.stories) == 1  # taken once

    (drop / ".partial.txt").write_text("hidden files are skipped")
    watcher.poll_once()
    watcher.poll_once()
    assert len(recorder.stories) == 1
    assert not list(Path(drop).glob("*.tmp"))
