"""The Flink job's archive written behind the one-key step (pipelines/flink/archive.py), with a list standing in
for Flink's list state: a file leaves the state only once it is written and synced, so a checkpoint taken
before then holds it, and a restore writes it again before anything new."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.pipelines.flink.flinkstate import ListState, Timers
from wirewatch.connectors.sinks.files import write_unsynced
from wirewatch.pipelines.flink.archive import KeyedWriteBehind, WriteBehind


class Disk:
    """Writes for real, records what happened in order, and may be held or made to fail."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.go = threading.Event()
        self.go.set()
        self.fail = False

    def write(self, path: Path, data: bytes) -> None:
        self.go.wait(30)
        if self.fail:
            raise OSError(28, "No space left on device")
        write_unsynced(path, data)
        self.done.append(f"write {path.name}")

    def sync(self, root: Path) -> None:
        self.done.append("sync")


@pytest.fixture
def disk():
    return Disk()


def behind(tmp_path: Path, disk: Disk, state: ListState) -> WriteBehind:
    return WriteBehind(tmp_path, state, write=disk.write, sync=disk.sync)


def test_a_file_leaves_the_state_only_once_written_and_synced(tmp_path, disk):
    state, timers = ListState(), Timers()
    archive = behind(tmp_path, disk, state)
    disk.go.clear()  # the file system is slow
    archive.add(tmp_path / "a.json", b"A")
    archive.add(tmp_path / "b.json", b"B")
    archive.arm(timers)
    archive.arm(timers)
    assert timers.registered == [1_000 + 100]  # one timer while one is pending
    archive.flush()  # handed to the thread, which waits on the disk
    archive.flush()
    assert [p for p, _ in state] == [str(tmp_path / "a.json"), str(tmp_path / "b.json")]  # a checkpoint holds them
    disk.go.set()
    archive.drain()
    assert disk.done == ["write a.json", "write b.json", "sync"]
    assert len(state) == 2  # durable now, forgotten at the next timer
    archive.add(tmp_path / "c.json", b"C")
    archive.flush()
    assert [p for p, _ in state] == [str(tmp_path / "c.json")]
    archive.drain()
    archive.flush()
    assert state == []
    archive.close()
    assert (tmp_path / "a.json").read_bytes() == b"A" and (tmp_path / "c.json").read_bytes() == b"C"


def test_a_restored_state_is_written_again_before_anything_new(tmp_path, disk):
    state = ListState([(str(tmp_path / "old.json"), b"OLD")])  # what a checkpoint brought back
    archive = behind(tmp_path, disk, state)
    archive.add(tmp_path / "new.json", b"NEW")
    assert disk.done == ["write old.json", "sync"]  # written and synced before the new file joined the state
    assert [p for p, _ in state] == [str(tmp_path / "new.json")]
    archive.flush()
    archive.drain()
    archive.close()
    assert (tmp_path / "old.json").read_bytes() == b"OLD" and (tmp_path / "new.json").read_bytes() == b"NEW"


def test_a_restored_timer_writes_the_restored_state(tmp_path, disk):
    state = ListState([(str(tmp_path / "old.json"), b"OLD")])
    archive = behind(tmp_path, disk, state)
    archive.flush()  # the timer the checkpoint held fires before any story comes
    archive.close()
    assert state == [] and (tmp_path / "old.json").read_bytes() == b"OLD"


def test_a_failed_write_fails_the_next_flush_and_the_file_stays_in_the_state(tmp_path, disk):
    state = ListState()
    archive = behind(tmp_path, disk, state)
    disk.fail = True
    archive.add(tmp_path / "a.json", b"A")
    archive.flush()
    archive.drain()
    with pytest.raises(OSError):
        archive.flush()  # the job fails and restarts from its checkpoint, which holds the file
    assert [p for p, _ in state] == [str(tmp_path / "a.json")]
    archive.close()


class KeyedListState:
    """Flink's keyed list state: one list per key, scoped to ``key`` (what the runtime sets before each call)."""

    def __init__(self, lists: dict[str, list] | None = None) -> None:
        self.lists, self.key = lists or {}, ""

    def get(self) -> list:
        return list(self.lists.get(self.key, []))

    def add(self, value) -> None:
        self.lists.setdefault(self.key, []).append(value)

    def clear(self) -> None:
        self.lists.pop(self.key, None)


class KeyedTimers(Timers):
    def __init__(self, state: KeyedListState) -> None:
        super().__init__()
        self.state, self.by_key = state, set()

    def register_processing_time_timer(self, when: int) -> None:
        self.by_key.add((self.state.key, when))  # Flink keeps one timer per key and timestamp


def keyed(tmp_path: Path, disk: Disk, state: KeyedListState) -> KeyedWriteBehind:
    return KeyedWriteBehind(tmp_path, state, write=disk.write, sync=disk.sync)


def at(state: KeyedListState, key: str) -> str:
    state.key = key
    return key


def test_a_keys_files_leave_its_state_only_once_written_and_synced(tmp_path, disk):
    state = KeyedListState()
    timers = KeyedTimers(state)
    archive = keyed(tmp_path, disk, state)
    disk.go.clear()  # the file system is slow
    archive.add(at(state, "c1"), tmp_path / "a.json", b"A", timers)
    archive.add(at(state, "c2"), tmp_path / "b.json", b"B", timers)
    archive.add(at(state, "c1"), tmp_path / "c.json", b"C", timers)
    assert timers.by_key == {("c1", 1_200), ("c2", 1_200)}  # one timer a key, on the interval's boundary
    archive.on_timer(at(state, "c1"), timers)  # nothing durable yet: the files stay, the timer is asked again
    assert [p for p, _ in state.lists["c1"]] == [str(tmp_path / "a.json"), str(tmp_path / "c.json")]
    assert len(state.lists["c2"]) == 1
    disk.go.set()
    archive.drain()
    assert disk.done[-1] == "sync" and sorted(disk.done[:-1]) == ["write a.json", "write b.json", "write c.json"]
    assert len(state.lists["c1"]) == 2  # durable now, forgotten at the key's next timer
    archive.on_timer(at(state, "c1"), timers)
    assert "c1" not in state.lists and len(state.lists["c2"]) == 1
    archive.on_timer(at(state, "c2"), timers)
    assert state.lists == {}
    archive.close()
    assert (tmp_path / "a.json").read_bytes() == b"A" and (tmp_path / "c.json").read_bytes() == b"C"


def test_a_file_handed_after_the_sync_keeps_its_key_in_the_state(tmp_path, disk):
    state = KeyedListState()
    timers = KeyedTimers(state)
    archive = keyed(tmp_path, disk, state)
    archive.add(at(state, "c1"), tmp_path / "a.json", b"A", timers)
    archive.drain()
    disk.go.clear()
    archive.add(at(state, "c1"), tmp_path / "b.json", b"B", timers)  # not yet durable
    archive.on_timer(at(state, "c1"), timers)
    assert [p for p, _ in state.lists["c1"]] == [str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    disk.go.set()
    archive.drain()
    archive.on_timer(at(state, "c1"), timers)
    assert state.lists == {}
    archive.close()


@pytest.mark.parametrize("first", ["a story", "the timer"])
def test_a_restored_keys_files_are_written_again_when_the_key_is_first_met(tmp_path, disk, first):
    old = (str(tmp_path / "old.json"), b"OLD")
    state = KeyedListState({"c1": [old], "c2": [(str(tmp_path / "other.json"), b"OTHER")]})  # a checkpoint's
    timers = KeyedTimers(state)
    archive = keyed(tmp_path, disk, state)
    if first == "a story":
        archive.add(at(state, "c1"), tmp_path / "new.json", b"NEW", timers)
    else:
        archive.on_timer(at(state, "c1"), timers)
    archive.drain()
    assert (tmp_path / "old.json").read_bytes() == b"OLD"
    assert not (tmp_path / "other.json").exists()  # c2 not met yet: its state still holds its file
    assert state.lists["c1"][0] == old  # kept until the key's next timer finds it durable
    archive.on_timer(at(state, "c1"), timers)
    assert "c1" not in state.lists and "c2" in state.lists
    archive.on_timer(at(state, "c2"), timers)  # c2's restored timer
    archive.drain()
    archive.on_timer(at(state, "c2"), timers)
    assert state.lists == {} and (tmp_path / "other.json").read_bytes() == b"OTHER"
    archive.close()


def test_a_failed_write_fails_the_keys_next_timer_and_its_file_stays(tmp_path, disk):
    state = KeyedListState()
    timers = KeyedTimers(state)
    archive = keyed(tmp_path, disk, state)
    disk.fail = True
    archive.add(at(state, "c1"), tmp_path / "a.json", b"A", timers)
    archive.drain()
    with pytest.raises(OSError):
        archive.on_timer(at(state, "c1"), timers)
    with pytest.raises(OSError):
        archive.add(at(state, "c2"), tmp_path / "b.json", b"B", timers)
    assert [p for p, _ in state.lists["c1"]] == [str(tmp_path / "a.json")]
    archive.close()
