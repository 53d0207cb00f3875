"""IPTC 7901 (as dpa sends it) wire text to Stories.

A message is SOH, a header line (``eca062 4 i 211 ccccb   dpa 061``: service and number, priority,
category, word count, ..., source), a keyword line, STX, a heading block ending with `` =`` (flags such
as ``EXTRA``, the headline, a byline), the text, ETX and a trailer ``212101 GMT Nov 18`` (day, hour,
minute, month, year).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from wirewatch.connectors.parsing.ids import content_id

from wirewatch.connectors.parsing.results import ParseResult
from wirewatch.connectors.parsing.wraps import unwrap

from wirewatch.text import clean
from wirewatch.connectors.wire import controltext
from wirewatch.records import Story
from wirewatch.versions import VersionTag, heading_tag

_TRAILER = re.compile(r"(\d\d)(\d\d)(\d\d)\s+(?:GMT|UTC)\s+([A-Za-zäÄ]{3})[a-z]*\.?\s+(\d\d)\b")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "mär": 3, "mrz": 3, "apr": 4, "may": 5, "mai": 5, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12,
}
_DATELINE = re.compile(r"^\s*(?P<place>[A-Z][\w .'’-]+(?:, [A-Z][\w .'’-]+)?) \((?P<agency>[\w/ -]{2,20})\) [-–]")
_FLAG = re.compile(r"^[A-Z0-9 ()'-]{2,30}$")


def parse_iptc7901(
    body: bytes, fetched: datetime | None = None, *, origin: str, source: str | None = None,
) -> ParseResult:
    return controltext.parse_messages(
        body, "iptc7901", "IPTC 7901", _story, origin=origin, fetched=fetched, source=source,
        no_time="no transmission time with GMT in the trailer",
    )


def _story(
    header: str, message: str, trailer: str, fetched: datetime | None, origin: str, source: str | None,
) -> Story | None:
    message = controltext.strip_controls(message)
    heading, sep, rest = message.partition(" =\n")
    if not sep:  # no heading block: the whole message is text
        heading, rest = "", message
    lines = [line.strip().rstrip("=").strip() for line in heading.split("\n") if line.strip()]
    authors = tuple(line[3:].strip() for line in lines if line.startswith("By "))
    title_lines = [line for line in lines if not line.startswith("By ") and not _FLAG.match(line)]
    title = clean(" ".join(title_lines)) or clean(" ".join(lines))
    body = clean(unwrap(rest))
    as_sent = clean(rest)  # the id hashes the text as sent, so it stays what it was before wraps were joined
    if not (title or body):
        return None
    header_words = controltext.strip_controls(header).split("\n")[0].split()
    agency = header_words[-2] if len(header_words) >= 3 else None  # the source, before the message number
    lead = _DATELINE.match(body or "")
    tag = heading_tag([line for line in lines if _FLAG.match(line)]) or VersionTag()  # "REFILE", "1ST LEAD"
    keywords = _keywords(header)
    return Story(
        id=content_id("iptc7901", header_words[0] if header_words else None, title, as_sent),
        body=body or title or "",
        title=title,
        source=source,
        dateline=lead["place"] if lead else None,
        credit=agency,
        authors=authors,
        published=_published(trailer),
        fetched=fetched,
        format="iptc7901",
        origin=origin,
        item_id=f"iptc7901:{(agency or '').casefold()}:{keywords}" if keywords else None,
        version=tag.version,
        correction=tag.correction,
    )


def _keywords(header: str) -> str | None:
    """The keyword line after the header line ("Switzerland/migration/UN/"): what an item's versions share."""
    lines = [line.strip() for line in controltext.strip_controls(header).split("\n") if line.strip()]
    return " ".join(lines[1].casefold().split()) if len(lines) > 1 else None


def _published(trailer: str) -> datetime | None:
    match = _TRAILER.search(trailer)
    if not match:
        return None
    day, hour, minute = int(match[1]), int(match[2]), int(match[3])
    month = _MONTHS.get(match[4].lower())
    if month is None:
        return None
    try:
        return datetime(2000 + int(match[5]), month, day, hour, minute, tzinfo=timezone.utc)
    except ValueError:
        return None
