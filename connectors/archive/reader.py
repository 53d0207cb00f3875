"""Reading the archive back as records: each day folder's stories, each story id once (a folder being
compacted briefly shows a story in two files)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.layout import visible_files
from wirewatch.records import DeadLetter, EnrichedStory

BATCH_ROWS = 2_000


def read_folder(folder: str | os.PathLike) -> Iterator[EnrichedStory | DeadLetter]:
    """The stories of one day folder, in file order; a file that cannot be read is one dead letter."""
    seen: set[str] = set()
    for path in visible_files(folder):
        yield from read_file(path, seen)


def read_files(paths: list[str | os.PathLike]) -> Iterator[EnrichedStory | DeadLetter]:
    """The stories of the given archive files, each id once."""
    seen: set[str] = set()
    for path in paths:
        yield from read_file(Path(path), seen)


def read_file(path: Path, seen: set[str], data: bytes | None = None) -> Iterator[EnrichedStory | DeadLetter]:
    """The stories of one file whose ids are not in ``seen`` (which gains them); from ``data``, its bytes
    already read, if given."""
    try:
        parquet = pq.ParquetFile(path if data is None else io.BytesIO(data))
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                if row["id"] not in seen:
                    seen.add(row["id"])
                    yield schema.enriched(row)
    except (OSError, ValueError, KeyError) as exc:  # pyarrow's errors are OSError/ValueError subclasses
        yield DeadLetter(f"{path}:0", "read", f"cannot read archive file: {exc}"[:500], retriable=isinstance(exc, OSError))
