"""Normalize a raw story: clean text (HTML to text, NFC, stray escapes), page furniture and wire trailers
removed, dateline, credit (wire agency) and publisher (outlet) extracted, language identified when the
source gave none."""

from __future__ import annotations

import dataclasses
import functools
import re

from itertools import compress

from wirewatch.transforms import furniture
from wirewatch.transforms.language import detect as detect_language
from wirewatch.text import LOOKS_HTML, SKIP_TAGS, clean_text, html_to_text
from wirewatch.records import Story
from wirewatch.versions import title_tag

__all__ = ["LOOKS_HTML", "SKIP_TAGS", "clean_text", "html_to_text", "normalize"]

# "Seoul, South Korea —" alone on a line.
_DATELINE_LINE = re.compile(r"(?P<place>[A-Z][\w.'’ -]{1,40}(?:, ?[A-Z][\w.'’ -]{1,40}){0,2})\s*[—–-]+")
# "SEOUL (Reuters) - text", "WASHINGTON, Nov 4 (AP) — text", "SEOUL, South Korea — text", "KYIV/MOSCOW,
# March 3 (Reuters) -", AP's "BUENOS AIRES, Argentina (AP) _ text", EFE's "Tegucigalpa, Jan 2 (EFE).- text".
_DATELINE_LEAD = re.compile(
    r"(?P<place>[A-Z][A-Za-z.'’/ -]{1,40}(?:, ?[A-Z][A-Za-z0-9.'’/ -]{1,40}){0,2}?)\s*"
    r"(?:\((?P<agency>[^()]{2,40})\))?\s*[—–]|"
    r"(?P<place2>[A-Z][A-Za-z.'’/ -]{1,40}(?:, ?[A-Z][A-Za-z0-9.'’/ -]{1,40}){0,2}?)\s*"
    r"\((?P<agency2>[^()]{2,40})\)\s*(?:\.?-|_(?= ))"
)
LEAD_LINES = 8  # paragraphs that language identification sees (it reads the first few hundred characters)
HEADLINE_MAX = 200  # characters: a longer line before the dateline is a paragraph, not a headline
_SENTENCE_END = re.compile(r"[.!?:;,]['\"’”]?$")


def _place(text: str) -> str:
    """Tidy a dateline place: all-caps words title-cased ("SEOUL" -> "Seoul", "KYIV/MOSCOW" -> "Kyiv/Moscow"),
    dashes trimmed, a date or time after it dropped ("LONDON, March 3" -> "London")."""
    words = (furniture.dateline_place(text) or "").strip(" ,—–-").split(" ")
    return " ".join(w.title() if w.isupper() and len(w) > 2 else w for w in words)


@functools.lru_cache(maxsize=4096)
def _given_place(dateline: str) -> str:
    """A dateline the source gave, cleaned and tidied: remembered, as a wire's datelines repeat ("NEW YORK")
    and the place follows from the text alone."""
    return _place(clean_text(dateline))


@dataclasses.dataclass
class _Extracted:
    dateline: str | None = None
    credit: str | None = None
    publisher: str | None = None
    authors: list[str] = dataclasses.field(default_factory=list)
    headline: str | None = None  # the lines before the dateline on a pasted page


def _strip_furniture(text: str, found: _Extracted) -> list[str]:
    """The lines of ``text`` that are story text; what the others say (credit, publisher, authors) into
    ``found``."""
    lines = text.split("\n")
    sorted_ = furniture.read_lines(text)  # the compiled core's: only these lines can be anything but kept
    if sorted_ is None:
        keep = _keeps(lines, furniture.prose_lines(lines), furniture.may_self_describe(text), found)
        return list(compress(lines, keep))
    to_read, described = sorted_
    if not to_read:  # every line is plain prose (many stories)
        return lines
    read = [lines[at] for at in to_read]
    keep = _keeps(read, furniture.prose_lines(read), described, found)
    if all(keep):
        return lines
    dropped = {at for at, kept in zip(to_read, keep) if not kept}
    return [line for at, line in enumerate(lines) if at not in dropped]


def _keeps(lines: list[str], prose: list[bool], described: bool, found: _Extracted) -> list[bool]:
    """Per line (in order: the first credit found wins), whether it is story text; what the others say into
    ``found``. ``prose``: ``furniture.prose_lines(lines)``; ``described``: ``furniture.may_self_describe`` of
    the whole text."""
    maybe_furniture, agency = furniture.maybe_furniture, furniture.agency
    self_described = furniture.self_described_agency
    keep = []
    for line, plain in zip(lines, prose):
        # A prose line: no classifier below but self_described can take it, and only in a text that may
        # self-describe (most texts may not).
        if plain and not (described and self_described(line)):
            keep.append(True)
            continue
        maybe = maybe_furniture(line)  # False for most lines: no classifier below but two can take it
        if maybe and (furniture.is_ui_line(line) or furniture.is_trailer(line) or furniture.is_editor_note(line)):
            keep.append(False)
            continue
        name = (described and self_described(line)) or agency(line)
        if name:
            found.credit = found.credit or name
            keep.append(False)
            continue
        name = furniture.byline(line) if maybe else None
        if name:
            _take_byline(name, found)
            keep.append(False)
            continue
        keep.append(True)
    return keep


def _take_byline(name: str, found: _Extracted) -> None:
    """What a byline names into ``found``: an agency's credit, an outlet, or an author."""
    person, comma, outlet = name.rpartition(",")  # "By Jane Doe, Reuters"
    if comma and person.strip() and furniture.agency(outlet):
        found.credit = found.credit or furniture.agency(outlet)
        name = person.strip()
    if furniture.agency(name):
        found.credit = found.credit or furniture.agency(name)
    elif furniture.is_outlet_name(name):
        found.publisher = found.publisher or name
    else:
        found.authors.append(name)


def _take_dateline(lines: list[str], found: _Extracted) -> list[str]:
    """The lines without the dateline, which is taken from the first line, or from the second or third
    when the lines before it read as a headline (a page pasted as headline, then ``MOSCOW (Reuters) -``)."""
    for at in range(min(3, len(lines))):
        if at and not _is_headline(lines[at - 1]):
            return lines
        rest = _dateline_of(lines[at], found)
        if rest is not None:
            if at:
                found.headline = " ".join(lines[:at])
            return [*([rest] if rest else []), *lines[at + 1:]]
    return lines


def _dateline_of(line: str, found: _Extracted) -> str | None:
    """What is left of ``line`` after its dateline (taken into ``found``), or None when it has none."""
    if not "A" <= line[:1] <= "Z":  # both patterns start with a capital A-Z: most lines are ruled out here
        return None
    if line[-1] in "—–-":  # _DATELINE_LINE must end in a dash
        m = _DATELINE_LINE.fullmatch(line)
    elif "—" in line or "–" in line or "(" in line:  # _DATELINE_LEAD needs a dash or an agency's parenthesis
        m = None
    else:
        return None
    if m:
        place = _place(m.group("place"))
        if not place:
            return None
        found.dateline = place
        return ""
    m = _DATELINE_LEAD.match(line)
    if not m:
        return None
    place = _place(m.group("place") or m.group("place2"))
    credit = furniture.agency(m.group("agency") or m.group("agency2") or "")
    if m.group("agency") or m.group("agency2"):
        if not credit:
            return None
        found.credit = found.credit or credit
    if not place:
        return None
    found.dateline = place
    return line[m.end():].strip()


def _is_headline(line: str) -> bool:
    """A line that reads as a headline: short, and not ending like a sentence or a clause."""
    return len(line) <= HEADLINE_MAX and not _SENTENCE_END.search(line) and not line.isdigit()


def _headline(title: str | None, lines: list[str], found: _Extracted) -> tuple[str | None, list[str]]:
    """The story's headline and body lines: a headline found before the dateline fills a missing title; a
    wire slug standing in for the title gives way to a headline on the body's first line."""
    if title and len(lines) > 1 and lines[0] == title:
        lines = lines[1:]  # the body repeats the headline
    if found.headline:
        if not title or furniture.is_slug(title):
            title = found.headline
    elif title and furniture.is_slug(title) and len(lines) > 1 and _is_headline(lines[0]) \
            and not furniture.is_slug(lines[0]):
        title, lines = lines[0], lines[1:]
    if title and furniture.is_slug(title):
        title = furniture.slug_text(title)
    return (furniture.headline(title) if title else None), lines


def normalize(story: Story) -> Story:
    """The story with clean title and body and its dateline, credit, publisher, authors and language filled in.

    Fields the connector already knew (a feed's author, a JSON ``dateline``) are kept; text found in the
    body only fills what is missing. Idempotent: normalizing twice gives the same story.
    """
    found = _Extracted()
    lines = _strip_furniture(clean_text(story.body), found)
    lines = _take_dateline(lines, found)
    title = clean_text(story.title).replace("\n", " ") if story.title else None
    tag = title_tag(title) or title_tag(lines[0] if lines else None)  # read before the tags come off
    title, lines = _headline(title, lines, found)
    dateline = _given_place(story.dateline) if story.dateline else found.dateline
    return _normalized(
        story,
        title=title or None,
        body="\n".join(lines),
        dateline=dateline or found.dateline or None,
        credit=furniture.credit(story.credit) or found.credit,
        language=story.language or detect_language(title, "\n".join(lines[:LEAD_LINES])),
        publisher=story.publisher or found.publisher,
        authors=story.authors or tuple(found.authors),
        version=story.version if story.version is not None or tag is None else tag.version,
        correction=story.correction or bool(tag and tag.correction),
    )


def _normalized(s: Story, *, title: str | None, body: str, dateline: str | None, credit: str | None,
                language: str | None, publisher: str | None, authors: tuple[str, ...], version: int | None,
                correction: bool) -> Story:
    """``dataclasses.replace(s, title=..., ...)`` made by one positional call (a replace looks every field up
    by name; tests/transforms/test_normalize.py checks that each field is carried over)."""
    return Story(s.id, body, title, s.summary, s.url, s.source, dateline, credit, publisher, authors, language,
                 s.published, s.fetched, s.produced, s.format, s.origin, s.undated, s.item_id, version, s.supersedes,
                 correction)
