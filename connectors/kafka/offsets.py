"""Which source offsets are safe to commit: every record the reader emitted is "in flight" until the
delivery step has durably written its outcome; a partition's commit point is its lowest in-flight offset
(or one past the last emitted when none is in flight). Committing there can never skip unwritten work.

The registry is per process: the reader and the delivery step must run in the same worker process, as
they do on Prism and the FnApiRunner with the LOOPBACK environment.
"""

from __future__ import annotations

import threading
from collections import defaultdict

Partition = tuple[str, int]


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.draining = threading.Event()  # set: readers claim no new records, so the work in flight ends
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new job re-reads from the committed offsets)."""
        with self._lock:
            self._pending: dict[Partition, set[int]] = defaultdict(set)  # emitted, not yet durably delivered
            self._next: dict[Partition, int] = {}  # one past the highest offset emitted
            self._committed: dict[Partition, int] = {}
        self.draining.clear()

    def idle(self) -> bool:
        """Nothing in flight, and every partition's commit point committed: a drain is complete."""
        with self._lock:
            if any(self._pending.values()):
                return False
            return all(self._committed.get(p, -1) >= n for p, n in self._next.items())

    def emitted(self, partition: Partition, offset: int) -> None:
        with self._lock:
            self._pending[partition].add(offset)  # a re-read after a retry adds nothing new
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)

    def finished(self, partition: Partition, offset: int) -> None:
        with self._lock:
            self._pending[partition].discard(offset)

    def commit_points(self) -> dict[Partition, int]:
        """Partitions whose commit point moved since the last call, with the offset to commit."""
        with self._lock:
            moved = {}
            for partition, after_last in self._next.items():
                pending = self._pending[partition]
                point = min(pending) if pending else after_last
                if point > self._committed.get(partition, -1):
                    moved[partition] = point
            return moved

    def committed(self, points: dict[Partition, int]) -> None:
        with self._lock:
            for partition, offset in points.items():
                self._committed[partition] = max(self._committed.get(partition, -1), offset)

    def lag_positions(self) -> dict[Partition, int]:
        with self._lock:
            return dict(self._next)


REGISTRY = InFlight()
