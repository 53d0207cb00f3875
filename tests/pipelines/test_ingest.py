"""The drop-folder watcher and file ingest, with a recording publisher (the Kafka publisher itself is
tested against the real broker in tests/kafka)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson
import pytest

from wirewatch.pipelines.ingest import FolderWatcher, ingest_files
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
    assert str(recorder.dead[0].origin) == f"{bad}:2"
    assert recorder.flushes == 1


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def watch(drop: Path, recorder: Recorder, clock: Clock, **kwargs) -> FolderWatcher:
    return FolderWatcher([str(drop)], recorder, quiet=5.0, clock=clock, **kwargs)


def poll_for(watcher: FolderWatcher, clock: Clock, seconds: float, step: float = 1.0) -> None:
    """Polls once a second (the default interval) for ``seconds`` of the fake clock."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        watcher.poll_once()


STORY = "SEOUL (Reuters) - North Korea fired a missile into the sea on Monday, the South's military said."


@pytest.fixture
def drop(tmp_path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_files_present_at_start_are_ingested_once_and_a_restart_does_not_repeat(drop):
    (drop / "old.txt").write_text(STORY)
    (drop / "sub").mkdir()
    (drop / "sub" / "two.jsonl").write_text('{"id": "a", "body": "One."}\n{"id": "b", "body": "Two."}\n')
    clock, recorder = Clock(), Recorder()
    watcher = watch(drop, recorder, clock)
    watcher.poll_once()
    assert recorder.stories == []  # not yet quiet for 5 s: it may have been mid-copy at start
    poll_for(watcher, clock, 5)
    assert sorted(s.id for s in recorder.stories if s.id in "ab") == ["a", "b"] and len(recorder.stories) == 3
    assert recorder.flushes == 1
    poll_for(watcher, clock, 10)
    assert len(recorder.stories) == 3  # taken once

    again = Recorder()
    restarted = watch(drop, again, Clock())
    poll_for(restarted, restarted.clock, 20)
    assert again.stories == [] and again.dead == []  # the ledger survived the restart
    state = orjson.loads((drop / ".wirewatch-drop-state.json").read_bytes())
    assert state["files"]["old.txt"]["sha256"] == hashlib.sha256(STORY.encode()).hexdigest()
    assert set(state["files"]) == {"old.txt", "sub/two.jsonl"}


def test_a_file_written_slowly_in_three_parts_becomes_one_story(drop):
    clock, recorder = Clock(), Recorder()
    watcher = watch(drop, recorder, clock)
    target = drop / "slow.txt"
    parts = [STORY[:30], STORY[30:60], STORY[60:]]
    with target.open("w") as out:
        for pause, part in zip([4, 3, 0], parts):
            out.write(part)
            out.flush()
            poll_for(watcher, clock, pause)  # pauses longer than a poll, shorter than the quiet period
    assert recorder.stories == []
    poll_for(watcher, clock, 6)
    assert [s.body for s in recorder.stories] == [STORY]


def test_a_file_renamed_into_place_is_taken_at_once_and_temporary_names_never(drop):
    clock, recorder = Clock(), Recorder()
    watcher = watch(drop, recorder, clock)
    for name in ("a.txt.part", ".b.txt", "c.txt.TMP"):
        (drop / name).write_text(f"{name}: {STORY}")
    watcher.poll_once()
    poll_for(watcher, clock, 30)
    assert recorder.stories == []  # temporary names are never taken, however quiet
    for name in ("a.txt.part", ".b.txt"):
        (drop / name).rename(drop / name.removesuffix(".part").lstrip("."))
    clock.now += 0.5
    watcher.poll_once()
    assert sorted(s.body.split(":")[0] for s in recorder.stories) == [".b.txt", "a.txt.part"]


def test_a_touched_file_is_not_ingested_again_but_an_edited_one_is(drop):
    clock, recorder = Clock(), Recorder()
    story = drop / "story.txt"
    story.write_text(STORY)
    watcher = watch(drop, recorder, clock)
    poll_for(watcher, clock, 6)
    assert len(recorder.stories) == 1
    os.utime(story, ns=(story.stat().st_atime_ns, story.stat().st_mtime_ns + 10**9))
    poll_for(watcher, clock, 10)
    assert len(recorder.stories) == 1  # same content: only remembered under its new mtime
    state = orjson.loads((drop / ".wirewatch-drop-state.json").read_bytes())
    assert state["files"]["story.txt"]["mtime_ns"] == story.stat().st_mtime_ns
    story.write_text(STORY.replace("Monday", "Tuesday"))
    poll_for(watcher, clock, 10)
    assert [s.body for s in recorder.stories][1:] == [STORY.replace("Monday", "Tuesday")]


def test_nothing_is_remembered_until_kafka_acknowledged(drop):
    class Refusing(Recorder):
        def flush(self, timeout: float = 60.0) -> None:
            super().flush(timeout)
            if self.flushes == 1:
                raise RuntimeError("broker away")

    clock, recorder = Clock(), Refusing()
    (drop / "story.txt").write_text(STORY)
    watcher = watch(drop, recorder, clock)
    clock.now += 1
    watcher.poll_once()
    clock.now += 5
    with pytest.raises(RuntimeError):
        watcher.poll_once()
    assert not (drop / ".wirewatch-drop-state.json").exists()
    clock.now += 1
    watcher.poll_once()  # published again, acknowledged this time
    assert len(recorder.stories) == 2 and recorder.flushes == 2
    assert (drop / ".wirewatch-drop-state.json").exists()


def test_a_file_that_changes_while_being_read_waits_again(drop):
    from wirewatch.connectors.files.dropfolder import open_folder

    story = drop / "story.txt"
    story.write_text(STORY[:40])
    folder = open_folder(drop, quiet=5.0)
    assert folder.poll(0.0) == []
    [candidate] = folder.poll(5.0)
    with story.open("a") as out:
        out.write(STORY[40:])  # the writer came back after the quiet period
    assert folder.changed_since(candidate)
    assert folder.poll(6.0) == [] and folder.poll(10.9) == []
    assert [c.key for c in folder.poll(11.0)] == ["story.txt"]
    assert not folder.changed_since(folder.poll(11.0)[0])


def test_state_dir_holds_the_ledger_and_a_bad_ledger_is_a_clear_error(drop, tmp_path):
    from wirewatch.connectors.files.dropstate import DropStateError

    (drop / "story.txt").write_text(STORY)
    clock, recorder = Clock(), Recorder()
    watcher = watch(drop, recorder, clock, state_dir=tmp_path / "state")
    poll_for(watcher, clock, 6)
    [ledger] = (tmp_path / "state").iterdir()
    assert ledger.name.startswith("drop-drop-") and not (drop / ".wirewatch-drop-state.json").exists()
    ledger.write_text("{not json")
    with pytest.raises(DropStateError, match=f"{ledger}: not a drop-folder state file") as caught:
        watch(drop, Recorder(), Clock(), state_dir=tmp_path / "state")
    assert caught.value.retriable is False


def test_a_folder_that_appears_later_is_watched(tmp_path):
    drop = tmp_path / "later"
    clock, recorder = Clock(), Recorder()
    watcher = watch(drop, recorder, clock)
    poll_for(watcher, clock, 3)
    drop.mkdir()
    (drop / "story.txt").write_text(STORY)
    poll_for(watcher, clock, 6)
    assert len(recorder.stories) == 1


def test_a_file_moved_away_is_forgotten_and_taken_again_when_dropped_again(drop, tmp_path):
    clock, recorder = Clock(), Recorder()
    story = drop / "story.txt"
    story.write_text(STORY)
    watcher = watch(drop, recorder, clock)
    poll_for(watcher, clock, 6)
    story.rename(tmp_path / "done.txt")
    watcher.poll_once()
    assert orjson.loads((drop / ".wirewatch-drop-state.json").read_bytes())["files"] == {}
    (tmp_path / "done.txt").rename(story)
    poll_for(watcher, clock, 6)
    assert [s.body for s in recorder.stories] == [STORY, STORY]  # a new drop (its id dedupes downstream)
