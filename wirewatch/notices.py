"""What a subscriber is sent: a Notice (an alert, an escalation of a story cluster, a rate-limit summary, or
a digest of what a schedule held back). Routing (transforms) decides notices; channels (connectors) render
and deliver them; the delivery step keeps them durably as JSON, so the shape is a contract too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from wirewatch.errors import RecordError
from wirewatch.records import Alert, parse_time

KINDS = ("alert", "escalation", "summary", "digest")


@dataclass(frozen=True, slots=True)
class Notice:
    """``id`` is stable (the same decision always gives the same id), so a delivery's ``webhook-id`` derived
    from it survives retries and restarts. ``alert``: the alert an alert or escalation is about; ``entries``:
    the notices a summary or digest holds (at most a few dozen; ``more`` counts the ones not listed)."""

    id: str
    kind: str
    subscriber: str
    created: datetime
    alert: Alert | None = None
    reason: str = ""
    entries: tuple["Notice", ...] = ()
    more: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RecordError(f"notice kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.created.tzinfo is None:
            raise RecordError("a notice's 'created' time must be timezone-aware")
        object.__setattr__(self, "created", self.created.astimezone(timezone.utc))

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """Every alert this notice carries, its own and its entries'."""
        own = (self.alert,) if self.alert is not None else ()
        return own + tuple(a for e in self.entries for a in e.alerts)

    @property
    def count(self) -> int:
        """How many notices this one stands for (a digest: its entries and the ones not listed)."""
        return len(self.entries) + self.more if self.kind in ("summary", "digest") else 1

    def oldest_alerted(self) -> datetime | None:
        """When the oldest alert it carries was raised: the start of its alert -> delivered latency."""
        times = [a.alerted for a in self.alerts if a.alerted is not None]
        return min(times) if times else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "subscriber": self.subscriber,
            "created": self.created.isoformat().replace("+00:00", "Z"),
            "alert": self.alert.to_dict() if self.alert is not None else None,
            "reason": self.reason,
            "entries": [e.to_dict() for e in self.entries],
            "more": self.more,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Notice":
        created = parse_time(data.get("created"))
        if created is None:
            raise RecordError("a notice needs its 'created' time")
        alert = data.get("alert")
        return cls(
            id=str(data["id"]), kind=str(data["kind"]), subscriber=str(data["subscriber"]), created=created,
            alert=Alert.from_dict(alert) if alert is not None else None, reason=str(data.get("reason") or ""),
            entries=tuple(cls.from_dict(e) for e in data.get("entries") or ()), more=int(data.get("more") or 0),
        )


__all__ = ["KINDS", "Notice"]
