"""The always-on service's archive compaction: every ``every_s`` seconds, each day folder's small files are
merged into one (``ParquetArchive.compact``), beside the job that keeps writing (the two take turns on each
day folder's lock, ``writer.folder_lock``). A compaction cut short, by a stop or a ``kill -9``, leaves the
archive as readable as before and is finished by the next one, the first of which runs at the start."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger("wirewatch.archive")
DEFAULT_EVERY_S = 3600.0  # a day folder then holds at most an hour of bundle files, and today's is rewritten ~24 times a day


class CompactEvery:
    """``run()`` compacts the archive at ``root`` now and every ``every_s`` seconds until ``stop()``; a pass
    that fails (a full disk, a file not ours) is logged and the next one tries again."""

    def __init__(self, root: str | os.PathLike, every_s: float = DEFAULT_EVERY_S) -> None:
        if every_s <= 0:
            raise ValueError(f"compaction every {every_s} s: give a positive interval (or start no loop to turn it off)")
        self.root, self.every_s = Path(root), every_s
        self.stopping = threading.Event()
        self.passes = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            self.run_once()
            self.stopping.wait(self.every_s)

    def run_once(self) -> list[Path]:
        from wirewatch.connectors.archive.writer import ParquetArchive  # pyarrow: not for the CLI's option defaults

        try:
            merged = ParquetArchive(self.root).compact()
        except Exception as exc:  # noqa: BLE001 (the service goes on; the next pass tries again)
            log.warning("archive compaction failed; trying again at the next pass",
                        extra={"archive": str(self.root), "error": f"{type(exc).__name__}: {exc}"[:300]})
            return []
        finally:
            self.passes += 1
        if merged:
            log.info("archive compacted", extra={"archive": str(self.root), "folders": len(merged)})
        return merged

    def stop(self) -> None:
        self.stopping.set()
