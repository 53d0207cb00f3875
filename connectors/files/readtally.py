"""A count of the files and stories a bounded run's reading step has read, for a progress line in the
process that launched the run. Beam pickles the reading step's arguments, so the count cannot live in a
shared object: each worker appends one byte per file (and per story, in batches) to two files in a folder,
and the launcher reads their sizes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from wirewatch.records import DeadLetter

FILES, STORIES = "files", "stories"
STORY_BATCH = 100  # stories counted before a write: one small append per batch, never one per story


def _append(path: str, count: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, b"." * count)
    finally:
        os.close(fd)


class ReadTally:
    """Picklable; the counts of every copy add up in ``folder``. Losing a count (a crash between batches)
    only makes the progress line lag: nothing else reads it."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = str(folder)
        self._stories = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"folder": self.folder}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.folder, self._stories = state["folder"], 0

    def story(self) -> None:
        self._stories += 1
        if self._stories >= STORY_BATCH:
            self._flush()

    def file_done(self) -> None:
        self._flush()
        _append(os.path.join(self.folder, FILES), 1)

    def _flush(self) -> None:
        if self._stories:
            _append(os.path.join(self.folder, STORIES), self._stories)
            self._stories = 0

    @staticmethod
    def counts(folder: str | os.PathLike) -> tuple[int, int]:
        """(files, stories) read so far."""
        sizes = []
        for name in (FILES, STORIES):
            try:
                sizes.append((Path(folder) / name).stat().st_size)
            except FileNotFoundError:
                sizes.append(0)
        return sizes[0], sizes[1]


def counted(items: Iterable[Any], tally: ReadTally | None) -> Iterator[Any]:
    """The items one file gave (stories and dead letters), counting the stories and then the file."""
    for item in items:
        if tally is not None and not isinstance(item, DeadLetter):
            tally.story()
        yield item
    if tally is not None:
        tally.file_done()
