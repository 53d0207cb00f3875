"""The compiled reader: the plain RSS 2.0 / 0.9x and Atom 1.0 documents most feeds are, read in one compiled
pass (``wirewatch_native.FeedReader``, native/src/feedread.rs) that both checks the document is namespace
well-formed, as feedparser's strict parser requires, and reads its entries as that parser does, in the fields a
Story takes. Its answer is put in feedparser's keys here, as connectors.feeds.feedparser_path reads them.

It declines what it is not sure of (an encoding feedparser would not take at once, a DOCTYPE, Atom 0.3, an
element feedparser reads into a Story's fields in a way not modelled, anything not well-formed) with the
reason; the caller then asks the fastfeedparser path, then feedparser. Without the compiled core it declines
everything. Its Stories are compared with feedparser's over the shared corpus and mutated copies of it in
tests/connectors/feeds/test_compiled_reader.py, and on hand-written shapes in test_compiled_shapes.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri
from feedparser.util import FeedParserDict

from wirewatch.connectors.feeds.fastfeedparser_path import feed_author, repaired, resolved
from wirewatch.connectors.parsing import plainxml
from wirewatch.connectors.parsing.times import from_struct
from wirewatch.text import compiled_core

_SHAPE = 1  # the FeedReader answer this module reads (native/src/feedread.rs FEED_READER_VERSION)
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")  # what feedparser turns back into a query's "&name" in links
_looks_like_html = _FeedParserMixin.looks_like_html


def _make_reader() -> Any:
    """The compiled reader, told feedparser's namespaces and which elements it has handlers for; None without
    the compiled core."""
    core = compiled_core()
    if core is None or getattr(core, "FEED_READER_VERSION", None) != _SHAPE:
        return None
    known = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
    names = dir(StrictFeedParser)
    handlers = [n[7:] for n in names if n.startswith("_start_")] + [n[5:] for n in names if n.startswith("_end_")]
    return core.FeedReader(known, handlers)


_READER = _make_reader()
_feed_date = getattr(compiled_core(), "feed_date", None)
# A bug in the compiled reader that panics surfaces as this (a BaseException, so named here): it then declines.
_PANIC = getattr(compiled_core(), "PanicException", None) or Exception


def answer(data: bytes, headers: Mapping[str, str]) -> FeedParserDict | str:
    """feedparser's answer, in the fields we read, where the compiled reader can give it; else why not.
    ``headers``: the lower-cased response headers feedparser is given (a Content-Location is the base of
    relative links)."""
    if _READER is None:
        return "the compiled core is not built"
    first = plainxml.opened(data, headers)
    if isinstance(first, str):
        return first
    body, bom, prolog, encoding = first
    if encoding.codec is not None:  # read as feedparser decodes it, declared UTF-8 as it then is
        converted = None if bom else plainxml.transcoded(body, encoding.codec, prolog.end)
        if converted is None:
            return f"not {encoding.codec} as declared (feedparser tries others)"
        body = converted
    location = headers.get("content-location", "")
    try:
        read = _READER.read(body, bool(location))
        if read == "not UTF-8" and encoding.codec is None and not bom:  # feedparser then tries other encodings
            encoding = plainxml.encoding_override(body, encoding, prolog.end)
            if isinstance(encoding, str):
                return encoding
            read = _READER.read(plainxml.transcoded(body, encoding.codec or "", prolog.end) or b"", bool(location))
    except _PANIC as exc:  # (a surprise in the compiled reader costs speed, never a story)
        return f"the compiled reader failed: {type(exc).__name__}: {exc}"
    if isinstance(read, str):
        return read
    form, title, link, (link_base, link_href), language, lang, written, raw = read
    if not raw:
        return "no entries (feedparser words the empty cases)"
    if link is not None and "&" in link and _ENTITY_LIKE.search(link):
        return "a feed link holding what looks like an entity"
    try:
        bases = _bases(location, written)
        atom = form == "atom10"
        feed = FeedParserDict(title=title, link=_resolved(link, bases[link_base], not link_href),
                              language=lang if language is None else language)
        answer = FeedParserDict(version=form, entries=[_entry(e, atom, bases) for e in raw], bozo=False, feed=feed)
    except Exception as exc:  # noqa: BLE001 (as above: the next reader answers)
        return f"the compiled reader's answer could not be read: {type(exc).__name__}: {exc}"
    if encoding.note:
        answer["notes"] = [encoding.note]
    return answer


def _bases(location: str, written: list[tuple[int, str]]) -> list[str]:
    """Each base links are resolved against: the document's location, then each xml:base the reader met,
    resolved against the one in effect where it was written, as feedparser resolves it."""
    bases = [location]
    for start, value in written:
        before = bases[start]
        bases.append((make_safe_absolute_uri(before, value) or before) if before else _urljoin(before, value))
    return bases


def compiled_pass(data: bytes) -> object:
    """The compiled reader's own pass over a UTF-8 document, nothing put in feedparser's keys (what
    bench/feed_parse_speed.py times as the reader alone); None without the compiled core."""
    return _READER.read(data) if _READER is not None else None


def _resolved(value: str | None, base: str, text: bool = True) -> str | None:
    """A link or id (as read, stripped) as feedparser finishes it: resolved against ``base`` (an empty one is
    not), then, where it was an element's text (pop()), repaired where it is UTF-8 read as Latin-1 (the reader
    leaves that to this step; an href, an attribute, is not repaired)."""
    if not value:
        return None
    done = resolved(value, base)
    return repaired(done) if text else done


def _kind(value: str, kind: str, atom: bool) -> str:
    """feedparser's type of a value: outside Atom, plain text that looks like markup is taken as HTML."""
    if not atom and kind == "text/plain" and ("&" in value or "</" in value) and _looks_like_html(value):
        return "text/html"
    return kind


def _entry(raw: tuple, atom: bool, bases: list[str]) -> dict[str, Any]:
    (title, title_type, summary, summary_detail, contents, guid, permalink, guidislink, link, how, published, updated,
     created, authors, (id_base, link_base)) = raw
    out: dict[str, Any] = {}
    if title is not None:
        out["title"] = title
        out["title_detail"] = {"type": _kind(title, title_type, atom)}
    if summary is not None:
        out["summary"] = summary
        if summary_detail is not None:  # (None: feedparser copied the content to a missing summary, without a type)
            kind, lang = summary_detail
            out["summary_detail"] = {"type": _kind(summary, kind, atom), "language": lang}
    if contents:
        out["content"] = [{"type": _kind(value, kind, atom), "language": lang, "value": value}
                          for value, kind, lang in contents]
    ident = _resolved(guid, bases[id_base] if permalink else "")
    out["id"] = ident
    if guidislink is not None:
        out["guidislink"] = guidislink
    if how == 3:
        out["link"] = ident
    elif how:
        link = _resolved(link, bases[link_base], how != 2)
        if how == 1 and link and "&" in link:  # (feedparser's repair of query strings in link text)
            link = _ENTITY_LIKE.sub(r"&\1", link.replace("&amp;", "&"))
        out["link"] = link
    out["published_at"] = _date(published) or _date(updated) or _date(created)
    listed = []
    for name, email, text in authors:
        if text is not None:
            if text:
                listed.append(feed_author(text))
        else:
            listed.append({key: value for key, value in (("name", name), ("email", email)) if value is not None})
    if listed:
        out["authors"] = listed
    return out


def _date(value: str | None) -> datetime | None:
    """feedparser's reading of a date, in whole seconds: the common forms compiled, the rest by feedparser."""
    if value is None:
        return None
    seconds = _feed_date(value) if _feed_date is not None else None
    if seconds is not None:
        return datetime.fromtimestamp(seconds, timezone.utc)
    return from_struct(_parse_date(value))
