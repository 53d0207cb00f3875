"""The delivery step's test kit: a clock the test moves, alerts from a list (or the real topic), dead
letters kept in a list, and subscriptions files written for a test."""

from __future__ import annotations

import textwrap
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

from wirewatch.records import Alert, dumps

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    @property
    def elapsed(self) -> float:
        return (self.now - T0).total_seconds()


class ListSource:
    """Alerts as a one-partition topic held in a list; ``seek`` resumes where a store says."""

    topic = "alerts"

    def __init__(self, values: list[bytes] | None = None) -> None:
        self.values = list(values or [])
        self.position = 0
        self.committed: dict[int, int] = {}
        self.lock = threading.Lock()

    def add(self, *alerts: Alert) -> None:
        with self.lock:
            self.values += [dumps(a) for a in alerts]

    def seek(self, offsets: dict[int, int]) -> None:
        self.position = offsets.get(0, 0)

    def poll(self, limit: int, wait: float = 0.0) -> list[tuple[int, int, bytes | None]]:
        with self.lock:
            out = [(0, n, self.values[n]) for n in range(self.position, min(len(self.values), self.position + limit))]
        self.position += len(out)
        return out

    def commit(self, offsets: dict[int, int]) -> None:
        self.committed.update(offsets)

    def close(self) -> None:
        pass


class ListDeadLetters:
    def __init__(self) -> None:
        self.records: list[tuple[str, dict]] = []

    def send(self, records) -> None:
        self.records += [(key, orjson.loads(value)) for key, value in records]


def alert(n: int, cluster: str | None = None, rule: str = "icbm", **more) -> Alert:
    cluster = cluster or f"c{n}"
    return Alert(id=f"{cluster}-{rule}", rule=rule, story_id=f"s{n}", cluster_id=cluster, title=f"story {n}",
                 severity=more.pop("severity", "high"), score=2.0, countries=("KP",),
                 regions=tuple(more.pop("regions", ("Eastern Asia",))), alerted=more.pop("alerted", T0), **more)


def subscriptions(tmp_path: Path, text: str, name: str = "subscribers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path
