"""Which files of a drop folder are ready to ingest: complete, and not ingested before.

A file is complete when it was renamed into place from a temporary name the watcher saw (a rename keeps the
file's identity, its device and inode), or when its size, mtime and identity have stayed the same over the
quiet period. Temporary names are never taken: hidden files (``.name``, and anything under a hidden folder)
and ``*.part`` / ``*.tmp``. What was ingested comes from the folder's ledger (connectors/dropstate.py).
"""

from __future__ import annotations

import os
import stat as stat_mode
from dataclasses import dataclass
from pathlib import Path

from wirewatch.connectors.files.dropstate import DropLedger, Ingested, state_path

TEMPORARY_SUFFIXES = (".part", ".tmp")
DEFAULT_QUIET_S = 5.0


def is_temporary(name: str) -> bool:
    """A name a writer uses while the file is incomplete (documented in the README)."""
    return name.startswith(".") or name.lower().endswith(TEMPORARY_SUFFIXES)


@dataclass(frozen=True, slots=True)
class FileStat:
    size: int
    mtime_ns: int
    dev: int
    ino: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileStat:
        return cls(st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


@dataclass(frozen=True, slots=True)
class Listing:
    files: dict[str, FileStat]  # by path relative to the folder, temporary names left out
    temporary: set[tuple[int, int]]  # (dev, ino) of the temporary files


def list_folder(folder: Path) -> Listing | None:
    """Every regular file under ``folder`` (recursively); None when the folder cannot be listed."""
    files: dict[str, FileStat] = {}
    temporary: set[tuple[int, int]] = set()
    if not folder.is_dir():
        return None
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = os.path.join(top, name)
            try:
                st = os.stat(path)
            except OSError:  # gone since the listing, or a dangling link
                continue
            if not stat_mode.S_ISREG(st.st_mode):
                continue
            if is_temporary(name):
                temporary.add((st.st_dev, st.st_ino))
            else:
                files[Path(path).relative_to(folder).as_posix()] = FileStat.of(st)
    return Listing(files, temporary)


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str  # relative to the folder
    path: str
    stat: FileStat
    renamed: bool  # renamed into place from a temporary name


class DropFolder:
    """One watched folder: its ledger and what each poll has seen. ``poll(now)`` returns the files to take.
    ``now`` is a monotonic clock reading, passed in so tests need not sleep through the quiet period."""

    def __init__(self, folder: Path, ledger: DropLedger, quiet: float = DEFAULT_QUIET_S) -> None:
        self.folder, self.ledger, self.quiet = folder, ledger, quiet
        self._since: dict[str, tuple[FileStat, float]] = {}  # unchanged since (monotonic seconds)
        self._temporary: set[tuple[int, int]] = set()  # seen at the last poll

    def poll(self, now: float) -> list[Candidate]:
        listing = list_folder(self.folder)
        if listing is None:
            return []
        seen_temporary, self._temporary = self._temporary, listing.temporary
        self.ledger.keep_only(set(listing.files))
        ready = []
        for key, stat in sorted(listing.files.items()):
            done = self.ledger.get(key)
            if done is not None and done.same_stat(stat.size, stat.mtime_ns):
                self._since.pop(key, None)
                continue
            earlier = self._since.get(key)
            if earlier is None and (stat.dev, stat.ino) in seen_temporary:
                self._since[key] = (stat, now - self.quiet)  # complete: a retry after a failure need not wait
                ready.append(Candidate(key, str(self.folder / key), stat, renamed=True))
            elif earlier is None or earlier[0] != stat:
                self._since[key] = (stat, now)  # new or changed: the quiet period starts (again)
            elif now - earlier[1] >= self.quiet:
                ready.append(Candidate(key, str(self.folder / key), stat, renamed=False))
        for key in [k for k in self._since if k not in listing.files]:
            del self._since[key]
        return ready

    def changed_since(self, candidate: Candidate) -> bool:
        """Whether the file changed after ``poll`` listed it (checked after reading it); if so its quiet
        period starts again."""
        try:
            now_stat = FileStat.of(os.stat(candidate.path))
        except OSError:
            now_stat = None
        if now_stat == candidate.stat:
            return False
        self._since.pop(candidate.key, None)
        return True

    def ingested(self, candidate: Candidate, digest: str) -> None:
        self.ledger.record(candidate.key, Ingested(candidate.stat.size, candidate.stat.mtime_ns, digest))

    def already_ingested(self, candidate: Candidate, digest: str) -> bool:
        """The same content as the last ingested version of this path (only touched, or copied over with
        identical bytes): not ingested again, but remembered under its new size and mtime."""
        done = self.ledger.get(candidate.key)
        if done is None or done.sha256 != digest:
            return False
        self.ingested(candidate, digest)
        return True


def open_folder(folder: str | Path, state_dir: str | Path | None = None, quiet: float = DEFAULT_QUIET_S) -> DropFolder:
    """A watched folder with its ledger loaded (inside the folder, or in ``state_dir``)."""
    path = Path(folder)
    return DropFolder(path, DropLedger.load(state_path(path, state_dir), path), quiet)
