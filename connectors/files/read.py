"""Saved news files in, Stories (or dead letters) out: JSONL of stories, feeds and wire formats (see
connectors/formats.py), and plain wire text like the seed's.

Never raises on bad input: an unreadable, empty or non-UTF-8 file, or a JSONL line that is not a story,
becomes a DeadLetter naming the file and line, and the rest of the input is still read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from wirewatch.records import DeadLetter, Origin, Story, excerpt, story_from_json

JSONL_SUFFIXES = {".jsonl", ".ndjson"}


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Files named, plus every non-hidden file under folders named, sorted; a missing path is kept so
    that reading it yields a dead letter instead of vanishing."""
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                str(p) for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(str(path))
    return found


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
    if Path(path).suffix.lower() in JSONL_SUFFIXES:
        yield from parse_jsonl(data, path)
    else:  # a feed, a wire format, or a plain wire-text page (as in seeds/)
        # imported here: they bring every parser (feedparser, lxml), which reading JSON Lines never needs
        from wirewatch.connectors.parsing.dispatch import read_document
        from wirewatch.connectors.parsing.sniff import sniff

        yield from read_document(data, path, sniff(data, path))


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
        text = _decode(line, origin)
        if isinstance(text, DeadLetter):
            yield text
            continue
        yield story_from_json(text, origin, stage="parse", default_format="jsonl")
