"""Parse a Retry-After header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, relative to ``now``."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER = 7 * 24 * 3600.0  # a server asking for more than a week is clamped to a week


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait (0 if the date is past), or None when the header is absent or unreadable.

    Never raises on any header text: a malformed value from a server must not break a poll.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return min(float(int(text[:12])), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" means UTC with unknown origin zone; HTTP-dates are GMT
        when = when.replace(tzinfo=timezone.utc)
    try:
        delay = (when - now).total_seconds()
    except OverflowError:
        return None
    return min(max(delay, 0.0), MAX_RETRY_AFTER)
