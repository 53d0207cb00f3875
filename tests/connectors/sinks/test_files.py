"""Output files get the mode any new file gets (0666 less the umask), not a temporary file's 0600."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import pytest

from wirewatch.connectors.sinks.files import write_archive, write_atomic, write_jsonl, write_unsynced
from wirewatch.records import EnrichedStory, Story


@pytest.fixture
def umask():
    """Sets the process umask for one test and restores it after."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_umask(value: int) -> None:
        os.umask(value)

    yield set_umask
    os.umask(saved)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    write_atomic(tmp_path / "a.json", b"{}")
    write_unsynced(tmp_path / "b.json", b"{}")
    write_jsonl(tmp_path / "c.jsonl", [{"x": 1}])
    story = Story(id="s1", body="Troops withdrew.", published=datetime(2026, 1, 2, tzinfo=UTC))
    archived = write_archive(tmp_path / "archive", [EnrichedStory(story)])
    for path in [tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.jsonl", *archived]:
        assert mode(path) == expected, path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "archive", "b.json", "c.jsonl"]  # no leftovers


def test_replacing_a_file_keeps_no_temporary_behind(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "state.json"
    for n in range(3):
        write_atomic(target, str(n).encode())
    assert target.read_bytes() == b"2" and mode(target) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("write", [write_atomic, write_unsynced])
def test_a_disk_that_fills_mid_write_leaves_neither_file_nor_temporary(tmp_path, monkeypatch, write):
    target = tmp_path / "dt=2026-12-06" / "deep" / "s.json"
    real_write, calls = os.write, []

    def filling(fd, data):  # the first call writes 10 bytes, the next finds the disk full
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real_write(fd, bytes(data[:10]))

    monkeypatch.setattr(os, "write", filling)
    with pytest.raises(OSError, match="No space"):
        write(target, b"x" * 100)
    assert calls == [100, 90]  # the short write was followed up, not taken for the whole
    assert list(target.parent.iterdir()) == []
    monkeypatch.setattr(os, "write", real_write)
    write(target, b"y" * 100)  # space again: the same call succeeds in the folder it made
    assert target.read_bytes() == b"y" * 100 and [p.name for p in target.parent.iterdir()] == ["s.json"]


def test_several_files_are_each_synced_before_any_is_renamed_and_each_folder_once(tmp_path, monkeypatch):
    """write_atomic_all: the files' fsyncs wait side by side, every one before the first rename (a rename
    before its file is synced could leave an empty file under the name after a crash), then one fsync per
    folder after the renames."""
    from wirewatch.connectors.sinks.files import write_atomic_all

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("rename", os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    (tmp_path / "s.jsonl").write_bytes(b"old\n")
    files = [(tmp_path / "s.jsonl", b"x" * 100_000), (tmp_path / "a.jsonl", b"{}\n"), (tmp_path / "d.jsonl", b""),
             (tmp_path / "deep" / "e.jsonl", b"e\n")]
    write_atomic_all(files)
    assert [p.read_bytes() for p, _ in files] == [data for _, data in files]
    assert events[:4] == [("fsync", "file")] * 4
    assert events[4:8] == [("rename", name) for name in ("s.jsonl", "a.jsonl", "d.jsonl", "e.jsonl")]
    assert events[8:] == [("fsync", "folder")] * 2  # tmp_path and deep, once each
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "d.jsonl", "deep", "s.jsonl"]


def test_several_files_of_which_one_fails_to_sync_replace_none(tmp_path, monkeypatch):
    from wirewatch.connectors.sinks.files import write_atomic_all

    real_fsync = os.fsync
    (tmp_path / "s.jsonl").write_bytes(b"old\n")

    def failing(fd):
        if os.fstat(fd).st_size == 3:  # the second file's temporary
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError, match="Input/output"):
        write_atomic_all([(tmp_path / "s.jsonl", b"new\n"), (tmp_path / "a.jsonl", b"{}\n")])
    assert [p.name for p in tmp_path.iterdir()] == ["s.jsonl"]  # no temporary left, nothing renamed
    assert (tmp_path / "s.jsonl").read_bytes() == b"old\n"
