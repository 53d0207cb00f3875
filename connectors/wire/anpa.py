"""AP ANPA-1312 (``.tst``) wire text to Stories: SYN SYN SOH header, STX text, ETX trailer, per message.

In AP's text, ``^`` starts a heading line (slug, headline, editor's note, byline), ``<`` ends a line,
``=`` ends a byline, and paragraphs are tab-indented. The trailer (``AP-WF-11-13-13 1509GMT``) gives
the transmission time.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from wirewatch.connectors.parsing.ids import content_id

from wirewatch.connectors.parsing.results import ParseResult

from wirewatch.text import clean
from wirewatch.connectors.wire import controltext
from wirewatch.records import Story
from wirewatch.versions import VersionTag, slug_name, tag_of

_TRAILER = re.compile(r"(\d\d)-(\d\d)-(\d\d) (\d\d)(\d\d) ?GMT")
_DATELINE = re.compile(r"^\s*(?P<place>[A-Z][A-Za-z .'’-]+(?:, [A-Z][A-Za-z .'’-]+)?) \((?P<agency>[A-Za-z ]{2,20})\) _")
_NOT_HEADLINE = re.compile(r"^(BC-|AP Photo|Eds?:|EDITOR'S NOTE|By |Associated Press|With AP)", re.I)
# A slug or keyword line: "BC-US--APNewsAlert,17", "*9006< ^AP-Top-Entertainment-Headlines,0176".
_SLUG = re.compile(r"^\W*(?:BC-|[A-Z]{2,4}-[A-Z][\w-]*--?)|[\w-]+,\d{1,4}\W*$")
# The trailer's first word names the sending agency: "AP-WF-11-13-13 1509GMT".
_TRAILER_AGENCY = re.compile(r"^\s*([A-Z]{2,6})-")
# What a heading ending in "=" may be besides the credit: a byline's job title ("AP Sports Writer").
_JOB_TITLE = re.compile(r"\b(writer|correspondent|editor|reporter|staff|photographer|columnist)s?\b", re.I)


def parse_anpa(
    body: bytes, fetched: datetime | None = None, *, origin: str, source: str | None = None,
) -> ParseResult:
    return controltext.parse_messages(
        body, "anpa1312", "ANPA-1312", _story, origin=origin, fetched=fetched, source=source,
        no_time="no transmission time in the trailer",
    )


def _story(
    header: str, message: str, trailer: str, fetched: datetime | None, origin: str, source: str | None,
) -> Story | None:
    headings: list[str] = []
    paragraphs: list[str] = []
    for raw in controltext.strip_controls(message).split("\n"):
        line = raw.rstrip().rstrip("<").rstrip()
        if line.startswith("^") and not paragraphs:
            headings.append(line[1:].strip())
        elif line.strip():
            paragraphs.append(line.strip())
        elif paragraphs and paragraphs[-1]:
            paragraphs.append("")
    slug = next((h for h in headings if _SLUG.search(h)), None)
    title = next((h.rstrip("=").strip() for h in headings
                  if h and not _NOT_HEADLINE.match(h) and not _SLUG.search(h)), None)
    authors = tuple(h[3:].rstrip("=").strip() for h in headings if h.startswith("By "))
    # the agency's line follows the byline ("^By JANE DOE=", "^Associated Press="); a table's heading is no credit
    credit_line = next((h.rstrip("=").strip() for before, h in zip(headings, headings[1:])
                        if before.startswith("By ") and h.endswith("=") and not _JOB_TITLE.search(h)), None)
    body = clean("\n".join(paragraphs))
    if not (title or body):
        return None
    lead = _DATELINE.match(body or "")
    sender = _TRAILER_AGENCY.match(controltext.strip_controls(trailer))
    tag = tag_of(slug) or VersionTag()  # "1st Ld-Writethru": the item's second version
    return Story(
        id=content_id("anpa", slug, title, body),
        body=body or title or "",
        title=title or (clean(slug) if slug else None),  # Normalize prefers a headline in the text to a slug
        source=source,
        dateline=lead["place"] if lead else None,
        credit=credit_line or (lead["agency"] if lead else None) or (sender[1] if sender else None),
        authors=authors,
        language="en",
        published=_published(trailer),
        fetched=fetched,
        format="anpa1312",
        origin=origin,
        item_id=f"anpa:{slug_name(slug)}" if slug and slug_name(slug) else None,
        version=tag.version,
        correction=tag.correction,
    )


def _published(trailer: str) -> datetime | None:
    match = _TRAILER.search(trailer)
    if not match:
        return None
    month, day, year, hour, minute = (int(g) for g in match.groups())
    try:
        return datetime(2000 + year, month, day, hour, minute, tzinfo=timezone.utc)
    except ValueError:
        return None
