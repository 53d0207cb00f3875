"""Beam edges for bounded runs: read saved files into stories, write JSON Lines."""

from __future__ import annotations

import pickle
from typing import Any, Callable, Iterable, Iterator, Sequence

import apache_beam as beam
from apache_beam import pvalue

from wirewatch.connectors.sinks.files import jsonl_bytes, write_atomic
from wirewatch.connectors.files.read import read_path
from wirewatch.connectors.files.readtally import ReadTally, counted
from wirewatch.records import DeadLetter, Story

DEAD = "deadletter"


class StoryBatch(list):
    """Items of one file handed on together (``ReadBatches``): its stories and the dead letters met reading
    them."""


class _StoryBatchCoder(beam.coders.Coder):
    """Encodes a StoryBatch as its pickle, and estimates its size from its stories' text instead: the runner
    sizes a sample of the elements between any two steps, which for a list of records means pickling it,
    and the first few elements of each step are always in the sample (so all of them, when they are few
    batches)."""

    def encode(self, value: StoryBatch) -> bytes:
        return pickle.dumps(list(value), pickle.HIGHEST_PROTOCOL)

    def decode(self, encoded: bytes) -> StoryBatch:
        return StoryBatch(pickle.loads(encoded))

    def is_deterministic(self) -> bool:
        return False

    def estimate_size(self, value: StoryBatch) -> int:
        return sum(len(item.body) + len(item.title or "") if isinstance(item, Story) else 100 for item in value)


beam.coders.registry.register_coder(StoryBatch, _StoryBatchCoder)


def _read_file(path: str, tally: ReadTally | None) -> Any:
    for item in counted(read_path(path), tally):
        yield pvalue.TaggedOutput(DEAD, item) if isinstance(item, DeadLetter) else item


def _read_batches(start: bytes, files: list[str], tally: ReadTally | None, batch: int) -> Iterator[StoryBatch]:
    yield StoryBatch()  # the start element: a gather after it always has one element, even for no input
    for path in files:
        items = StoryBatch()
        for item in counted(read_path(path), tally):
            items.append(item)
            if len(items) == batch:
                yield items
                items = StoryBatch()
        if items:
            yield items


class ReadBatches(beam.PTransform):
    """File paths -> one PCollection of StoryBatches, each up to ``batch`` items of one file in the order
    read: its stories and the dead letters met reading them. An empty batch comes first, so the PCollection
    is never empty. One step and its start element, where ``ReadStories`` takes three steps and hands the
    dead letters on apart: for a bounded run that gathers everything at once (each step is set up, and each
    stage started and stopped, again on every run)."""

    def __init__(self, files: list[str], tally: ReadTally | None = None, batch: int = 250) -> None:
        super().__init__()
        self.files, self.tally, self.batch = files, tally, batch

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (
            pbegin
            | "Start" >> beam.Impulse()
            | "ReadFiles" >> beam.FlatMap(_read_batches, self.files, self.tally, self.batch)
            .with_output_types(StoryBatch)
        )


def keyed_batch(element: Any) -> tuple[None, StoryBatch]:
    """An element of stories or dead letters (one, or a list of them) as a StoryBatch, which the runner sizes
    without pickling a story, under the one key of a gather."""
    return None, element if isinstance(element, StoryBatch) else StoryBatch(
        element if isinstance(element, list) else (element,))


class FilesToRead:
    """Saved files, read as they are iterated: each file's stories and the dead letters met reading it, in
    order, counted in ``tally``. What a runner with one worker hands to the gather in place of the stories
    (``keyed_files``): the step after the gather reads them where it reads each story, so no story is
    pickled to cross to it and unpickled there."""

    def __init__(self, files: list[str], tally: ReadTally | None = None) -> None:
        self.files, self.tally = list(files), tally

    def __iter__(self) -> Iterator[Story | DeadLetter]:
        for path in self.files:
            yield from counted(read_path(path), self.tally)


def keyed_files(_: bytes, files: list[str], tally: ReadTally | None) -> tuple[None, FilesToRead]:
    """The start element -> ``files`` to read after the gather, under its one key."""
    return None, FilesToRead(files, tally)


class ReadStories(beam.PTransform):
    """File paths -> (stories, dead letters), one per element. Each file is read whole by one worker; with a
    ``tally``, the files and stories read are counted there (for a progress line)."""

    def __init__(self, files: list[str], tally: ReadTally | None = None) -> None:
        super().__init__()
        self.files, self.tally = files, tally

    def expand(self, pbegin: beam.pvalue.PBegin) -> tuple:
        out = (
            pbegin
            | "ListFiles" >> beam.Create(self.files)
            | "ParseFiles" >> beam.FlatMap(_read_file, self.tally).with_outputs(DEAD, main="stories")
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


def keyed_pickle(record: Any) -> tuple[None, bytes]:
    """A record as its pickle under the one key of a gather (a GroupByKey): the runner sizes bytes by their
    length, where a record in a gathered list it pickles again at every step the list passes."""
    return None, pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
