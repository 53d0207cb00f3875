"""Writing the Parquet archive: ``ParquetArchive(root).write(stories)`` and ``.compact()``.

- Atomic: each file is written under a hidden temporary name, fsynced, renamed into place and its folder
  fsynced (``connectors/sinks/files.write_atomic``); a crash leaves either no file or the whole file.
- Idempotent by story id: a story whose id is already in its day folder is not written again, so a bundle
  read twice from Kafka (after a crash before the commit) adds nothing. A batch is named by the ids it holds,
  so writing the same batch again replaces its file (a replay with new rules rewrites its own files).
- Compaction merges a day's small files into one (duplicates dropped), then removes them; readers switch
  from the small files to the merged one at once (``layout.py``).

One writer per archive at a time (compaction may run beside it, in this process or another). The writer
remembers which ids each day folder holds, reading only the ``id`` column of files it has not seen, and rereads
a folder when its listing changed (say, after a compaction by another process). The two agree through a lock
on each day folder (``folder_lock``): a writer holds it from its listing of the folder to its write, a
compaction while it finishes earlier compactions and lists the folder, and while it swaps the merged file
in, so no compaction lands between a writer's listing and its write (a batch written again would otherwise
come back beside the merged file that already holds it).
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.layout import (
    REPLACES, SUFFIX, partition_of, partitions, replaced_by, visible_files, visible_names,
)
from wirewatch.connectors.sinks.files import fsync_folder, write_atomic
from wirewatch.records import EnrichedStory

log = logging.getLogger("wirewatch.archive")

FORMAT_VERSION = b"1"
COMPRESSION = "zstd"
ROW_GROUP_ROWS = 50_000
# Dictionary encoding pays for columns with few distinct values; min/max statistics for the columns queries
# filter or sort on (text columns' statistics would cost time and prune nothing).
DICTIONARY_COLUMNS = ["source", "publisher", "credit", "language", "format", "authors", "country_codes", "regions",
                      "rules", "kafka_topic"]
STATISTICS_COLUMNS = ["id", "published", "cluster_id", "kafka_partition", "kafka_offset"]
SMALL_FILE_BYTES = 32 * 1024 * 1024  # files below this are merged by compact()
STALE_TEMPORARY_S = 3600.0  # temporary files older than this are left over from a crash; compact() removes them
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def encode(table: pa.Table) -> bytes:
    """A table as the bytes of one Parquet file (zstd; the archive's format version in its metadata)."""
    table = table.replace_schema_metadata({b"wirewatch.archive": FORMAT_VERSION})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS,
                   use_dictionary=DICTIONARY_COLUMNS, write_statistics=STATISTICS_COLUMNS)
    return sink.getvalue().to_pybytes()


def batch_name(prefix: str, ids: Iterable[str]) -> str:
    return f"{prefix}-{xxhash.xxh3_64_hexdigest(chr(10).join(sorted(ids)).encode())}.parquet"


def input_order(story: EnrichedStory) -> tuple:
    """By id, then where it was read: sorted so, a batch hands ``write`` the same first copy of an id on
    every replay, whatever order the engine gathered it in."""
    origin = story.story.origin
    return (story.id, origin.sort_key() if origin else ("", -1, 0))


def _story_order(story: EnrichedStory) -> tuple:
    return (story.story.published or _EARLIEST, story.id)


@dataclass
class _Folder:
    """The ids one day folder holds, by the file that holds them, as of the listing ``seen``."""

    seen: frozenset[str] = frozenset()
    owner: dict[str, str] = field(default_factory=dict)  # story id -> file name


class ParquetArchive:
    """The archive under ``root``. ``write_file`` makes one file durable (injectable for tests)."""

    def __init__(self, root: str | os.PathLike, *, write_file: Callable[[Path, bytes], None] = write_atomic,
                 cached_folders: int = 32) -> None:
        self.root = Path(root)
        self.write_file = write_file
        self.cached_folders = cached_folders
        self._folders: OrderedDict[str, _Folder] = OrderedDict()

    def write(self, stories: Iterable[EnrichedStory]) -> list[Path]:
        """Archive ``stories`` (the first of several with one id wins); returns the files written. Each day
        folder gets at most one new file per call: write whole bundles, not single stories."""
        batches: dict[str, dict[str, EnrichedStory]] = {}
        for story in stories:
            batches.setdefault(partition_of(story), {}).setdefault(story.id, story)
        written = []
        for partition, batch in sorted(batches.items()):
            name = batch_name("part", batch)
            with folder_lock(self.root / partition):
                folder = self._folder(partition)
                fresh = sorted((s for i, s in batch.items() if folder.owner.get(i, name) == name), key=_story_order)
                if not fresh:
                    continue
                path = self.root / partition / name
                self.write_file(path, encode(schema.table(fresh)))
            for s in fresh:
                folder.owner[s.id] = name
            folder.seen = folder.seen | {name}
            written.append(path)
        return written

    def compact(self, *, small_bytes: int = SMALL_FILE_BYTES, min_files: int = 2) -> list[Path]:
        """Merge each day folder's small files into one (a story id kept once), then remove the small files
        and any temporary file a crashed writer left. Returns the files written."""
        written = []
        for folder in partitions(self.root):
            with folder_lock(folder):
                _sweep_temporary(folder)
                _finish_compactions(folder)
                small = {p: _identity(p) for p in visible_files(folder) if p.stat().st_size < small_bytes}
            if len(small) < min_files:
                continue
            try:  # read without the lock: a writer goes on meanwhile
                merged = _unique(pa.concat_tables([pq.read_table(p, schema=schema.SCHEMA) for p in small]))
            except FileNotFoundError:  # another compaction merged them meanwhile
                continue
            order = pc.sort_indices(merged, [("published", "ascending"), ("id", "ascending")])
            merged = merged.take(order)
            path = folder / batch_name("compacted", merged.column("id").to_pylist())
            manifest, data = path.with_suffix(REPLACES), encode(merged)
            with folder_lock(folder):
                if any(_identity(p) != seen for p, seen in small.items()):  # rewritten or merged meanwhile
                    log.info("archive folder changed during its compaction; compacted next time",
                             extra={"folder": folder.name})
                    continue
                write_atomic(manifest, "".join(f"{p.name}\n" for p in small if p != path).encode())
                self.write_file(path, data)  # from here on readers see the merged file, not the small ones
                _finish_compactions(folder)
            written.append(path)
            log.info("compacted", extra={"folder": folder.name, "files": len(small), "stories": merged.num_rows})
        return written

    def _folder(self, partition: str) -> _Folder:
        """The folder's ids, brought up to date with its listing."""
        folder = self._folders.pop(partition, None) or _Folder()
        self._folders[partition] = folder  # most recently used last
        while len(self._folders) > self.cached_folders:
            self._folders.popitem(last=False)
        names = visible_names(self.root / partition)
        if names != folder.seen:
            gone = folder.seen - names
            if gone:
                folder.owner = {i: n for i, n in folder.owner.items() if n not in gone}
            for name in sorted(names - folder.seen):
                for story_id in _ids(self.root / partition / name):
                    folder.owner.setdefault(story_id, name)
            folder.seen = names
        return folder


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """The day folder's lock (flock on the folder itself, so no file is added): across threads and processes,
    and let go by the kernel when its holder dies, so a writer or a compaction killed with -9 blocks no one."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells a file from the one written in its place (a batch written again is renamed over it)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _ids(path: Path) -> list[str]:
    try:
        return pq.read_table(path, columns=["id"]).column("id").to_pylist()
    except (OSError, pa.ArrowException) as exc:  # vanished (compacted) or not ours: it holds no ids we know
        log.warning("archive file unreadable; its ids are not known", extra={"file": str(path), "error": str(exc)[:300]})
        return []


def _unique(table: pa.Table) -> pa.Table:
    """The first row of each story id."""
    seen: set[str] = set()
    keep = [i for i, story_id in enumerate(table.column("id").to_pylist())
            if story_id not in seen and not seen.add(story_id)]  # type: ignore[func-returns-value]
    return table if len(keep) == table.num_rows else table.take(pa.array(keep, pa.int64()))


def _sweep_temporary(folder: Path, older_than_s: float = STALE_TEMPORARY_S) -> None:
    cutoff = time.time() - older_than_s
    for entry in os.scandir(folder):
        if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.stat().st_mtime < cutoff:
            Path(entry.path).unlink(missing_ok=True)


def _finish_compactions(folder: Path) -> None:
    """Remove the files each finished compaction replaced, then its manifest; a manifest whose merged file
    never appeared (a crash before the rename) is dropped, and the files it named stay."""
    for manifest in sorted(folder.glob(f"*{REPLACES}")):
        if manifest.with_suffix(SUFFIX).exists():
            for name in replaced_by(manifest):
                (folder / name).unlink(missing_ok=True)
            fsync_folder(folder)
        manifest.unlink(missing_ok=True)
    fsync_folder(folder)

