"""The always-on archive, in one of two forms under day partitions:

- ``parquet`` (the default; what the console and ``wirewatch archive query`` read): each bundle's stories in
  one Parquet file per day, written atomically and idempotently by story id (connectors/archive/writer.py),
  so a bundle read again after a crash adds nothing;
- ``json``: one file per enriched story, named by its Kafka position (a re-read writes the same file again,
  never a second one), written through a temporary name and renamed; one syncfs per bundle.

Either way the files are durable before the bundle's outcomes move on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.writer import ParquetArchive
from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.health import metrics
from wirewatch.connectors.sinks.durable import PassOnWhenDurable
from wirewatch.connectors.sinks.files import sync_filesystem, write_unsynced
from wirewatch.records import DeadLetter, EnrichedStory, StoryAlerts, dumps, excerpt


FORMS = ("parquet", "json")
# what building a Parquet table raises for text or values a row cannot hold (see schema.encodable)
UNENCODABLE = (pa.ArrowException, UnicodeError, ValueError, TypeError, OverflowError)


def archive_path(root: Path, story: EnrichedStory) -> Path:
    s = story.story
    when = s.published or s.produced
    partition = f"dt={when.date().isoformat()}" if when else "dt=undated"
    position = s.origin.position if s.origin else None
    name = f"{position[0]}-{position[1]}-{position[2]:012d}" if position else s.id
    return root / partition / f"{name}.json"


@dataclass(frozen=True)
class Durability:
    """How the archive makes its writes durable: injectable so that tests can watch or fail them."""

    write: Callable[[Path, bytes], None] = write_unsynced
    sync: Callable[[Path], None] = sync_filesystem


class ArchiveStories(PassOnWhenDurable):
    """StoryAlerts -> the same, once its story's archive file is on disk; a story JSON cannot carry becomes
    a dead letter. A full or unwritable disk is waited out (retried), never a failed bundle."""

    def __init__(self, archive: str, durability: Durability = Durability(), form: str = "parquet") -> None:
        if form not in FORMS:
            raise ValueError(f"archive format {form!r}: one of {', '.join(FORMS)}")
        self.archive, self.durability, self.form = Path(archive), durability, form
        self.parquet: ParquetArchive | None = None  # made on the worker: it caches the ids each day holds

    def start_bundle(self) -> None:
        super().start_bundle()
        self.written = 0
        self.batch: list[EnrichedStory] = []
        if self.form == "parquet" and self.parquet is None:
            self.parquet = ParquetArchive(self.archive)

    def take(self, outcome: Any) -> Any:
        if not isinstance(outcome, StoryAlerts):
            return outcome
        if self.parquet is not None:
            return self._take_row(outcome)
        story = outcome.story
        try:
            data = dumps(story) + b"\n"
        except Exception as exc:  # e.g. text JSON cannot carry (lone surrogates)
            s = story.story
            return DeadLetter(s.origin or s.id, "archive", f"{type(exc).__name__}: {exc}", raw=excerpt(repr(s)))
        path = archive_path(self.archive, story)
        retry("archive", lambda: self.durability.write(path, data))
        metrics.STORIES_OUT.inc()
        self.written += 1
        return outcome

    def _take_row(self, outcome: StoryAlerts) -> Any:
        self.batch.append(outcome.story)
        return outcome

    def make_durable(self) -> None:
        if self.parquet is not None:
            if self.batch:
                self._write_rows(self.batch)
            return
        if self.written:
            retry("archive", lambda: self.durability.sync(self.archive))

    def _write_rows(self, batch: list[EnrichedStory]) -> None:
        """The bundle's stories in Parquet; when some hold what Parquet cannot (a lone surrogate, say), those
        become dead letters in place of their outcomes and the rest are written."""
        parquet = self.parquet
        assert parquet is not None
        try:
            retry("archive", lambda: parquet.write(batch))
        except UNENCODABLE:
            batch, bad = schema.encodable(batch)
            dead = {story.id: DeadLetter(story.story.origin or story.id, "archive", why, raw=excerpt(repr(story.story)))
                    for story, why in bad}
            self._held = [(dead.get(o.story.id, o) if isinstance(o, StoryAlerts) else o, windowed)
                          for o, windowed in self._held]
            if batch:
                retry("archive", lambda: parquet.write(batch))
        metrics.STORIES_OUT.inc(len(batch))
