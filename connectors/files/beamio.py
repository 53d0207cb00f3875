"""Beam edges for bounded runs: read saved files into stories, write JSON Lines and the archive."""

from __future__ import annotations

import pickle
from typing import Any, Callable, Iterable, Sequence

import apache_beam as beam
from apache_beam import pvalue

from wirewatch.connectors.sinks.files import jsonl_bytes, write_archive, write_atomic
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
        return (records,) | "WriteFiles" >> WriteJsonLinesFiles([(self.path, self.sort_key)])


class WriteJsonLinesFiles(beam.PTransform):
    """Writes whole bounded PCollections to JSONL files, as WriteJsonLines does for one: applied to a tuple of
    PCollections with one (path, sort_key) each in ``files`` (several may name one file, whose lines are
    then sorted together). One gather and one write for all of them, so the runner sets up one step each.

    Each record becomes its JSON line where it is made, and the gather carries (file, key, line): the runner
    encodes and sizes those values cheaply, while a record it pickles, again at every step the gathered list
    passes. One start element beside them gives the gather an element even for empty input (a global
    combine's own default for empty input hands the whole list to the write as a side input instead, which
    the runner sizes object by object)."""

    def __init__(self, files: Sequence[tuple[str, Callable[[Any], Any]]]) -> None:
        super().__init__()
        self.files = list(files)

    def expand(self, inputs: tuple[beam.PCollection, ...]) -> beam.PCollection:
        if len(inputs) != len(self.files):
            raise ValueError(f"{len(inputs)} PCollections for {len(self.files)} files")
        paths = list(dict.fromkeys(path for path, _ in self.files))
        lines = [records | f"ToLines{i}" >> beam.Map(_keyed_line, paths.index(path), key)
                 for i, (records, (path, key)) in enumerate(zip(inputs, self.files))]
        start = inputs[0].pipeline | "Start" >> beam.Impulse() | "KeyStart" >> beam.Map(_keyed_start)
        return (
            (*lines, start)
            | "Together" >> beam.Flatten()
            | "Gather" >> beam.GroupByKey()  # one key; fewer steps to set up than a global combine
            | "Write" >> beam.Map(_write_files, paths)
        )


def _keyed_line(record: Any, file: int, sort_key: Callable[[Any], Any]) -> tuple[None, tuple[int, Any, bytes]]:
    return None, (file, sort_key(record), jsonl_bytes((record,)))


def _keyed_start(_: bytes) -> tuple[None, None]:
    return None, None


def _write_files(gathered: tuple[None, Iterable[Any]], paths: list[str]) -> None:
    """Each file's lines in its key order (a stable sort: equal keys keep the order gathered, as before)."""
    by_file: list[list[tuple[int, Any, bytes]]] = [[] for _ in paths]
    for row in gathered[1]:
        if row is not None:  # not the start element
            by_file[row[0]].append(row)
    for path, found in zip(paths, by_file):
        found.sort(key=_key_of)
        write_atomic(path, b"".join(line for _, _, line in found))


def _key_of(row: tuple[int, Any, bytes]) -> Any:
    return row[1]


class WriteArchive(beam.PTransform):
    """Writes enriched stories into date partitions under ``root`` (idempotent by story id). The stories reach
    the gather as their pickles (a record in a gathered list the runner pickles at every step it passes, to
    size it), under one key."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def expand(self, stories: beam.PCollection) -> beam.PCollection:
        return (
            stories
            | "Pickle" >> beam.Map(keyed_pickle)
            | "Gather" >> beam.GroupByKey()
            | "Write" >> beam.Map(_write_archive, self.root)
        )


def keyed_pickle(record: Any) -> tuple[None, bytes]:
    """A record as its pickle under the one key of a gather (a GroupByKey): the runner sizes bytes by their
    length, where a record in a gathered list it pickles again at every step the list passes."""
    return None, pickle.dumps(record, pickle.HIGHEST_PROTOCOL)


def _write_archive(gathered: tuple[None, Iterable[bytes]], root: str) -> int:
    return len(write_archive(root, [pickle.loads(data) for data in gathered[1]]))
