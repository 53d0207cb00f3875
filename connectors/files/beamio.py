"""Beam edges for bounded runs: read saved files into stories, write JSON Lines and the archive."""

from __future__ import annotations

from typing import Any, Callable

import apache_beam as beam
from apache_beam import pvalue

from wirewatch.connectors.sinks.files import write_archive, write_jsonl
from wirewatch.connectors.files.read import read_path
from wirewatch.connectors.files.readtally import ReadTally, counted
from wirewatch.records import DeadLetter

DEAD = "deadletter"


def _split(item: Any) -> Any:
    return pvalue.TaggedOutput(DEAD, item) if isinstance(item, DeadLetter) else item


def _read_file(path: str, tally: ReadTally | None) -> Any:
    for item in counted(read_path(path), tally):
        yield _split(item)


class ReadStories(beam.PTransform):
    """File paths -> (stories, dead letters). Each file is read whole by one worker; with a ``tally``, the
    files and stories read are counted there (for a progress line)."""

    def __init__(self, files: list[str], tally: ReadTally | None = None) -> None:
        super().__init__()
        self.files, self.tally = files, tally

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple:
        out = (
            pbegin
            | "ListFiles" >> beam.Create(self.files)
            | "ParseFiles" >> beam.FlatMap(_read_file, self.tally).with_outputs(
                DEAD, main="stories"
            )
        )
        return out.stories, out[DEAD]


class WriteJsonLines(beam.PTransform):
    """Writes a whole bounded PCollection to one JSONL file, atomically, in ``sort_key`` order (so the file
    is identical on every replay). Empty input writes an empty file."""

    def __init__(self, path: str, sort_key: Callable[[Any], Any]) -> None:
        super().__init__()
        self.path, self.sort_key = path, sort_key

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        path, key = self.path, self.sort_key
        # One None beside the records, so that the gather has an element even for empty input: a global
        # combine's own default for empty input hands the whole list to the write as a side input, which
        # the runner sizes object by object.
        empty = records.pipeline | "Empty" >> beam.Create([None])
        return (
            (records, empty)
            | "WithEmpty" >> beam.Flatten()
            | "Gather" >> beam.combiners.ToList().without_defaults()
            | "Write" >> beam.Map(lambda rows: write_jsonl(path, sorted(filter(_not_none, rows), key=key)))
        )


def _not_none(row: Any) -> bool:
    return row is not None


class WriteArchive(beam.PTransform):
    """Writes enriched stories into date partitions under ``root`` (idempotent by story id)."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        root = self.root
        return stories | "Gather" >> beam.combiners.ToList() | "Write" >> beam.Map(lambda rows: len(write_archive(root, rows)))
