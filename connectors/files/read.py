"""Saved news files in, Stories (or dead letters) out: JSONL of stories, feeds and wire formats (see
connectors/formats.py), plain wire text like the seed's, and the stories a Parquet archive file holds.

Never raises on bad input: an unreadable, empty or non-UTF-8 file, or a JSONL line that is not a story,
becomes a DeadLetter naming the file and line, and the rest of the input is still read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from wirewatch.connectors.archive import layout
from wirewatch.records import DeadLetter, Origin, Story, excerpt, story_from_json

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PARQUET_MAGIC = b"PAR1"


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Files named, plus every non-hidden file under folders named, sorted; a missing path is kept so
    that reading it yields a dead letter instead of vanishing."""
    found: list[str] = []
    listings: dict[Path, frozenset[str]] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                str(p) for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and archive_visible(p, listings)
            )
        else:
            found.append(str(path))
    return found


def archive_visible(path: Path, listings: dict[Path, frozenset[str]]) -> bool:
    """False for what an archive's day folder holds beside its stories: a compaction's manifest, and a file
    a finished compaction replaced (its stories are in the merged file). ``listings``: each folder's
    visible archive files, listed once."""
    if path.name.endswith(layout.REPLACES):
        return False
    if not path.name.endswith(layout.SUFFIX):
        return True
    if path.parent not in listings:
        listings[path.parent] = layout.visible_names(path.parent)
    return path.name in listings[path.parent]


def read_path(path: str) -> Iterator[Story | DeadLetter]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        yield DeadLetter(f"{path}:0", "read", f"cannot read file: {exc.strerror or exc}", retriable=True)
        return
    yield from read_data(data, path)


def read_data(data: bytes, path: str) -> Iterator[Story | DeadLetter]:
    """The stories in ``data``, the bytes already read from ``path`` (a drop folder reads a file once, to
    hash exactly what it ingests)."""
    if not data.strip():
        yield DeadLetter(f"{path}:0", "read", "file is empty")
        return
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from parse_jsonl(data, path)
    elif suffix == layout.SUFFIX or data[:4] == PARQUET_MAGIC:
        yield from read_archived(data, path)
    else:  # a feed, a wire format, or a plain wire-text page (as in seeds/)
        # imported here: they bring every parser (feedparser, lxml), which reading JSON Lines never needs
        from wirewatch.connectors.parsing.dispatch import read_document
        from wirewatch.connectors.parsing.sniff import sniff

        yield from read_document(data, path, sniff(data, path))


def read_archived(data: bytes, path: str) -> Iterator[Story | DeadLetter]:
    """The stories a Parquet archive file holds, as they were read before they were enriched, so a watch list
    or a clustering can run over what the service archived."""
    from wirewatch.connectors.archive.reader import read_file  # pyarrow: only for archive files

    for item in read_file(Path(path), set(), data):
        yield item if isinstance(item, DeadLetter) else item.story


def _decode(data: bytes, origin: Origin | str) -> str | DeadLetter:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return DeadLetter(
            origin, "decode", f"not UTF-8: {exc.reason} at byte {exc.start}",
            raw=excerpt(data),
        )


def parse_jsonl(data: bytes, path: str) -> Iterator[Story | DeadLetter]:
    """One story per line (at least ``id`` and ``body``); blank lines are skipped, bad lines dead-lettered."""
    source = str(path)
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        origin = Origin(source, line=number)  # what Origin.parse(f"{path}:{number}") gives
        try:  # most lines: JSON straight from the bytes (orjson checks their UTF-8), no text decoded first
            story: Story | None = Story.from_dict(orjson.loads(line), origin, "jsonl")
        except Exception:  # noqa: BLE001 (a BOM, bad UTF-8, bad JSON or a bad story: the guarded path below
            story = None  # reads the line again and names what is wrong, as it always has)
        if story is not None:
            yield story
            continue
        text = _decode(line, origin)
        if isinstance(text, DeadLetter):
            yield text
            continue
        yield story_from_json(text, origin, stage="parse", default_format="jsonl")
