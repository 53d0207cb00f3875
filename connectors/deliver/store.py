"""The delivery step's durable state, in one SQLite file (WAL, synchronous=FULL): how far the alerts topic
was routed, each subscriber's routing state and held notices, and every delivery (attempts, next attempt,
outcome). Routing a batch of alerts, with the offsets it reached, is one transaction, so a restart or a
``kill -9`` neither loses nor repeats a decision; a delivery's id (its ``webhook-id``) is stored with it.
One process owns a state file at a time (a lock file says so)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS offsets (topic TEXT, part INTEGER, next INTEGER, PRIMARY KEY (topic, part));
CREATE TABLE IF NOT EXISTS clusters (subscriber TEXT, cluster TEXT, state TEXT, seen REAL,
                                     PRIMARY KEY (subscriber, cluster));
CREATE INDEX IF NOT EXISTS clusters_seen ON clusters (seen);
CREATE TABLE IF NOT EXISTS pacing (subscriber TEXT PRIMARY KEY, state TEXT);
CREATE TABLE IF NOT EXISTS held (seq INTEGER PRIMARY KEY AUTOINCREMENT, subscriber TEXT, notice TEXT);
CREATE INDEX IF NOT EXISTS held_subscriber ON held (subscriber, seq);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, subscriber TEXT, channel TEXT, kind TEXT, notice TEXT, alerted REAL, created REAL,
    attempts INTEGER DEFAULT 0, next REAL, status TEXT, reason TEXT DEFAULT '', done REAL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next);
CREATE TABLE IF NOT EXISTS disabled (subscriber TEXT, channel TEXT, target TEXT, reason TEXT, since REAL,
                                     PRIMARY KEY (subscriber, channel));
"""
PENDING, DELIVERED, DEADLETTER, DEAD = "pending", "delivered", "deadletter", "dead"


class StateLocked(RuntimeError):
    """Another delivery step holds this state file. Not retriable while it runs: give each its own file."""

    retriable = False


def _ts(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str  # the webhook-id: stable across retries and restarts
    subscriber: str
    channel: str
    kind: str
    notice: str  # the notice's JSON
    alerted: datetime | None  # its oldest alert's alerted time
    created: datetime
    attempts: int
    next: datetime
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int  # deliveries not yet done (first attempts and retries)
    retrying: int  # of them, those tried at least once
    oldest: datetime | None  # the oldest undelivered notice's alert time (else its creation)
    deadletters: int  # failed deliveries still to be written to the dead-letter topic


class Store:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StateLocked(f"{self.path} is in use by another delivery step") from None
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()
        self._lock.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # routing
    def offsets(self, topic: str) -> dict[int, int]:
        return dict(self.db.execute("SELECT part, next FROM offsets WHERE topic = ?", (topic,)).fetchall())

    def set_offset(self, topic: str, partition: int, next_offset: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO offsets VALUES (?, ?, ?)", (topic, partition, next_offset))

    def cluster(self, subscriber: str, cluster: str) -> str | None:
        row = self.db.execute("SELECT state FROM clusters WHERE subscriber = ? AND cluster = ?",
                              (subscriber, cluster)).fetchone()
        return row[0] if row else None

    def put_cluster(self, subscriber: str, cluster: str, state: str, seen: datetime) -> None:
        self.db.execute("INSERT OR REPLACE INTO clusters VALUES (?, ?, ?, ?)", (subscriber, cluster, state, _ts(seen)))

    def pacing(self, subscriber: str) -> str | None:
        row = self.db.execute("SELECT state FROM pacing WHERE subscriber = ?", (subscriber,)).fetchone()
        return row[0] if row else None

    def put_pacing(self, subscriber: str, state: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO pacing VALUES (?, ?)", (subscriber, state))

    def hold(self, subscriber: str, notice: str) -> None:
        self.db.execute("INSERT INTO held (subscriber, notice) VALUES (?, ?)", (subscriber, notice))

    def held(self, subscriber: str, limit: int) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT notice FROM held WHERE subscriber = ? ORDER BY seq LIMIT ?", (subscriber, limit))]

    def clear_held(self, subscriber: str) -> None:
        self.db.execute("DELETE FROM held WHERE subscriber = ?", (subscriber,))

    def forget_clusters(self, seen_before: datetime) -> int:
        return self.db.execute("DELETE FROM clusters WHERE seen < ?", (_ts(seen_before),)).rowcount

    # deliveries
    def add_delivery(self, delivery_id: str, subscriber: str, channel: str, kind: str, notice: str,
                     alerted: datetime | None, created: datetime) -> bool:
        """A new delivery, due at once; False if this id exists (the same decision seen again)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO deliveries (id, subscriber, channel, kind, notice, alerted, created, next, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (delivery_id, subscriber, channel, kind, notice, _ts(alerted), _ts(created), _ts(created), PENDING))
        return cursor.rowcount == 1

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        rows = self.db.execute(
            "SELECT id, subscriber, channel, kind, notice, alerted, created, attempts, next, status, reason"
            " FROM deliveries WHERE status = ? AND next <= ? ORDER BY next LIMIT ?", (PENDING, _ts(now), limit))
        return [self._delivery(r) for r in rows]

    def with_status(self, status: str, limit: int) -> list[Delivery]:
        rows = self.db.execute(
            "SELECT id, subscriber, channel, kind, notice, alerted, created, attempts, next, status, reason"
            " FROM deliveries WHERE status = ? ORDER BY next LIMIT ?", (status, limit))
        return [self._delivery(r) for r in rows]

    @staticmethod
    def _delivery(row: tuple) -> Delivery:
        alerted, created, next_ = _time(row[5]), _time(row[6]), _time(row[8])
        assert created is not None and next_ is not None
        return Delivery(row[0], row[1], row[2], row[3], row[4], alerted, created, row[7], next_, row[9], row[10])

    def record(self, delivery_id: str, *, attempts: int, status: str, next_attempt: datetime | None = None,
               reason: str = "", done: datetime | None = None) -> None:
        self.db.execute("UPDATE deliveries SET attempts = ?, status = ?, next = COALESCE(?, next), reason = ?,"
                        " done = ? WHERE id = ?",
                        (attempts, status, _ts(next_attempt), reason, _ts(done), delivery_id))

    def get(self, delivery_id: str) -> Delivery | None:
        row = self.db.execute(
            "SELECT id, subscriber, channel, kind, notice, alerted, created, attempts, next, status, reason"
            " FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        return self._delivery(row) if row else None

    def backlog(self) -> Backlog:
        pending, retrying, oldest = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(attempts > 0), 0), MIN(COALESCE(alerted, created)) FROM deliveries"
            " WHERE status = ?", (PENDING,)).fetchone()
        (dead,) = self.db.execute("SELECT COUNT(*) FROM deliveries WHERE status = ?", (DEADLETTER,)).fetchone()
        return Backlog(pending, retrying, _time(oldest), dead)

    def forget_done(self, done_before: datetime) -> int:
        return self.db.execute("DELETE FROM deliveries WHERE status IN (?, ?) AND done < ?",
                               (DELIVERED, DEAD, _ts(done_before))).rowcount

    # channels a receiver turned away (410)
    def disable(self, subscriber: str, channel: str, target: str, reason: str, since: datetime) -> None:
        self.db.execute("INSERT OR REPLACE INTO disabled VALUES (?, ?, ?, ?, ?)",
                        (subscriber, channel, target, reason, _ts(since)))

    def disabled(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(subscriber, channel) -> (target it was disabled for, reason)."""
        rows = self.db.execute("SELECT subscriber, channel, target, reason FROM disabled")
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    def enable(self, subscriber: str, channel: str) -> None:
        self.db.execute("DELETE FROM disabled WHERE subscriber = ? AND channel = ?", (subscriber, channel))
