"""Per-feed poll state (the feed's cursor), its atomic JSON file, and which feeds are due.

The state holds what a restart needs to neither refetch everything nor lose its place: the validators for
conditional GET, the ids already delivered (bounded), the failure count and the next poll time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import orjson

from wirewatch.connectors.files.statefile import read_state
from wirewatch.connectors.sinks.files import write_atomic
from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.http.model import Validators

STATE_VERSION = 1
MAX_SEEN = 1000
MAX_UPDATES = 20


class StateError(ValueError):
    """The state file cannot be read. Not retriable; move it aside to start over (feeds are refetched)."""

    retriable = False


@dataclass(frozen=True, slots=True)
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # of the last parsed body: an identical 200 is not parsed again
    seen_ids: tuple[str, ...] = ()  # newest first, at most MAX_SEEN
    failures: int = 0  # consecutive
    next_poll: datetime | None = None  # None: due now
    last_polled: datetime | None = None
    last_success: datetime | None = None
    watched_since: datetime | None = None
    updates: tuple[datetime, ...] = ()  # when polls found new items, oldest first, at most MAX_UPDATES
    last_error: str | None = None
    moved_to: str | None = None  # where a 301/308 sent the feed: polled there instead of ``url``

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "body_hash": self.body_hash,
            "seen_ids": list(self.seen_ids),
            "failures": self.failures,
            "next_poll": _iso(self.next_poll),
            "last_polled": _iso(self.last_polled),
            "last_success": _iso(self.last_success),
            "watched_since": _iso(self.watched_since),
            "updates": [_iso(t) for t in self.updates],
            "last_error": self.last_error,
            "moved_to": self.moved_to,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeedState":
        return cls(
            url=str(data["url"]),
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            body_hash=data.get("body_hash"),
            seen_ids=tuple(str(i) for i in data.get("seen_ids", ())),
            failures=int(data.get("failures", 0)),
            next_poll=_time(data.get("next_poll")),
            last_polled=_time(data.get("last_polled")),
            last_success=_time(data.get("last_success")),
            watched_since=_time(data.get("watched_since")),
            updates=tuple(t for t in (_time(u) for u in data.get("updates", ())) if t is not None),
            last_error=data.get("last_error"),
            moved_to=data.get("moved_to"),
        )


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _time(text: Any) -> datetime | None:
    if text is None:
        return None
    parsed = datetime.fromisoformat(str(text))
    if parsed.tzinfo is None:
        raise StateError(f"naive time {text!r} in the state file")
    return parsed


def state_for(feed: FeedConfig, states: Mapping[str, FeedState]) -> FeedState:
    """The feed's state; a fresh one when it is new or its URL changed (old validators would be wrong)."""
    state = states.get(feed.name)
    if state is None or state.url != feed.url:
        return FeedState(url=feed.url)
    return state


def due_feeds(feeds: Iterable[FeedConfig], states: Mapping[str, FeedState], now: datetime) -> list[FeedConfig]:
    """Feeds whose next poll time has come (never-polled first, then the most overdue), in a stable order."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    due = []
    for index, feed in enumerate(feeds):
        when = state_for(feed, states).next_poll
        if when is None or when <= now:
            due.append((when is not None, when.timestamp() if when else 0.0, index, feed))
    return [item[-1] for item in sorted(due, key=lambda item: item[:3])]


def remember_ids(seen: Sequence[str], current: Sequence[str], limit: int = MAX_SEEN) -> tuple[str, ...]:
    """The ids to keep: those in the feed now first (they can reappear), then older ones, up to ``limit``."""
    out: dict[str, None] = dict.fromkeys(current)
    for item in seen:
        if len(out) >= limit:
            break
        out.setdefault(item, None)
    return tuple(out)[:limit]


def load_states(path: str | Path) -> dict[str, FeedState]:
    """Read the state file; a missing file is an empty state (first run)."""
    states = read_state(Path(path), STATE_VERSION, "poll state", StateError,
                        lambda data: {str(name): FeedState.from_dict(entry) for name, entry in data["feeds"].items()})
    return states or {}


def save_states(path: str | Path, states: Mapping[str, FeedState]) -> None:
    """Write atomically: a temporary file in the same folder, fsync, rename over, fsync the folder.
    A crash leaves either the old file or the new one, never a torn one."""
    path = Path(path)
    payload = orjson.dumps(
        {"version": STATE_VERSION, "feeds": {name: s.to_dict() for name, s in sorted(states.items())}}
    )
    write_atomic(path, payload)
