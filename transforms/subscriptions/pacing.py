"""How much a subscriber is sent, and when: a rate limit per window with one summary of what it held,
digests on the schedule, quiet hours that defer to a digest. Held notices are kept by the delivery step;
the pacing state only counts them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Sequence

from wirewatch.notices import Notice
from wirewatch.records import parse_time
from wirewatch.transforms.subscriptions.calendar import next_digest, quiet_now
from wirewatch.transforms.subscriptions.model import Policy, severity_at_least


@dataclass(frozen=True, slots=True)
class Pacing:
    window_start: datetime | None = None  # the rate limit's current window
    sent: int = 0  # notices sent in it
    suppressed: int = 0  # notices the limit held in it
    held: int = 0  # notices waiting in the subscriber's held list (digest, quiet hours, rate limit)
    next_digest: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"window_start": _text(self.window_start), "sent": self.sent, "suppressed": self.suppressed,
                "held": self.held, "next_digest": _text(self.next_digest)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Pacing":
        return cls(parse_time(data.get("window_start")), int(data.get("sent", 0)), int(data.get("suppressed", 0)),
                   int(data.get("held", 0)), parse_time(data.get("next_digest")))


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _quiet(policy: Policy, notice: Notice | None, now: datetime) -> bool:
    if not quiet_now(policy.quiet, now):
        return False
    assert policy.quiet is not None
    floor = policy.quiet.except_severity
    return not (floor and notice is not None and notice.alert is not None
                and severity_at_least(notice.alert.severity, floor))


def _window(policy: Policy, pacing: Pacing, now: datetime) -> Pacing:
    """The rate window holding ``now``: a new one (counts reset) once the last has ended, unless the last
    one's summary is still to be sent."""
    rate = policy.rate
    if rate is None or pacing.suppressed:
        return pacing
    if pacing.window_start is None or now >= pacing.window_start + rate.per:
        return replace(pacing, window_start=now, sent=0)
    return pacing


def dispatch(policy: Policy, pacing: Pacing, notices: Sequence[Notice],
             now: datetime) -> tuple[Pacing, list[Notice], list[Notice]]:
    """Each notice sent now, or held (a digest schedule, quiet hours, the rate limit): (pacing, send, hold)."""
    send: list[Notice] = []
    hold: list[Notice] = []
    if pacing.next_digest is None and policy.schedule.digest:
        pacing = replace(pacing, next_digest=next_digest(policy.schedule, now))
    for notice in notices:
        if policy.schedule.digest or _quiet(policy, notice, now):
            hold.append(notice)
            continue
        pacing = _window(policy, pacing, now)
        if policy.rate is not None and (pacing.suppressed or pacing.sent >= policy.rate.limit):
            pacing = replace(pacing, suppressed=pacing.suppressed + 1)
            hold.append(notice)
        else:
            pacing = replace(pacing, sent=pacing.sent + 1)
            send.append(notice)
    return replace(pacing, held=pacing.held + len(hold)), send, hold


def due(policy: Policy, pacing: Pacing, now: datetime) -> bool:
    """Whether the held notices are to be sent now, as one digest or summary."""
    if not pacing.held or _quiet(policy, None, now):
        return False
    if policy.schedule.digest:
        return pacing.next_digest is None or now >= pacing.next_digest
    rate = policy.rate
    if pacing.suppressed and rate is not None and pacing.window_start is not None:
        return now >= pacing.window_start + rate.per
    return True  # held for quiet hours only, and they have ended


def release(policy: Policy, pacing: Pacing, held: Sequence[Notice], now: datetime) -> tuple[Pacing, Notice]:
    """One notice with the held ones (the first ``policy.listed`` of ``held``; the rest counted), and the
    pacing with nothing held. Call when ``due``."""
    listed = tuple(held[: policy.listed])
    more = max(0, pacing.held - len(listed))
    sub = policy.subscriber
    if policy.schedule.digest:
        kind, reason = "digest", f"{policy.schedule.mode} digest"
    elif pacing.suppressed:
        rate = policy.rate
        assert rate is not None
        kind = "summary"
        reason = (f"{pacing.suppressed} more alert(s) were held by the rate limit of {rate.limit} per "
                  f"{_span(rate.per.total_seconds())}")
    else:
        kind, reason = "digest", "held during quiet hours"
    notice = Notice(f"{kind}:{sub}:{now.isoformat()}", kind, sub, now, None, reason, listed, more)
    after = Pacing(window_start=None if pacing.suppressed else pacing.window_start,
                   sent=0 if pacing.suppressed else pacing.sent,
                   next_digest=next_digest(policy.schedule, now) if policy.schedule.digest else None)
    return after, notice


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"
