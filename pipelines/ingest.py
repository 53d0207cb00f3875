"""Ingest: saved files and watched drop folders -> Kafka (``wirewatch.stories``, dead letters to
``wirewatch.deadletter``). Wiring of the file connector to the Kafka publisher."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wirewatch.connectors.health import metrics
from wirewatch.connectors.files.dropfolder import DEFAULT_QUIET_S, Candidate, DropFolder, open_folder
from wirewatch.connectors.files.dropstate import content_hash
from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.files.read import read_data, read_path
from wirewatch.connectors.kafka.topics import Publisher
from wirewatch.records import DeadLetter, Story

log = logging.getLogger("wirewatch.ingest")


@dataclass
class IngestCounts:
    files: int = 0
    stories: int = 0
    dead_letters: int = 0


def publish_items(items: Iterable[Story | DeadLetter], publisher: Publisher, counts: IngestCounts,
                  fetched: datetime) -> None:
    """Stories to their topic stamped with the ``fetched`` time; dead letters to theirs and to the log."""
    for item in items:
        if isinstance(item, DeadLetter):
            retry("kafka", lambda: publisher.dead_letter(item))  # the broker may be away: wait for it
            counts.dead_letters += 1
            log.warning("dead letter", extra={"origin": item.origin, "stage": item.stage, "reason": item.reason})
        else:
            story = item.fetched_at(fetched)
            retry("kafka", lambda: publisher.story(story))
            counts.stories += 1
            metrics.STORIES_PUBLISHED.inc()


def ingest_files(files: Iterable[str], publisher: Publisher, counts: IngestCounts | None = None) -> IngestCounts:
    """Publish every story in ``files``; dead letters go to their topic and to the log. Flushes at the end:
    when this returns, Kafka has acknowledged everything."""
    counts = counts or IngestCounts()
    for path in files:
        counts.files += 1
        publish_items(read_path(path), publisher, counts, datetime.now(UTC))  # "fetched", read at the edge
    retry("kafka", publisher.flush)
    return counts


class FolderWatcher:
    """Publishes the files dropped into folders, polling every ``interval`` seconds (the first poll at
    start). Files not ingested before, by each folder's ledger, are taken whether they were there at start
    or arrived later; a file is taken once complete (connectors/dropfolder.py: renamed into place, or
    unchanged for ``quiet`` seconds), read once, and remembered by size, mtime and content hash only after
    Kafka acknowledged its stories: a crash before that ingests it again (story ids are stable), never loses
    it. ``clock`` is monotonic seconds, injectable so tests need not sleep through the quiet period."""

    def __init__(self, folders: list[str], publisher: Publisher, interval: float = 1.0, *,
                 quiet: float = DEFAULT_QUIET_S, state_dir: str | Path | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folders: list[DropFolder] = [open_folder(f, state_dir, quiet) for f in folders]
        self.publisher, self.interval, self.clock = publisher, interval, clock
        self.counts = IngestCounts()
        self._unreadable: dict[str, Candidate] = {}  # dead-lettered once until the file changes
        self._stop = threading.Event()
        for folder in self.folders:
            if not folder.folder.is_dir():
                log.warning("drop folder missing; watching for it", extra={"folder": str(folder.folder)})

    def poll_once(self) -> None:
        now = self.clock()
        taken: list[tuple[DropFolder, Candidate, str]] = []
        before = (self.counts.files, self.counts.stories, self.counts.dead_letters)
        for folder in self.folders:
            for candidate in folder.poll(now):
                digest = self._take(folder, candidate)
                if digest is not None:
                    taken.append((folder, candidate, digest))
        if taken or self.counts.dead_letters != before[2]:
            retry("kafka", self.publisher.flush)  # the ledger moves only after Kafka acknowledged
        for folder, candidate, digest in taken:
            folder.ingested(candidate, digest)
        for folder in self.folders:
            folder.ledger.save()
        if taken:
            log.info("ingested", extra={"files": self.counts.files - before[0],
                                        "stories": self.counts.stories - before[1]})

    def _take(self, folder: DropFolder, candidate: Candidate) -> str | None:
        """Reads and publishes one complete file; its content hash, or None when nothing was published."""
        try:
            data = Path(candidate.path).read_bytes()
        except OSError as exc:
            if self._unreadable.get(candidate.path) != candidate:  # once per version of the file, not per poll
                self._unreadable[candidate.path] = candidate
                publish_items([DeadLetter(f"{candidate.path}:0", "read", f"cannot read file: {exc.strerror or exc}",
                                          retriable=True)], self.publisher, self.counts, datetime.now(UTC))
            return None
        self._unreadable.pop(candidate.path, None)
        if folder.changed_since(candidate):  # still being written after all: wait for it to settle again
            return None
        digest = content_hash(data)
        if folder.already_ingested(candidate, digest):
            return None
        self.counts.files += 1
        publish_items(read_data(data, candidate.path), self.publisher, self.counts, datetime.now(UTC))
        return digest

    def run(self) -> None:
        while True:
            try:
                self.poll_once()
            except Exception:  # a transient Kafka or file-system error must not end the watcher
                log.exception("drop-folder poll failed; retrying")
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
