"""Publication times as the formats give them, to aware UTC datetimes: feedparser's parsed tuples, and the
ISO 8601 forms wire services use (extended and basic)."""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, timedelta, timezone


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's UTC ``*_parsed`` tuple to an aware datetime; None when absent or out of range."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


_BASIC = re.compile(
    r"(?P<y>\d{4})-?(?P<m>\d\d)-?(?P<d>\d\d)(?:[T ](?P<H>\d\d):?(?P<M>\d\d)(?::?(?P<S>\d\d)(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d\d(?::?\d\d)?)?$"
)


def wire_time(value: object) -> datetime | None:
    """ISO 8601 in extended or basic form (``2013-11-05T12:10:00+01:00``, ``20131105T121000Z``) to UTC.

    A time without a zone is ambiguous, so it gives None like a missing one (the caller notes it)."""
    if not isinstance(value, str):
        return None
    match = _BASIC.match(value.strip())
    if not match or not match["tz"] or not match["H"]:
        return None
    tz = match["tz"]
    if tz == "Z":
        offset = 0
    else:
        digits = tz[1:].replace(":", "")
        offset = (int(digits[:2]) * 60 + int(digits[2:4] or 0)) * (1 if tz[0] == "+" else -1)
    try:
        local = datetime(
            int(match["y"]), int(match["m"]), int(match["d"]),
            int(match["H"]), int(match["M"]), int(match["S"] or 0), tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    return local - timedelta(minutes=offset)
