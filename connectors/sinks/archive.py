"""The always-on archive: one file per enriched story, named by its Kafka position (so a re-read writes the
same file again, never a second one), under a date partition. Files are written through a temporary name
and renamed; one syncfs per bundle makes them durable before the bundle's outcomes move on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.health import metrics
from wirewatch.connectors.sinks.durable import PassOnWhenDurable
from wirewatch.connectors.sinks.files import sync_filesystem, write_unsynced
from wirewatch.records import DeadLetter, EnrichedStory, StoryAlerts, dumps, excerpt


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

    def __init__(self, archive: str, durability: Durability = Durability()) -> None:
        self.archive, self.durability = Path(archive), durability

    def start_bundle(self) -> None:
        super().start_bundle()
        self.written = 0

    def take(self, outcome: Any) -> Any:
        if not isinstance(outcome, StoryAlerts):
            return outcome
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

    def make_durable(self) -> None:
        if self.written:
            retry("archive", lambda: self.durability.sync(self.archive))
