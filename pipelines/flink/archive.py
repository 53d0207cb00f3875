"""The Flink job's archive files written behind the step that makes them (WriteBehind: the fused layout's
one-key step; KeyedWriteBehind: the split layout's step keyed by cluster): a thread of their own writes them
in batches and makes each batch durable with one syncfs, so the step never waits on the file system. Each
file stays in the step's keyed state (a list state) until it is durable, so every checkpoint holds what the
disk may not yet: a job restored from it writes those files again (the same path, the same bytes). A
checkpoint therefore never commits the offsets of a story whose file could be lost, even in a crash of the
machine. PyFlink gives a Python function no hook at the checkpoint barrier; the state is what makes the
files part of the checkpoint. Wiring only: the file writes are connectors/sinks/files.py's."""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Any, Callable

from wirewatch.connectors.sinks.files import sync_filesystem, write_unsynced

FLUSH_MS = 100  # how often the step hands what came since to the thread (and forgets what is durable)
MOST_IN_FLIGHT = 4  # batches handed over and not yet durable before the step waits for the thread

Entry = tuple[str, bytes]  # the archive file's path and its bytes


class WriteBehind:
    """``add`` keeps a file in ``unwritten`` (the step's list state) and in memory; on the step's timer,
    ``flush`` forgets in the state the batches the thread has made durable and hands it what came since.
    A write that failed fails the next ``flush`` (the job then restarts from its checkpoint, which still
    holds the file). ``unwritten`` is read once, before the first ``add`` or ``flush``: what a restore
    brought back is written and synced there and then."""

    def __init__(self, root: Path, unwritten: Any, write: Callable[[Path, bytes], None] = write_unsynced,
                 sync: Callable[[Path], None] = sync_filesystem) -> None:
        self.root, self.unwritten, self.write, self.sync = root, unwritten, write, sync
        self.current: list[Entry] = []  # added since the last hand-over
        self.handed: deque[list[Entry]] = deque()  # handed to the thread, oldest first, not known durable
        self.durable = 0  # batches the thread has made durable, counted by the thread
        self.forgotten = 0  # of those, the batches the state no longer holds
        self.failure: BaseException | None = None
        self.restored = self.armed = False
        self.changed = threading.Condition()
        self.queue: deque[list[Entry] | None] = deque()
        self.thread = threading.Thread(target=self._run, name="wirewatch-archive", daemon=True)
        self.thread.start()

    def add(self, path: Path, data: bytes) -> None:
        self._restore()
        self.unwritten.add((str(path), data))
        self.current.append((str(path), data))

    def arm(self, timers: Any) -> None:
        """Ask for the timer (``timers``: the step's TimerService) while something is not yet durable."""
        if (self.current or self.handed) and not self.armed:
            timers.register_processing_time_timer(timers.current_processing_time() + FLUSH_MS)
            self.armed = True

    def flush(self) -> None:
        self.armed = False
        self._restore()
        with self.changed:
            self.changed.wait_for(lambda: self.failure is not None
                                  or len(self.handed) - (self.durable - self.forgotten) < MOST_IN_FLIGHT)
            if self.failure is not None:
                raise self.failure
            done = self.durable - self.forgotten
        if done:
            for _ in range(done):
                self.handed.popleft()
            self.forgotten += done
            left = [entry for batch in self.handed for entry in batch] + self.current
            if left:
                self.unwritten.update(left)
            else:
                self.unwritten.clear()
        if self.current:
            self.handed.append(self.current)
            with self.changed:
                self.queue.append(self.current)
                self.changed.notify_all()
            self.current = []

    def drain(self) -> None:
        """Wait until the thread has made durable everything handed to it (or failed)."""
        with self.changed:
            self.changed.wait_for(lambda: self.failure is not None
                                  or self.durable - self.forgotten == len(self.handed))

    def close(self) -> None:
        with self.changed:
            self.queue.append(None)
            self.changed.notify_all()
        self.thread.join()

    def _restore(self) -> None:
        if self.restored:
            return
        self.restored = True
        left = list(self.unwritten.get() or ())
        if left:  # a restored checkpoint's files, perhaps lost with the machine: again, before anything new
            self._write(left)
            self.unwritten.clear()

    def _write(self, batch: list[Entry]) -> None:
        for path, data in batch:
            self.write(Path(path), data)
        self.sync(self.root)

    def _run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: bool(self.queue))
                batch = self.queue[0]
            if batch is None:
                return
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 (reported by the step's next flush)
                with self.changed:
                    self.failure = exc
                    self.changed.notify_all()
                return
            with self.changed:
                self.queue.popleft()
                self.durable += 1
                self.changed.notify_all()


MOST_UNSYNCED = 10_000  # files handed to the thread and not yet durable before a step waits for it


class KeyedWriteBehind:
    """The archive of the split layout's step keyed by cluster, written behind it: ``add`` keeps the file in
    the key's list state (``unwritten``, scoped by Flink to the current key) and hands it to a thread, which
    writes what it has been handed and makes it durable with one syncfs; a processing-time timer of the key
    (``FLUSH_MS`` on, on a shared boundary, so the keys of one interval share each timestamp) clears the key's
    state once its last file is durable, and asks again while it is not. So a checkpoint holds every file the
    disk may not have yet. A restore brings back the states and their timers: the first time a key is met
    again (by a story or by its timer), what its state held is written again (the same paths, the same
    bytes). A write that failed fails the next ``add`` or ``on_timer``: the job restarts from its checkpoint,
    which still holds the file."""

    def __init__(self, root: Path, unwritten: Any, write: Callable[[Path, bytes], None] = write_unsynced,
                 sync: Callable[[Path], None] = sync_filesystem) -> None:
        self.root, self.unwritten, self.write, self.sync = root, unwritten, write, sync
        self.last: dict[str, int] = {}  # key -> the number of its last file handed to the thread
        self.handed = 0  # files handed to the thread, numbered from 1
        self.durable = 0  # files the thread has made durable (they are made durable in the order handed)
        self.failure: BaseException | None = None
        self.closing = False
        self.changed = threading.Condition()
        self.queue: list[Entry] = []
        self.thread = threading.Thread(target=self._run, name="wirewatch-archive", daemon=True)
        self.thread.start()

    def add(self, key: str, path: Path, data: bytes, timers: Any) -> None:
        entry = (str(path), data)
        known = key in self.last
        self._hand(key, ([] if known else list(self.unwritten.get() or ())) + [entry])
        self.unwritten.add(entry)
        self._arm(timers)

    def on_timer(self, key: str, timers: Any) -> None:
        if key not in self.last:  # a restored timer: its key's files, perhaps lost with the machine, again
            left = list(self.unwritten.get() or ())
            if left:
                self._hand(key, left)
                self._arm(timers)
            return
        with self.changed:
            if self.failure is not None:
                raise self.failure
            durable = self.durable >= self.last[key]
        if durable:
            self.unwritten.clear()
            del self.last[key]
        else:
            self._arm(timers)

    def drain(self) -> None:
        """Wait until the thread has made durable everything handed to it (or failed)."""
        with self.changed:
            self.changed.wait_for(lambda: self.failure is not None or self.durable == self.handed)

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        self.thread.join()

    def _arm(self, timers: Any) -> None:
        now = timers.current_processing_time()
        timers.register_processing_time_timer((now // FLUSH_MS + 2) * FLUSH_MS)  # one timestamp per key

    def _hand(self, key: str, entries: list[Entry]) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.failure is not None or self.handed - self.durable < MOST_UNSYNCED)
            if self.failure is not None:
                raise self.failure
            self.queue += entries
            self.handed += len(entries)
            self.last[key] = self.handed
            self.changed.notify_all()

    def _run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: bool(self.queue) or self.closing)
                if not self.queue:
                    return
                batch, self.queue = self.queue, []
            try:
                for path, data in batch:
                    self.write(Path(path), data)
                self.sync(self.root)
            except BaseException as exc:  # noqa: BLE001 (reported by the step's next add or timer)
                with self.changed:
                    self.failure = exc
                    self.changed.notify_all()
                return
            with self.changed:
                self.durable += len(batch)
                self.changed.notify_all()
