"""What a parser hands back: stories with their wire identity, dead letters, and survivable notes.

Shared by the feed parsers (``connectors/feeds.py``) and the wire parsers (``connectors/wire/``), so every
format reports in the same shape: a bad entry becomes a DeadLetter, a survivable oddity becomes a note.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit
from datetime import datetime, timedelta, timezone

import xxhash

from wirewatch.text import clean_text, html_to_text
from wirewatch.errors import ParseError
from wirewatch.records import DeadLetter, Story

RAW_EXCERPT = 2000  # characters of the offending input kept in a dead letter


INTERNAL = "internal error"  # begins the reason of a dead letter owed to a fault of ours, not of the input


def internal(what: str, exc: BaseException) -> str:
    """The reason for a dead letter caused by an exception in ``what`` (a parser, a library it calls) rather
    than by a judgement on the input: marked, so that reports and tests tell the two apart."""
    return f"{INTERNAL} in {what}: {type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One story plus the identity its format gave it (a NewsML-G2 item keeps its guid and version)."""

    story: Story
    guid: str | None = None
    version: int | None = None


@dataclass(slots=True)
class ParseResult:
    """Everything one document gave: items, dead letters (fatal for the document or for one entry), and
    notes on survivable problems (feedparser's bozo, a missing date, a guessed encoding)."""

    format: str
    items: list[ParsedItem] = field(default_factory=list)
    errors: list[DeadLetter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str | None = None  # feed title or wire provider
    link: str | None = None
    language: str | None = None

    def add(self, item: ParsedItem, *, no_date: str) -> None:
        """Keep ``item``. A story whose source gave no usable publication time takes its fetch time instead
        (none in a replay, which reads no clock), is flagged ``undated``, and ``no_date`` is noted."""
        story = item.story
        if story.published is None:
            self.notes.append(no_date)
            item = replace(item, story=replace(story, published=story.fetched, undated=True))
        self.items.append(item)

    @property
    def stories(self) -> list[Story]:
        return [item.story for item in self.items]

    def fail(self, origin: str, reason: str, raw: bytes | str | None = None, stage: str = "parse") -> None:
        if isinstance(raw, bytes):
            raw = raw[:RAW_EXCERPT].decode("utf-8", "backslashreplace")
        self.errors.append(DeadLetter(origin, stage, reason, raw=None if raw is None else raw[:RAW_EXCERPT]))


def story_id(kind: str, value: str) -> str:
    """A stable id: a 128-bit hash of what identifies the story (``kind`` is guid, url or content)."""
    return xxhash.xxh3_128_hexdigest(f"{kind}\x00{value}".encode("utf-8", "surrogatepass"))


def content_id(*parts: str | None) -> str:
    return story_id("content", "\x1f".join(p or "" for p in parts))


def clean(value: object, html: bool = False) -> str | None:
    """Clean text (HTML removed, NFC, one paragraph a line), or None when nothing is left. ``html`` says the
    value is known to be markup, so even tags clean_text would not spot (``<sup>``) are removed."""
    if not isinstance(value, str) or not value.strip():
        return None
    if html and "<" in value:
        value = html_to_text(value)
    return clean_text(value) or None


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


_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


def guid_id(guid: str, scope: str | None) -> str:
    """Story id from a GUID. A GUID with a URI scheme (``http:``, ``urn:``, ``tag:``) is global; a bare one
    (``1234``) is only unique inside its feed, so it is scoped by the feed's own link."""
    guid = guid.strip()
    return story_id("guid", guid if _HAS_SCHEME.match(guid) or not scope else f"{scope}\x00{guid}")


def canonical_url(url: str) -> str:
    """The URL as an identity: scheme and host lower-cased, the fragment dropped."""
    try:
        parts = urlsplit(url.strip())
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
    except ValueError:
        return url.strip()


def pick_id(guid: str | None, scope: str | None, url: str | None, *content: str | None) -> str:
    """The id rule every format shares: GUID / wire id, else canonical URL, else content."""
    if guid and guid.strip():
        return guid_id(guid, scope)
    if url:
        return story_id("url", canonical_url(url))
    return content_id(*content)
