"""Wall-clock times in a subscriber's time zone: the next digest time, and whether quiet hours hold."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone, tzinfo

from wirewatch.transforms.subscriptions.model import QuietHours, Schedule


def _at(day: datetime, when: time, tz: tzinfo) -> datetime:
    """``when`` on the local date of ``day``, as UTC (a time skipped by a clock change lands after it)."""
    local = datetime.combine(day.date(), when, tzinfo=tz)
    return local.astimezone(timezone.utc)


def next_digest(schedule: Schedule, now: datetime) -> datetime:
    """The first digest time after ``now``: each hour at ``at.minute``, or each day at ``at``."""
    local = now.astimezone(schedule.tz)
    if schedule.mode == "hourly":
        candidate = local.replace(minute=schedule.at.minute, second=0, microsecond=0)
        if candidate <= local:
            candidate += timedelta(hours=1)
        return candidate.astimezone(timezone.utc)
    for days in range(3):
        candidate = _at(local + timedelta(days=days), schedule.at, schedule.tz)
        if candidate > now:
            return candidate
    raise AssertionError("a day always has a next digest time")  # pragma: no cover


def quiet_now(quiet: QuietHours | None, now: datetime) -> bool:
    if quiet is None:
        return False
    clock = now.astimezone(quiet.tz).time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        return quiet.start <= clock < quiet.end
    return clock >= quiet.start or clock < quiet.end  # across midnight (or all day when start == end)
