"""feedparser's summary and content of each RSS 2.0 item that has a summary element (``itunes:summary``,
common in podcasts, or a bare ``summary``) or a media:description or dc:description beside or instead of
its description: fastfeedparser does not read those as feedparser does, and feedparser's choice depends on
their order.

feedparser reads description, summary and ``content:encoded`` in document order: a description or summary
becomes the summary, or content where a summary came before it and no content did yet (content read in the
channel counts until the first item ends, and the channel's description is its subtitle); ``content:encoded`` is content, copied to a missing summary. The document is read again here with lxml (safely, connectors.parsing.safexml), only the
items' direct children. Where each item's elements all repeat one text (``alike``: the common podcast item),
that order cannot change a Story, and the second reading is skipped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from wirewatch.connectors.parsing.safexml import parse_xml
from wirewatch.errors import ParseError
from wirewatch.text import compiled_core

_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"  # (lower case)
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Read as a description wherever they sit in the item (a media:description is often in a media:group).
_DESCRIPTIONS = ("description", "{http://search.yahoo.com/mrss/}description",
                 "{http://search.yahoo.com/mrss}description", "{http://purl.org/dc/elements/1.1/}description")
_LOOKS_HTML = re.compile(r"</\w+>|&#?\w+;")  # feedparser's sign that a plain-text value is markup after all
# Every element read here (and any other of their local names): its name, then its text where it is written
# as text alone (no element, CDATA or comment in it), else only the end of the name.
_READ = re.compile(
    rb"<((?:[\w.-]+:)?(?:description|summary|encoded))(?:(?:\s+[\w.:-]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*>"
    rb"([^<]*)</\1\s*>|[\s/>])")
# Where html.unescape may make a "<": a numeric reference to 60 (decimal or hex, any leading zeros, with or
# without the semicolon), or a named one whose character is "<" (html5's lt, LT, with or without the
# semicolon, and nvlt;). tests/connectors/feeds/test_scans.py checks both against html.unescape.
_LT_REFERENCE = re.compile(rb"&(?:#0*60(?![0-9])|#[xX]0*3[cC](?![0-9a-fA-F])|lt|LT|nvlt;)")
# The compiled scan of _READ's matches (start, name, text), None without the core.
_compiled_reads = getattr(compiled_core(), "summary_reads", None)


def reads(data: bytes) -> list[tuple[int, bytes, bytes | None]]:
    """Each ``_READ`` match in ``data``: where it starts, the name and the text (None where not text alone)."""
    if _compiled_reads is not None:
        return _compiled_reads(data)
    return [(match.start(), match[1], match[2]) for match in _READ.finditer(data)]


def item_parts(data: bytes, lang: str | None) -> list[dict[str, Any]] | None:
    """Per item, feedparser's ``summary``/``summary_detail`` and ``content`` keys (those it has); None where
    the document is not modelled here (one of the elements holds elements, or the items are not where RSS
    2.0 puts them)."""
    try:
        root = parse_xml(data)
    except ParseError:
        return None
    channel = root.find("channel")
    # feedparser matches namespaces ignoring case: the document's own spelling of iTunes' is the one to find
    itunes = next((uri for uri in root.nsmap.values() if uri and uri.lower() == _ITUNES), _ITUNES)
    tags = (*_DESCRIPTIONS, "summary", f"{{{itunes}}}summary", _CONTENT)
    if channel is None or any(len(element) for element in channel.iter(*tags)):
        return None
    items: list[dict[str, Any]] = []
    feed = _Reading(lang, channel=True)
    for child in channel:
        if child.tag == "item":
            item = _Reading(lang, feed.has_content)
            for part in child.iter(*tags):  # (feedparser reads them at any depth, in document order)
                item.read(part)
            items.append(item.parts())
            feed.has_content = False  # feedparser clears it as an item ends
        elif child.tag in tags:
            feed.read(child)
    return items


def alike(data: bytes, items: Sequence[tuple[int, int]]) -> bool:
    """Whether the reading here cannot change a Story: every element it reads (and any other of those local
    names) is text alone, and within each of the ``items`` (where the document's start and end) all of
    them hold one same text, with no ``<`` when decoded, and one of them is a plain description. Whichever
    of them feedparser then takes as the summary and which as content, the Story has that text as its
    summary and body (connectors.feeds.feedparser_path cleans a summary and a content of equal text once,
    as markup or not, which is the same without a ``<``), as it has from the description the fast reader
    gives alone. The common podcast item (an itunes:summary repeating the description) is then answered
    without a second parse."""
    found = reads(data)
    if any(text is None for _, _, text in found):
        return False
    at, count = 0, len(found)
    for start, end in items:
        while at < count and found[at][0] < start:  # (the channel's: any text)
            at += 1
        text, described = None, False
        while at < count and found[at][0] < end:
            _, name, value = found[at]
            if text is None:
                text = value
            elif value != text:
                return False
            described = described or name == b"description"
            at += 1
        if not described or not text.strip() or _LT_REFERENCE.search(text) and "<" in html.unescape(
                text.decode("utf-8", "replace")):
            return False
    return True


def _kind(tag: object) -> str:
    """"description", "summary" or "content" for the elements read here."""
    if tag in _DESCRIPTIONS:
        return "description"
    return "content" if tag == _CONTENT else "summary"


class _Reading:
    """One context's (the channel's or an item's) summary and content as feedparser fills them. Whether
    content was read is feedparser's state for the whole document: the channel's carries into the first
    item."""

    def __init__(self, lang: str | None, has_content: bool = False, *, channel: bool = False) -> None:
        self.lang = lang
        self.channel = channel  # the channel's description is its subtitle: it never counts as its summary
        self.has_content = has_content
        self.summary: dict[str, Any] | None = None
        self.contents: list[dict[str, Any]] = []

    def read(self, element: Any) -> None:
        kind = _kind(element.tag)
        value = (element.text or "").strip()
        if kind == "content":
            self.has_content = True
            self.contents.append(_detail(value, "text/html", self.lang))
            self.summary = self.summary or self.contents[-1]
        elif self.summary is not None and not self.has_content:  # read as content, which it now has
            self.has_content = True
            self.contents.append(_detail(value, "text/plain", self.lang))
        elif not (self.channel and kind == "description"):
            self.summary = _detail(value, "text/html" if kind == "description" else "text/plain", self.lang)

    def parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        if self.summary is not None:
            parts["summary"], parts["summary_detail"] = self.summary["value"], self.summary
        if self.contents:
            parts["content"] = self.contents
        return parts


def _detail(value: str, kind: str, lang: str | None) -> dict[str, Any]:
    if kind == "text/plain" and _LOOKS_HTML.search(value):
        kind = "text/html"
    return {"value": value, "type": kind, "language": lang}
