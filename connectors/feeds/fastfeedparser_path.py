"""The fast reader: fastfeedparser (lxml and a compiled extractor) for the plain documents
connectors.parsing.plainxml lets it take, its answer put in the shape connectors.feeds.feedparser_path reads
from feedparser, with feedparser's rules for the fields a Story takes from it.

fastfeedparser neither sanitizes markup nor resolves links inside it: both are left to wirewatch.text.clean,
which keeps the text only. What it does differently from feedparser is bridged here: a summary it made up
from the content is taken back (feedparser copies the whole content), an RSS description it repeats as
content is a summary only, ids and links are resolved against the document's location as feedparser
resolves them, an author's address is split from the name, values are repaired as feedparser repairs them,
and its ISO dates become datetimes in whole seconds. Where it refuses a document (an Atom entry alone, a
root it does not know), or the answer shows a shape the bridge does not model (``_refusal``), the caller
asks feedparser. The entries that still differ
from feedparser's are listed with their reasons in tests/connectors/feeds/test_fastfeedparser.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import fastfeedparser
from feedparser.urls import make_safe_absolute_uri
from feedparser.util import FeedParserDict

from wirewatch.connectors.feeds import leaked_base, rss_summaries, written_summaries
from wirewatch.connectors.feeds.census import Census
from wirewatch.connectors.feeds.urljoin import feedparser_join, plain_absolute
from wirewatch.connectors.parsing import bytefind, plainxml, textless
from wirewatch.connectors.parsing.plainxml import Plain
from wirewatch.text import compiled_core

_ENTRY = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s/>]")
_LANGUAGE = re.compile(
    rb"<(?:[\w.-]+:)?language>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))\s*</(?:[\w.-]+:)?language\s*>", re.S
)
_LOOKS_HTML = re.compile(r"</\w+>|&#?\w+;")  # feedparser's sign that a plain-text value is markup after all
# Elements of an RSS item feedparser reads as its summary or content and fastfeedparser does not read.
_RSS_UNREAD = re.compile(rb"<(?:[\w.-]+:)?(?:body|fullitem)[\s/>]")
# What feedparser reads otherwise: Atom text typed XHTML or base64 outside content, base64 by mode, and C1
# controls (U+0080-U+009F), which it reads as the Windows-1252 punctuation they usually stand for.
_TYPED = re.compile(
    rb"<((?:[\w.-]+:)?(?:title|summary|subtitle|rights))\s[^>]*type=[\"'](?!text[\"'/]|html[\"'])(xhtml[\"'])?")
_BASE64 = re.compile(rb"mode=[\"']base64")
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_compiled_c1 = getattr(compiled_core(), "first_c1", None)  # _C1's first match, compiled (None without the core)
_compiled_holding = getattr(compiled_core(), "holding", None)  # _HOLDS_ELEMENTS' matches, compiled
_HOLDING_NAMES = (b"description", b"summary", b"title", b"content:encoded")  # (the compiled scan's indexes)
# An empty summary element (feedparser: an empty summary; fastfeedparser: the content copied into it)
_EMPTY_SUMMARY = re.compile(rb"<(?:description|summary)(?:\s[^>]*)?(?:/>|>\s*(?:<!\[CDATA\[\s*\]\]>\s*)?"
                            rb"</(?:description|summary)\s*>)")
_TEXTUAL = re.compile(r"(?:text|html|xhtml)$|text/|.*xml$")  # content types feedparser does not read as base64
# A summary or content that opens with an element: fastfeedparser reads its text as empty.
_WRITTEN_AS_ELEMENTS = re.compile(
    rb"<(?:[\w.-]+:)?(?:description|summary|title|encoded|content)(?:\s[^>]*)?(?<!/)>\s*<(?![/!])"
)
# A description, summary, title or content:encoded holding an element after some text: fastfeedparser keeps
# the text before it, feedparser reads the whole as markup. (XHTML-typed Atom text is _TYPED's.)
_HOLDS_ELEMENTS = re.compile(
    rb"<(description|summary|title|content:encoded)(?:\s(?![^>]*xhtml)[^>]*)?(?<!/)>[^<]*<(?![/!])"
)
# RSS elements feedparser reads as an entry's author, each one more in its list (fastfeedparser keeps one),
# with text (an Atom author holds elements instead, an empty one adds nothing).
_AUTHOR = re.compile(
    rb"<(?:[\w.-]+:)?(?:author|creator|managingEditor)(?:\s[^>]*)?>\s*(?:<!\[CDATA\[\s*)?[^<\s\]]"
)
_AUTHOR_END = re.compile(rb"</(?:[\w.-]+:)?(?:author|creator|managingEditor)\s*>")
_AUTHORS = (b"author", b"creator", b"managingEditor")
# An item's or entry's start and end tags: each element runs from a start to the first end after it (items
# nested or prefixed are refused before).
_STARTS = {False: re.compile(rb"<item[\s>]"), True: re.compile(rb"<entry[\s>]")}
_ENDS = {False: re.compile(rb"</item\s*>"), True: re.compile(rb"</entry\s*>")}
_BASE_TAG = re.compile(rb"<([\w.:-]+)[^<>]*\sxml:base\s*=")
_TEXT_ELEMENTS = frozenset({b"summary", b"content", b"description", b"title", b"subtitle", b"rights", b"encoded"})
_LANG_ATTRIBUTE = re.compile(rb"""\sxml:lang\s*=\s*(["'])(.*?)\1""", re.S)
_AUTHOR_ELEMENT = re.compile(
    rb"<((?:[\w.-]+:)?(?:author|creator|managingEditor))(?:\s[^>]*)?(?<!/)>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))"
    rb"\s*</\1\s*>", re.S)
_AUTHOR_NAMES = frozenset({b"author", b"managingEditor", b"dc:creator", b"dc:author", b"itunes:author"})
_NOT_PERMALINK = re.compile(rb"isPermaLink\s*=\s*[\"']false")
# UTF-8 read as Latin-1 holds a lead byte's character then a continuation byte's: text without that pair
# cannot be repaired (``_repaired``), and most non-ASCII text is without it.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")
_MOJIBAKE_UTF8 = re.compile(b"\xc3[\x82-\xb4]\xc2[\x80-\xbf]")  # that pair as the document's bytes
_EMAIL = re.compile(
    r"(?:[a-zA-Z0-9_\-.+]+)@(?:\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.|(?:[a-zA-Z0-9\-]+\.)+)"
    r"(?:[a-zA-Z]{2,4}|[0-9]{1,3})\]?(?:\?subject=\S+)?"
)


def _language(data: bytes, plain: Plain, first: int) -> str | None:
    """The feed's language as feedparser gives it: an RSS language element's before the first item, else the
    root's xml:lang (the entries have the root's only: feedparser ends the element's at its end tag)."""
    found = _LANGUAGE.search(data, 0, first)
    if found is None:
        return plain.lang
    return (found[1] or found[2] or b"").decode("utf-8", "replace").strip() or None


def answer(data: bytes, headers: Mapping[str, str]) -> FeedParserDict | str:
    """feedparser's answer, in the fields we read, where the fast reader can give it; else why feedparser
    must read ``data`` (for reports). ``headers``: the lower-cased response headers feedparser is given."""
    plain = plainxml.check(data, headers)
    if isinstance(plain, str):
        return plain
    location = headers.get("content-location", "")
    if plain.base is not None:  # the root's xml:base, as feedparser scopes it: an empty one changes nothing
        chosen = plain.base or location
        location = (make_safe_absolute_uri(location, chosen) or location) if location else chosen
    try:
        parsed = read(plain.data or data, plain, location)
    except Exception as exc:  # noqa: BLE001 (a surprise in the fast reader costs speed, never a story)
        return f"the fast reader failed: {type(exc).__name__}: {exc}"
    if not isinstance(parsed, str) and not parsed.entries:
        return "no entries (feedparser words the empty cases)"
    return parsed


def read(data: bytes, plain: Plain, location: str) -> FeedParserDict | str:
    """feedparser's answer, in the fields we read, for a document connectors.parsing.plainxml passed; else
    why feedparser must read it. ``location`` is the base feedparser resolves links against."""
    try:
        # (bytes: given a str naming a URL, it would fetch it; tags and enclosures give a Story nothing)
        parsed = fastfeedparser.parse(data, include_tags=False, include_enclosures=False)
    except ValueError as exc:
        return f"fastfeedparser refuses it: {exc}"
    raw = parsed.get("entries") or ()
    found = _ENTRY.search(data)
    doc = _Document(data, plain.format, plain.rdf, found.start() if found else len(data))
    first = doc.first
    refusal = _refusal(doc, raw)
    if refusal:
        return refusal
    rss = plain.format != "atom10" and not plain.rdf
    ids = doc.guids if rss else doc.abouts if plain.rdf else len(raw)
    # Atom ids and RSS guids that are permalinks (the default) are links to feedparser: it resolves them
    # against the location, and one stands for the link of an entry without one.
    permalinks = plain.format == "atom10" or rss and not doc.not_permalink
    locations = [location] * len(raw)  # the base of each entry's link and id
    if plain.scoped_base and not (location and _text_bases_only(data, plain.base is not None)) and not (
            _absolute_only(parsed.get("feed") or {}, raw, permalinks)):
        bases = (leaked_base.entry_bases(data, plain.format == "atom10", first)
                 if not location and plain.base is None and not plain.rdf and _text_bases_only(data, False) else None)
        if bases is None or len(bases) != len(raw):
            return "xml:base below the root, and a relative link or id feedparser resolves against it"
        locations = bases
    copies = plain.format != "atom10" and not doc.content
    if doc.mixed:  # some entries have summaries (or guids) and some not: which ones, entry by entry
        present = _presence(data, plain.format, first, plain.rdf)
        if present is None or len(present) != len(raw):
            return "some entries have summaries (or guids) and some not, in entries not found one by one"
    else:
        present = [(bool(doc.summaries), bool(ids))] * len(raw)
    langs = [plain.lang] * len(raw)
    if plain.scoped_langs:
        langs = _entry_langs(data, plain.format, first, plain.scoped_langs, plain.lang)
        if langs is None or len(langs) != len(raw) or doc.rss_summary:
            return "xml:lang below the root, elsewhere than on the entries' own tags"
    entries = _entries(raw, present, langs, locations, plain.format == "atom10", copies, permalinks)
    if doc.rss_summary and not (plain.format == "rss20" and _alike(data, first, len(entries))):
        parts = rss_summaries.item_parts(data, plain.lang) if plain.format == "rss20" else None
        if parts is None or len(parts) != len(entries):
            return "summary elements in items where feedparser's reading of them is not modelled"
        for entry, part in zip(entries, parts):
            for key in ("summary", "summary_detail", "content"):
                entry.pop(key, None)
            entry.update(part)
    if doc.written:
        written = written_summaries.markups(data, plain.format == "atom10")
        if written is None or len(written) != len(entries) or sum(m is not None for m in written) != doc.written:
            return "summaries written as elements where feedparser's reading of them is not modelled"
        for entry, markup, lang in zip(entries, written, langs):
            if markup is not None:
                entry["summary"], entry["summary_detail"] = markup, {"type": "application/xhtml+xml", "language": lang}
    if plain.format != "atom10" and _more_authors(doc, sum(1 for e in raw if e.get("author"))):
        authors = _item_authors(data, first)  # (more than one in an entry, or some fastfeedparser missed)
        if authors is None or len(authors) != len(entries):
            return "author elements in items where feedparser's reading of them is not modelled"
        for entry, listed in zip(entries, authors):
            entry["authors"] = listed
    feed = parsed.get("feed") or {}
    title = feed.get("title")
    if not data.isascii() and (
            b"#" in data and bytefind.contains(data, b"&#") or b"\xc3" in data and _MOJIBAKE_UTF8.search(data)):
        title = repaired(title)
        for entry in entries:
            _repair(entry)
    answer = FeedParserDict(version=plain.format, entries=entries, bozo=False, feed=FeedParserDict(
        title=title, link=resolved(feed.get("link"), location), language=_language(data, plain, first),
    ))
    if plain.note:
        answer["notes"] = [plain.note]
    return answer


class _Document:
    """What the bridge asks of a document's entries (from ``first``, where the first one starts), the tags
    counted in one scan (connectors.feeds.census). ``form`` is the format plainxml gave it; ``rdf`` an RDF
    root."""

    def __init__(self, data: bytes, form: str, rdf: bool, first: int) -> None:
        self.data, self.form, self.rdf, self.first = data, form, rdf, first
        self.atom = form == "atom10"
        self.census = tags = Census(data, first)
        self.entries = tags.starting(b"entry" if self.atom else b"item")  # (nested, prefixed: _refusal)
        # How many entry summaries (RSS descriptions, Atom summaries) the document has.
        self.summaries = tags.starting(b"summary" if self.atom else b"description")
        self.guids = tags.starting(b"guid")
        self.abouts = data.count(b"rdf:about", first) if rdf else 0  # (an RDF item's id)
        # content:encoded (any prefix) or an Atom content (not media:content)
        self.content = bool(tags.named((b"encoded",)) or tags.named((b"content",), prefixed=False))
        self.other_description = bool(tags.named((b"description",), bare=False))  # media:, dc:description
        self.not_permalink = bytefind.contains(data, b"isPermaLink") and _NOT_PERMALINK.search(data, first) is not None
        # Summary elements (itunes:summary) in RSS items, or in RSS 2.0 a description of another module
        # (media:description, dc:description): connectors.feeds.rss_summaries reads them.
        self.rss_summary = not self.atom and (
            bool(tags.named((b"summary",))) or form == "rss20" and self.other_description)
        self._written: bool | None = None
        self.mixed = False  # some entries have summaries (or guids) and some not (set by _refusal)
        # How many summaries are written as elements, which connectors.feeds.written_summaries reads (set
        # by unread and _refusal): Atom summaries typed xhtml, RSS descriptions holding elements.
        self.written = 0

    def written_as_elements(self) -> bool:
        """Whether a summary or content other than the ``written`` ones opens with an element (asked only of
        an entry that looks empty)."""
        if self._written is None:
            self._written = any(not (self.written and not self.atom and found.startswith(b"<description"))
                                for found in _WRITTEN_AS_ELEMENTS.findall(self.data, self.first))
        return self._written

    def unread(self) -> bytes | None:
        """The start of something feedparser reads and fastfeedparser does not, if any (``_RSS_UNREAD``,
        ``_TYPED``, ``_BASE64``, ``_C1``), each pattern searched only where its literal part occurs."""
        data, first = self.data, self.first
        found = (
            (_RSS_UNREAD.search(data, first) if not self.atom and self.census.named((b"body", b"fullitem"))
             else None)
            or (self._typed() if self.atom else None)
            or self._base64()
        )
        if found:
            return found[0]
        return _first_c1(data, first) if b"\xc2" in data else None

    def _base64(self) -> re.Match[bytes] | None:
        """``_BASE64``'s first match from ``first``, searched for from where its literal part first is."""
        at = bytefind.find(self.data, b"mode=", self.first)
        return _BASE64.search(self.data, at) if at >= 0 else None

    def _typed(self) -> re.Match[bytes] | None:
        """The first Atom text typed otherwise than text or html, but for summaries typed xhtml, which are
        counted in ``written``."""
        for typed in _TYPED.finditer(self.data, self.first):
            if typed[1] != b"summary" or not typed[2]:
                return typed
            self.written += 1
        return None


def _first_c1(data: bytes, first: int) -> bytes | None:
    """The first ``_C1`` match from ``first``, if any (compiled where the core is built)."""
    if _compiled_c1 is not None:
        at = _compiled_c1(data, first)
        return None if at is None else data[at:at + 2]
    found = _C1.search(data, first)
    return found[0] if found else None


def _holding(data: bytes, first: int) -> Iterable[bytes]:
    """The name of each ``_HOLDS_ELEMENTS`` match from ``first`` (compiled where the core is built)."""
    if _compiled_holding is not None:
        return [_HOLDING_NAMES[name] for name in _compiled_holding(data, first)]
    return (found[1] for found in _HOLDS_ELEMENTS.finditer(data, first))


def _text_bases_only(data: bytes, on_root: bool) -> bool:
    """Whether every xml:base below the root (``on_root``: the root has one too) is on a text element (a
    summary, content, title...): its scope holds no link or id feedparser resolves, only markup, whose
    links clean() drops. (Only where a base is in effect above it: feedparser restores an empty one at
    the element's end as the element's own, which then reaches the links after it.)"""
    on_text = sum(match[1].rpartition(b":")[2] in _TEXT_ELEMENTS for match in _BASE_TAG.finditer(data))
    return data.count(b"xml:base") - on_text == on_root


def _absolute_only(feed: Mapping[str, Any], raw: Sequence[Mapping[str, Any]], permalinks: bool) -> bool:
    """Whether every link (and id, where ids are links) feedparser resolves is absolute already, so that no
    base, scoped or not, changes it."""
    values = [feed.get("link")] + [entry.get("link") for entry in raw]
    values += [entry.get("id") for entry in raw] if permalinks else []
    return all(not isinstance(value, str) or not value.strip() or plain_absolute(value.strip()) for value in values)


def _more_authors(doc: _Document, authored: int) -> bool:
    """Whether the items hold more author elements with text than the ``authored`` entries fastfeedparser
    gave an author. Each such element is one of the census' tags and has an end tag, so too few of either
    settle it without the slower scan."""
    data, first = doc.data, doc.first
    return (doc.census.named(_AUTHORS) > authored and len(_AUTHOR_END.findall(data, first)) > authored
            and len(_AUTHOR.findall(data, first)) > authored)


def _refusal(doc: _Document, raw: Sequence[Mapping[str, Any]]) -> str | None:
    """Why fastfeedparser's answer cannot be bridged to feedparser's, or None."""
    data, form, rdf, first = doc.data, doc.form, doc.rdf, doc.first
    unread = doc.unread()
    if unread:
        return f"{unread[:40]!r}: feedparser reads it otherwise"
    if doc.entries != len(raw):
        return "entries nested in entries, or written with a prefix"
    summaries = doc.summaries
    ids = len(raw) if form == "atom10" else doc.abouts if rdf else doc.guids
    if doc.rss_summary:
        summaries = len(raw)  # (rss_summaries reads them)
    doc.mixed = summaries not in (0, len(raw)) or ids not in (0, len(raw))  # (read() finds which ones)
    if doc.other_description and not doc.rss_summary and (summaries or doc.content):
        return "a media:description (or dc:description) beside a summary or content, which feedparser may keep"
    if not rdf and doc.not_permalink and data.count(b"isPermaLink", first) != ids:
        return "some guids are permalinks and some not: which ones feedparser resolves is not known"
    if rdf and doc.content:
        return "content:encoded in RDF items, which fastfeedparser does not read"
    for name in _holding(data, first):
        if form != "rss20" or name != b"description" or doc.content or doc.rss_summary:
            return "a summary or content holding elements, which feedparser reads as markup"
        doc.written += 1  # (connectors.feeds.written_summaries reads it)
    spans: list[tuple[int, int]] | None = None  # the entries' bytes, found where one looks empty
    empty_summary: bool | None = None  # whether the document holds an empty summary element
    for number, entry in enumerate(raw):
        if form != "atom10" and (ids and not entry.get("id") or not entry.get("link") and entry.get("links")):
            return "a guid or link it lost (one after nested elements, a link beside an atom:link)"
        content = entry.get("content")
        if content and not _TEXTUAL.match(str(content[0].get("type") or "")):
            return "content of a media type feedparser decodes from base64"
        if content and summaries and empty_summary is not False and not doc.rss_summary:
            if empty_summary is None:  # (one search a document, then the entries' own bytes where it found one)
                empty_summary = _EMPTY_SUMMARY.search(data, first) is not None
            if empty_summary:
                spans = _element_spans(data, first, form == "atom10") if spans is None else spans
                if len(spans) != len(raw) or _EMPTY_SUMMARY.search(data, *spans[number]):
                    return "an empty summary beside content, which fastfeedparser fills from the content"
        empty = not entry.get("description") and not (content and content[0].get("value"))
        if empty and not entry.get("title"):  # (feedparser reads none either where its bytes hold no text)
            spans = _element_spans(data, first, form == "atom10") if spans is None else spans
            if len(spans) != len(raw) or not textless.holds_no_text(data, *spans[number]):
                return "an entry with nothing it reads: feedparser may find its text where fastfeedparser does not"
        if empty and (summaries or content) and doc.written_as_elements():
            return "a summary or content written as elements, which feedparser reads as markup"
    return None


def _entries(raw: Sequence[Mapping[str, Any]], present: Sequence[tuple[bool, bool]], langs: Sequence[str | None],
             locations: Sequence[str], atom: bool, copies: bool, permalinks: bool) -> list[dict[str, Any]]:
    """Each entry in feedparser's keys, in one loop over the document's entries (what is the same for all of
    them is decided once). Per entry: ``present``, whether it has a summary of its own (else the description
    fastfeedparser gives is one it made from the content) and an id of its own (else fastfeedparser took the
    link); ``langs``, the language of its summary and content; ``locations``, the base of its link and id.
    ``copies``: the content fastfeedparser gives an RSS entry is its description repeated (the document has
    no content elements); ``permalinks``: feedparser reads the ids as links."""
    out_entries: list[dict[str, Any]] = []
    append = out_entries.append
    for entry, (has_summary, ids), lang, location in zip(raw, present, langs, locations):
        get = entry.get
        title = get("title")
        guid = resolved(get("id"), location if permalinks else "") if ids else None
        out: dict[str, Any] = {"title": title, "id": guid}
        if title and ("&" in title or "</" in title) and _LOOKS_HTML.search(title):
            out["title_detail"] = {"type": "text/html"}
        link = get("link")
        link = resolved(link, location) if link is not None else None
        if link:
            out["link"] = link
        elif guid and permalinks:
            out["guidislink"] = True
        summary = get("description") or None
        content = get("content")
        if content:
            first = content[0]
            value = first.get("value") or ""
            detail = {"type": _type(first.get("type")), "language": lang}
            if copies:  # the RSS description itself: the description it gives may be cut short
                out["summary"], out["summary_detail"] = value, detail
            else:
                if summary is None or not has_summary:  # feedparser copies the content to a missing summary
                    out["summary"], out["summary_detail"] = value, detail
                out["content"] = [{"value": value, **detail}]
        if "summary" not in out:
            if summary is None:  # feedparser reads a Media RSS description as the summary
                media = next((m["description"] for m in get("media_content") or () if m.get("description")), None)
                if media:
                    out["summary"], out["summary_detail"] = media, {"type": "text/html", "language": lang}
            else:
                out["summary"] = summary
                html = not atom or _LOOKS_HTML.search(summary) is not None
                out["summary_detail"] = {"type": "text/html" if html else "text/plain", "language": lang}
        author = get("author")
        if author:
            out["authors"] = [feed_author(author)]
        out["published_at"] = _when(get("published") or get("updated"))
        append(out)
    return out_entries


def _elements(data: bytes, first: int, atom: bool) -> list[bytes]:
    """The items (``atom``: entries) from ``first`` on, each from its start tag to the first end tag after
    it: what ``<item[\\s>].*?</item\\s*>`` (re.S) finds, with two literal-led searches an element instead of
    the lazy pattern's test at every byte."""
    return [data[start:end] for start, end in _element_spans(data, first, atom)]


def _element_spans(data: bytes, first: int, atom: bool) -> list[tuple[int, int]]:
    """Where each of ``_elements`` starts and ends."""
    start_tag, end_tag = _STARTS[atom], _ENDS[atom]
    spans: list[tuple[int, int]] = []
    while (start := start_tag.search(data, first)) is not None:
        end = end_tag.search(data, start.end())
        if end is None:
            break
        spans.append((start.start(), end.end()))
        first = end.end()
    return spans


def _alike(data: bytes, first: int, count: int) -> bool:
    """Whether the ``count`` entries are the document's items and connectors.feeds.rss_summaries' reading of
    them cannot change a Story (``rss_summaries.alike``)."""
    items = _element_spans(data, first, False)
    return len(items) == count and rss_summaries.alike(data, items)


def _presence(data: bytes, form: str, first: int, rdf: bool) -> list[tuple[bool, bool]] | None:
    """Per entry, whether it has a summary (an RSS description, an Atom summary) and an id of its own (an RSS
    guid, an RDF item's rdf:about; an Atom entry always has one): where fastfeedparser makes up what it
    lacks. None where the entries cannot be told apart here (one nested in another)."""
    atom = form == "atom10"
    spans = _elements(data, first, atom)
    if any((b"<entry" if atom else b"<item") in span[1:] for span in spans):
        return None
    summary = b"<summary" if atom else b"<description"
    if atom:
        return [(summary in span, True) for span in spans]
    if rdf:
        return [(summary in span, b"rdf:about" in span[:span.find(b">")]) for span in spans]
    return [(summary in span, b"<guid" in span) for span in spans]


def _entry_langs(data: bytes, form: str, first: int, count: int, root: str | None) -> list[str | None] | None:
    """Per entry, the language feedparser gives its summary and content where the ``count`` xml:lang
    attributes below the root are all on the entries' own start tags (an empty one is no language, none
    the ``root``'s); else None."""
    langs: list[str | None] = []
    found = 0
    for span in _elements(data, first, form == "atom10"):
        tag = span[:span.find(b">")]
        lang = _LANG_ATTRIBUTE.search(tag)
        found += lang is not None
        langs.append((html.unescape(lang[2].decode()) or None) if lang else root)
    return langs if found == count else None


def _item_authors(data: bytes, first: int) -> list[list[dict[str, str]]] | None:
    """Per RSS item, feedparser's list of authors: one for each author, managingEditor, dc:creator,
    dc:author and itunes:author element with text, in document order. None where an item holds another
    element _AUTHOR counts (one with a prefix feedparser reads otherwise, or holding elements)."""
    items: list[list[dict[str, str]]] = []
    for span in _elements(data, first, False):
        found = [(name, (cdata.decode() if cdata else html.unescape(text.decode())).strip())
                 for name, cdata, text in _AUTHOR_ELEMENT.findall(span)]
        found = [(name, value) for name, value in found if value]
        if len(found) != len(_AUTHOR.findall(span)) or any(name not in _AUTHOR_NAMES for name, _ in found):
            return None
        items.append([feed_author(value) for _, value in found])
    return items


def repaired(value: Any) -> Any:
    """feedparser's repair of a value: text that is UTF-8 read as Latin-1 is read again as UTF-8."""
    if isinstance(value, str) and not value.isascii() and _MOJIBAKE.search(value):
        try:
            return value.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):  # (a character past Latin-1, or not UTF-8 then)
            return value
    return value


def _repair(entry: dict[str, Any]) -> None:
    """The values of an entry as feedparser repairs every value it reads (``_repaired``)."""
    for key in ("title", "summary"):
        entry[key] = repaired(entry.get(key))
    for part in entry.get("content") or ():
        part["value"] = repaired(part["value"])
    if entry.get("summary_detail"):
        entry["summary_detail"] = {**entry["summary_detail"], "value": entry["summary"]}
    for author in entry.get("authors") or ():
        author["name"] = repaired(author.get("name"))


def _type(kind: object) -> str:
    kind = str(kind or "")
    return "text/html" if "html" in kind else kind or "text/plain"


def resolved(value: object, location: str) -> str | None:
    """A link or id as feedparser resolves it against the document's location (``urljoin.feedparser_join``)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return (feedparser_join(location, value) if location else value) or None


def feed_author(value: str) -> dict[str, str]:
    """feedparser's reading of an RSS author: an address found in it is the email, what is left, less
    brackets around it, the name."""
    email = _EMAIL.search(value) if "@" in value else None
    if email is None:
        return {"name": value}
    name = value.replace(email[0], "").replace("()", "").replace("<>", "").replace("&lt;&gt;", "").strip()
    name = name[1:] if name.startswith("(") else name
    name = name[:-1] if name.endswith(")") else name
    return {"name": name.strip(), "email": email[0]}


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is timezone.utc and not moment.microsecond:  # (fastfeedparser's usual answer: as it is)
        return moment
    moment = moment.replace(microsecond=0)  # feedparser's time tuples hold whole seconds
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
