"""Normalize a raw story: clean text (HTML to text, NFC, stray escapes), page furniture and wire trailers
removed, dateline, credit (wire agency) and publisher (outlet) extracted."""

from __future__ import annotations

import dataclasses
import re

from wirewatch.transforms import furniture
from wirewatch.text import LOOKS_HTML, SKIP_TAGS, clean_text, html_to_text
from wirewatch.records import Story

__all__ = ["LOOKS_HTML", "SKIP_TAGS", "clean_text", "html_to_text", "normalize"]

# "Seoul, South Korea —" alone on a line.
_DATELINE_LINE = re.compile(r"(?P<place>[A-Z][\w.'’ -]{1,40}(?:, ?[A-Z][\w.'’ -]{1,40}){0,2})\s*[—–-]+")
# "SEOUL (Reuters) - text", "WASHINGTON, Nov 4 (AP) — text", "SEOUL, South Korea — text".
_DATELINE_LEAD = re.compile(
    r"(?P<place>[A-Z][A-Za-z.'’ -]{1,40}(?:, ?[A-Z][A-Za-z0-9.'’ -]{1,40}){0,2}?)\s*"
    r"(?:\((?P<agency>[^()]{2,40})\))?\s*[—–]|"
    r"(?P<place2>[A-Z][A-Za-z.'’ -]{1,40}(?:, ?[A-Z][A-Za-z0-9.'’ -]{1,40}){0,2}?)\s*"
    r"\((?P<agency2>[^()]{2,40})\)\s*-"
)


def _place(text: str) -> str:
    """Tidy a dateline place: all-caps words title-cased ("SEOUL" -> "Seoul"), dashes trimmed."""
    words = text.strip(" ,—–-").split(" ")
    return " ".join(w.title() if w.isupper() and len(w) > 2 else w for w in words)


@dataclasses.dataclass
class _Extracted:
    dateline: str | None = None
    credit: str | None = None
    publisher: str | None = None
    authors: list[str] = dataclasses.field(default_factory=list)


def _strip_furniture(lines: list[str], found: _Extracted) -> list[str]:
    kept = []
    for line in lines:
        if furniture.is_ui_line(line) or furniture.is_trailer(line):
            continue
        name = furniture.self_described_agency(line)
        if name:
            found.credit = found.credit or name
            continue
        name = furniture.agency(line)
        if name:
            found.credit = found.credit or name
            continue
        name = furniture.byline(line)
        if name:
            if furniture.agency(name):
                found.credit = found.credit or furniture.agency(name)
            elif furniture.is_outlet_name(name):
                found.publisher = found.publisher or name
            else:
                found.authors.append(name)
            continue
        kept.append(line)
    return kept


def _take_dateline(lines: list[str], found: _Extracted) -> list[str]:
    if not lines:
        return lines
    first = lines[0]
    m = _DATELINE_LINE.fullmatch(first)
    if m:
        found.dateline = _place(m.group("place"))
        return lines[1:]
    m = _DATELINE_LEAD.match(first)
    if m:
        place = m.group("place") or m.group("place2")
        credit = furniture.agency(m.group("agency") or m.group("agency2") or "")
        if m.group("agency") or m.group("agency2"):
            if not credit:
                return lines
            found.credit = found.credit or credit
        found.dateline = _place(place)
        rest = first[m.end():].strip()
        return [rest, *lines[1:]] if rest else lines[1:]
    return lines


def normalize(story: Story) -> Story:
    """The story with clean title and body and its dateline, credit, publisher and authors filled in.

    Fields the connector already knew (a feed's author, a JSON ``dateline``) are kept; text found in the
    body only fills what is missing. Idempotent: normalizing twice gives the same story.
    """
    found = _Extracted()
    lines = clean_text(story.body).split("\n")
    lines = _strip_furniture(lines, found)
    lines = _take_dateline(lines, found)
    title = clean_text(story.title).replace("\n", " ") if story.title else None
    dateline = _place(clean_text(story.dateline)) if story.dateline else found.dateline
    return dataclasses.replace(
        story,
        title=title or None,
        body="\n".join(lines),
        dateline=dateline or None,
        credit=story.credit or found.credit,
        publisher=story.publisher or found.publisher,
        authors=story.authors or tuple(found.authors),
    )
