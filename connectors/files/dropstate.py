"""What a drop folder has already delivered: each ingested file's path (relative to the folder), size, mtime
and content hash, kept in a small JSON file that is replaced atomically, so that neither a restart nor a
``kill -9`` re-ingests a file or forgets one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from wirewatch.connectors.files.statefile import read_state
from wirewatch.connectors.sinks.files import write_atomic

STATE_VERSION = 1
STATE_NAME = ".wirewatch-drop-state.json"  # inside the folder: a dot-file, so never taken as input


class DropStateError(ValueError):
    """The state file cannot be read. Not retriable: move it aside to start over (the folder's files are
    then ingested again, and their stories, whose ids are stable, deduplicated downstream)."""

    retriable = False


@dataclass(frozen=True, slots=True)
class Ingested:
    size: int
    mtime_ns: int
    sha256: str

    def same_stat(self, size: int, mtime_ns: int) -> bool:
        return (self.size, self.mtime_ns) == (size, mtime_ns)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state_path(folder: Path, state_dir: str | Path | None) -> Path:
    """Inside the folder by default; with ``state_dir``, one file there per folder, named by a hash of the
    folder's absolute path (two folders never share a ledger)."""
    if state_dir is None:
        return folder / STATE_NAME
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return Path(state_dir) / f"drop-{folder.resolve().name or 'root'}-{digest}.json"


class DropLedger:
    """The ingested files of one folder, by relative path. ``save`` writes only after a change."""

    def __init__(self, path: Path, folder: Path, files: dict[str, Ingested] | None = None) -> None:
        self.path, self.folder = path, folder
        self.files: dict[str, Ingested] = files or {}
        self._dirty = False

    @classmethod
    def load(cls, path: Path, folder: Path) -> DropLedger:
        files = read_state(path, STATE_VERSION, "drop-folder state", DropStateError,
                           lambda data: {str(k): _entry(v) for k, v in data["files"].items()})
        return cls(path, folder, files)

    def get(self, key: str) -> Ingested | None:
        return self.files.get(key)

    def record(self, key: str, entry: Ingested) -> None:
        if self.files.get(key) != entry:
            self.files[key] = entry
            self._dirty = True

    def keep_only(self, keys: set[str]) -> None:
        """Forgets files no longer in the folder (moved away or deleted): a file dropped again later is new."""
        gone = [key for key in self.files if key not in keys]
        for key in gone:
            del self.files[key]
        self._dirty |= bool(gone)

    def save(self) -> None:
        if not self._dirty:
            return
        body: dict[str, Any] = {
            "version": STATE_VERSION,
            "folder": str(self.folder.resolve()),
            "files": {k: {"size": e.size, "mtime_ns": e.mtime_ns, "sha256": e.sha256} for k, e in sorted(self.files.items())},
        }
        write_atomic(self.path, orjson.dumps(body, option=orjson.OPT_INDENT_2))
        self._dirty = False


def _entry(value: Any) -> Ingested:
    size, mtime_ns, digest = value["size"], value["mtime_ns"], value["sha256"]
    if not (isinstance(size, int) and isinstance(mtime_ns, int) and isinstance(digest, str)):
        raise ValueError(f"bad entry {value!r}")
    return Ingested(size, mtime_ns, digest)
