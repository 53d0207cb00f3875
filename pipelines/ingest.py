"""Ingest: saved files and watched drop folders -> Kafka (``wirewatch.stories``, dead letters to
``wirewatch.deadletter``). Wiring of the file connector to the Kafka publisher."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from connectors import metrics
from connectors.files import expand_paths, read_path
from connectors.kafka import Publisher
from transforms.records import DeadLetter

log = logging.getLogger("wirewatch.ingest")


@dataclass
class IngestCounts:
    files: int = 0
    stories: int = 0
    dead_letters: int = 0


def ingest_files(files: Iterable[str], publisher: Publisher, counts: IngestCounts | None = None) -> IngestCounts:
    """Publish every story in ``files``; dead letters go to their topic and to the log. Flushes at the end:
    when this returns, Kafka has acknowledged everything."""
    counts = counts or IngestCounts()
    for path in files:
        counts.files += 1
        fetched = datetime.now(timezone.utc)  # the "fetched" stage timestamp, read at the edge
        for item in read_path(path):
            if isinstance(item, DeadLetter):
                publisher.dead_letter(item)
                counts.dead_letters += 1
                log.warning("dead letter", extra={"origin": item.origin, "stage": item.stage, "reason": item.reason})
            else:
                publisher.story(item.fetched_at(fetched))
                counts.stories += 1
                metrics.STORIES_PUBLISHED.inc()
    publisher.flush()
    return counts


class FolderWatcher:
    """Publishes files that appear in drop folders, polling every ``interval`` seconds. A file is taken
    once its size has stayed the same for one poll (a writer may still be copying it)."""

    def __init__(self, folders: list[str], publisher: Publisher, interval: float = 1.0) -> None:
        self.folders, self.publisher, self.interval = folders, publisher, interval
        self.seen: set[tuple[str, int, int]] = set()
        self._sizes: dict[str, int] = {}
        self._stop = threading.Event()
        self.counts = IngestCounts()

    def skip_existing(self) -> None:
        self.seen.update(self._signature(p) for p in expand_paths(self.folders))

    @staticmethod
    def _signature(path: str) -> tuple[str, int, int]:
        stat = Path(path).stat()
        return (path, stat.st_size, stat.st_mtime_ns)

    def poll_once(self) -> None:
        ready = []
        for path in expand_paths(self.folders):
            try:
                signature = self._signature(path)
            except OSError:
                continue
            if signature in self.seen:
                continue
            if self._sizes.get(path) == signature[1]:
                ready.append(path)
                self.seen.add(signature)
            self._sizes[path] = signature[1]
        if ready:
            ingest_files(ready, self.publisher, self.counts)
            log.info("ingested", extra={"files": len(ready), "stories": self.counts.stories})

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll_once()
            except Exception:  # a transient Kafka or file-system error must not end the watcher
                log.exception("drop-folder poll failed; retrying")

    def stop(self) -> None:
        self._stop.set()
