"""Output files: JSON Lines written atomically (temporary file, fsync, rename) and the date-partitioned
story archive. Re-running into the same folder replaces files with identical content."""

from __future__ import annotations

import ctypes
import os
import secrets
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

import xxhash

from wirewatch.records import EnrichedStory, dumps


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new hidden file beside ``target``, opened for writing with mode 0666 less the umask (the mode any
    other new file gets; tempfile.mkstemp would force 0600 on every archive and output file)."""
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:  # a 48-bit random clash: draw again
            continue


def _temporary(target: Path) -> tuple[int, Path]:
    """``_create_temporary``, making ``target``'s folder first where it is missing."""
    try:
        return _create_temporary(target)
    except FileNotFoundError:  # the first file of its folder
        target.parent.mkdir(parents=True, exist_ok=True)
        return _create_temporary(target)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # a short write (the disk filling up) goes on until the error comes
        view = view[os.write(fd, view):]


def _replace(target: Path, data: bytes, fsync: bool) -> None:
    fd, tmp = _temporary(target)
    try:
        try:
            _write_all(fd, data)
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_folder(folder: str | os.PathLike) -> None:
    """Make a folder's entries (files created, renamed or removed in it) durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write, fsync, rename, fsync the folder: after a crash the file is either old or new, and durable."""
    target = Path(path)
    _replace(target, data, fsync=True)
    fsync_folder(target.parent)


def write_atomic_all(files: Iterable[tuple[str | os.PathLike, bytes]]) -> None:
    """Several files, each as ``write_atomic`` leaves it (after a crash old or new; durable on return), their
    waits for the disk shared: every temporary file written, all of them fsynced at once (side by side, so
    one journal commit can carry several), then renamed, and each folder fsynced once. Nothing is renamed
    unless every file was written and synced, and an error leaves no temporary file behind."""
    opened: list[tuple[int, Path, Path]] = []
    try:
        try:
            for path, data in files:
                target = Path(path)
                fd, tmp = _temporary(target)
                opened.append((fd, tmp, target))
                _write_all(fd, data)
            _fsync_each([fd for fd, _, _ in opened])
        finally:
            for fd, _, _ in opened:
                os.close(fd)
        for _, tmp, target in opened:
            os.replace(tmp, target)
    except BaseException:
        for _, tmp, _ in opened:
            tmp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(target.parent for _, _, target in opened):
        fsync_folder(folder)


def _fsync_each(fds: list[int]) -> None:
    """fsync every one of ``fds``, each in a thread of its own when there are several (fsync waits for
    the disk without the GIL; waiting side by side, their journal commits can be one)."""
    if len(fds) < 2:
        for fd in fds:
            os.fsync(fd)
        return
    with ThreadPoolExecutor(max_workers=len(fds), thread_name_prefix="fsync") as pool:
        for _ in pool.map(os.fsync, fds):  # the first error raises; leaving the pool waits for the others
            pass


def write_unsynced(path: str | os.PathLike, data: bytes) -> None:
    """Write via a temporary file and rename, without fsync: a crash never leaves a torn file, but the
    file is durable only after ``sync_filesystem``. For many small files written in one batch."""
    _replace(Path(path), data, fsync=False)


_libc = ctypes.CDLL(None, use_errno=True) if hasattr(ctypes, "CDLL") else None


def sync_filesystem(path: str | os.PathLike) -> None:
    """Make everything written on ``path``'s file system durable: one syncfs(2) instead of an fsync per
    file (sync(2) where syncfs is missing)."""
    Path(path).mkdir(parents=True, exist_ok=True)
    syncfs = getattr(_libc, "syncfs", None)
    if syncfs is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs failed: {os.strerror(err)}", str(path))
    finally:
        os.close(fd)


def jsonl_bytes(records: Iterable[Any]) -> bytes:
    return b"".join(dumps(r) + b"\n" for r in records)


def write_jsonl(path: str | os.PathLike, records: Iterable[Any]) -> int:
    rows = list(records)
    write_atomic(path, jsonl_bytes(rows))
    return len(rows)


def archive_partition(story: EnrichedStory) -> str:
    published = story.story.published
    return f"dt={published.date().isoformat()}" if published else "dt=undated"


def write_archive(root: str | os.PathLike, stories: Iterable[EnrichedStory]) -> list[Path]:
    """One file per date partition, named by the hash of the ids it holds: idempotent by story id."""
    partitions: dict[str, list[EnrichedStory]] = defaultdict(list)
    for story in stories:
        partitions[archive_partition(story)].append(story)
    written = []
    for name, rows in sorted(partitions.items()):
        rows.sort(key=lambda s: s.id)
        digest = xxhash.xxh3_64_hexdigest("\n".join(s.id for s in rows).encode())
        path = Path(root) / name / f"stories-{digest}.jsonl"
        write_atomic(path, jsonl_bytes(rows))
        written.append(path)
    return written
