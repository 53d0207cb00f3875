"""The compiled reader: the plain RSS 2.0 / 0.9x and Atom 1.0 documents most feeds are, read in one compiled
pass (``wirewatch_native.FeedReader``, native/src/feedread.rs) that both checks the document is namespace
well-formed, as feedparser's strict parser requires, and reads its entries as that parser does, in the fields a
Story takes. Its answer is put in feedparser's keys here, as connectors.feeds.feedparser_path reads them.

It declines what it is not sure of (another encoding it cannot take as feedparser does, a DOCTYPE, xml:base or
xml:lang below the root, an element feedparser reads into a Story's fields in a way not modelled, anything not
well-formed) with the reason; the caller then asks the fastfeedparser path, then feedparser. Without the
compiled core it declines everything. Its Stories are compared with feedparser's over the shared corpus and
mutated copies of it in tests/connectors/feeds/test_compiled_reader.py.
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

from wirewatch.connectors.feeds.fastfeedparser_path import feed_author, resolved
from wirewatch.connectors.parsing import plainxml
from wirewatch.connectors.parsing import prolog as xmlprolog
from wirewatch.connectors.parsing.times import from_struct
from wirewatch.text import compiled_core

_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")  # what feedparser turns back into a query's "&name" in links
_looks_like_html = _FeedParserMixin.looks_like_html


def _make_reader() -> Any:
    """The compiled reader, told feedparser's namespaces and which elements it has handlers for; None without
    the compiled core."""
    core = compiled_core()
    if core is None or not hasattr(core, "FeedReader"):
        return None
    known = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
    names = dir(StrictFeedParser)
    handlers = [n[7:] for n in names if n.startswith("_start_")] + [n[5:] for n in names if n.startswith("_end_")]
    return core.FeedReader(known, handlers)


_READER = _make_reader()
_feed_date = getattr(compiled_core(), "feed_date", None)


def answer(data: bytes, headers: Mapping[str, str]) -> FeedParserDict | str:
    """feedparser's answer, in the fields we read, where the compiled reader can give it; else why not.
    ``headers``: the lower-cased response headers feedparser is given (a Content-Location is the base of
    relative links)."""
    if _READER is None:
        return "the compiled core is not built"
    if "content-language" in headers:
        return "Content-Language header (feedparser takes it as the language)"
    bom = data[:3] == b"\xef\xbb\xbf"
    body = data[3:] if bom else data
    prolog = xmlprolog.scan(body)
    if prolog.data is not body:
        return "UTF-16 or UTF-32"
    encoding = plainxml.encoding_of(body, prolog.end, headers)
    if isinstance(encoding, str):
        return encoding
    if encoding.codec is not None:  # read as feedparser decodes it, declared UTF-8 as it then is
        converted = None if bom else plainxml.transcoded(body, encoding.codec, prolog.end)
        if converted is None:
            return f"not {encoding.codec} as declared (feedparser tries others)"
        body = converted
    location = headers.get("content-location", "")
    read = _READER.read(body, bool(location))
    if read == "not UTF-8" and encoding.codec is None and not bom:  # feedparser then tries other encodings
        encoding = plainxml.encoding_override(body, encoding, prolog.end)
        if isinstance(encoding, str):
            return encoding
        read = _READER.read(plainxml.transcoded(body, encoding.codec or "", prolog.end) or b"", bool(location))
    if isinstance(read, str):
        return read
    form, title, link, link_base, language, lang, written, raw = read
    if not raw:
        return "no entries (feedparser words the empty cases)"
    if link is not None and "&" in link and _ENTITY_LIKE.search(link):
        return "a feed link holding what looks like an entity"
    bases = _bases(location, written)
    atom = form == "atom10"
    answer = FeedParserDict(version=form, entries=[_entry(e, atom, bases) for e in raw], bozo=False,
                            feed=FeedParserDict(title=title, link=resolved(link, bases[link_base]),
                                                language=lang if language is None else language))
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
    ident = resolved(guid, bases[id_base] if permalink else "") if guid is not None else None
    out["id"] = ident
    if guidislink is not None:
        out["guidislink"] = guidislink
    if how == 3:
        out["link"] = ident
    elif how:
        link = resolved(link, bases[link_base])
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
