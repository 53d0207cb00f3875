"""Beam edges of the Parquet archive for bounded runs: write a replay's enriched stories, and read an
archive back as stories so that a replay (a new watch list, say) runs over history."""

from __future__ import annotations

import pickle
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator

import apache_beam as beam
from apache_beam import pvalue

from wirewatch.connectors.archive.reader import read_file
from wirewatch.connectors.archive.writer import ParquetArchive, input_order
from wirewatch.connectors.files.beamio import keyed_pickle
from wirewatch.connectors.files.readtally import ReadTally
from wirewatch.records import DeadLetter

DEAD = "deadletter"


class WriteParquetArchive(beam.PTransform):
    """Enriched stories -> the Parquet archive under ``root`` (one file per day folder; idempotent by id).
    The stories reach the gather as their pickles, under one key, and are unpickled where they are written."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        return (
            stories
            | "Pickle" >> beam.Map(keyed_pickle)
            | "Gather" >> beam.GroupByKey()
            | "Write" >> beam.Map(_write_parquet, self.root)
        )


def _write_parquet(gathered: tuple[None, Iterable[bytes]], root: str) -> int:
    rows = [pickle.loads(data) for data in gathered[1]]
    return len(ParquetArchive(root).write(sorted(rows, key=input_order)))


def _read_folder(files: list[str], tally: ReadTally | None) -> Iterator[Any]:
    seen: set[str] = set()
    for path in files:
        for item in read_file(Path(path), seen):
            if isinstance(item, DeadLetter):
                yield pvalue.TaggedOutput(DEAD, item)
                continue
            if tally is not None:
                tally.story()
            yield item.story
        if tally is not None:
            tally.file_done()


class ReadArchivedStories(beam.PTransform):
    """Archive files (``*.parquet``) -> (stories as archived, dead letters). Each day folder is read by one
    worker, so a story a compaction shows in two files is read once."""

    def __init__(self, files: list[str], tally: ReadTally | None = None) -> None:
        super().__init__()
        folders: dict[str, list[str]] = defaultdict(list)
        for path in files:
            folders[str(Path(path).parent)].append(path)
        self.folders, self.tally = [sorted(v) for _, v in sorted(folders.items())], tally

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple:
        out = (
            pbegin
            | "ListFolders" >> beam.Create(self.folders)
            | "ReadFolders" >> beam.FlatMap(_read_folder, self.tally).with_outputs(DEAD, main="stories")
        )
        return out.stories, out[DEAD]
