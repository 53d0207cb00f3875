"""RSS 0.9x / 1.0 / 2.0, Atom 0.3 / 1.0 and JSON Feed bytes to Stories: the fast reader where it answers,
else feedparser on bytes only.

feedparser's bozo flag is sorted in three: a document cut short (connectors.truncated) keeps only its
whole entries and becomes a DeadLetter saying where it ends; any other feed with entries keeps them and
notes the problem (a wrong encoding declaration, an undefined entity, a loose-parser fallback); a bozo feed
without entries (an HTML page) becomes one DeadLetter. Bad single entries become their own DeadLetters.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import feedparser

from wirewatch.connectors.feeds.entries import entry_story
from wirewatch.connectors.feeds import compiled_reader, fastfeedparser_path

from wirewatch.connectors.feeds import jsonfeed

from wirewatch.connectors.parsing import prolog as xmlprolog
from wirewatch.connectors.parsing.results import ParseResult, ParsedItem, internal
from wirewatch.connectors.parsing.times import from_struct
from wirewatch.records import RAW_EXCERPT, Origin
from wirewatch.text import clean
from wirewatch.connectors.parsing.safexml import entity_risk
from wirewatch.connectors.parsing.truncated import find_cut, whole_characters
from wirewatch.connectors.feeds.urljoin import join

_FIRST_ELEMENT = re.compile(rb"<\w")  # where feedparser's head ends (sanitizer.replace_doctype)
_LONG_SPACE = re.compile(rb"\s{17,}")
_SMALL_HEAD = 4096  # bytes before the first element; feedparser reads a head this short quickly, however spaced
_HEAD_SPACE = (b" ", b"\t", b"\r", b"\n")
_MISPLACED_DECLARATION = re.compile(rb"\A(\xef\xbb\xbf)?[ \t\r\n]+(?=<\?xml[ \t\r\n])")
_WIDE_HEAD_SPACE = _SMALL_HEAD  # bytes of long whitespace runs in a UTF-16 or -32 head: read quickly still
_MAPPING = (dict, Mapping)  # (dict first: the answers are dicts, and the abstract check is slow)
# feedparser's version names to ours; the 0.9x family is one format for us.
_FORMATS = {
    "rss090": "rss09x", "rss091n": "rss09x", "rss091u": "rss09x", "rss092": "rss09x", "rss093": "rss09x",
    "rss094": "rss09x", "rss20": "rss20", "rss10": "rss10", "rss": "rss20",
    "atom01": "atom03", "atom02": "atom03", "atom03": "atom03", "atom10": "atom10", "atom": "atom10",
    "cdf": "cdf",
}


def parse_feed(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    fetched: datetime | None = None,
    *,
    origin: str | None = None,
    source: str | None = None,
    fast: bool = True,
) -> ParseResult:
    """Parse one feed document. Never raises on bad input: problems are in ``errors`` and ``notes``.

    ``fast`` (the default) lets the fast reader (connectors.feeds.fastfeedparser_path: fastfeedparser behind
    connectors.parsing.plainxml's check) answer the plain documents it takes, and gives the others to
    feedparser without its sanitizer; tests/connectors/feeds/test_fastfeedparser.py lists where the Stories
    differ from feedparser's on the shared corpus and why. ``fast=False`` is feedparser alone, as it was:
    sanitizing and resolving links in markup (the reference the fast reader is measured against)."""
    origin = origin or url or "<feed>"
    if jsonfeed.looks_like_json(body):
        return jsonfeed.parse_json_feed(body, url, fetched, origin=origin, source=source)
    result = ParseResult(format="unknown")
    risk = entity_risk(body)
    if risk:
        result.fail(origin, risk, body)
        return result
    data = tame_head(body)  # what the parsers read; dead letters keep ``body`` as it came
    if data is None:
        result.fail(origin, f"over {_WIDE_HEAD_SPACE} bytes of whitespace before the first element; refused", body)
        return result
    response_headers = {key.lower(): value for key, value in (headers or {}).items()}
    data = whole_characters(data, response_headers)
    if url and "content-location" not in response_headers:
        response_headers["content-location"] = url  # the base for relative links when no xml:base says more
    try:
        parsed = _read(data, response_headers, fast)
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        cut = find_cut(data, response_headers) if problem is not None else None
        entries = parsed.entries
        if cut is not None:  # the loose parser's last entry may be half an item: only whole ones are kept
            found = len(entries)
            if cut.closed is not None:  # the whole entries, read as the whole document would give them
                parsed = _read(cut.closed, {**response_headers, "content-type": "application/xml; charset=utf-8"},
                               fast)
                entries = parsed.entries
            else:
                entries = entries[:cut.keep(found)]
    except Exception as exc:  # noqa: BLE001 (feedparser promises not to raise; a bug there must not stop the run)
        result.fail(origin, internal("feedparser", exc), body)
        return result
    version = parsed.get("version") or ""
    result.format = _FORMATS.get(version, version or "unknown")
    if cut is not None:
        tail = body[-RAW_EXCERPT:].decode("utf-8", "backslashreplace")[-RAW_EXCERPT:]  # the end, where it was cut
        result.fail(origin, cut.reason(len(entries), found), tail)
        if not entries:
            return result
    elif not entries:
        if problem is not None:
            result.fail(origin, f"not a usable feed: {type(problem).__name__}: {problem}", body)
        elif not version:
            result.fail(origin, "not a feed: no RSS, RDF or Atom root element", body)
        else:
            result.fail(origin, f"{result.format} feed has no entries", body)
        return result
    if problem is not None and cut is None:
        result.notes.append(f"survivable: {type(problem).__name__}: {problem}")
    result.notes.extend(parsed.get("notes") or ())  # the fast reader's, as feedparser's bozo would say them
    feed = parsed.feed
    result.title = clean(feed.get("title"))
    result.link = _absolute(feed.get("link"), url)
    result.language = feed.get("language") or None
    base = result.link or url
    for number, entry in enumerate(entries, start=1):
        entry_origin = Origin(f"{origin}#{number}")  # what Origin.parse makes of text ending in #<number>
        try:
            item = _entry(entry, result, base, fetched, entry_origin, source or url)
        except Exception as exc:  # noqa: BLE001 (one odd entry must not lose the others)
            result.fail(entry_origin, internal(f"entry {number}", exc), repr(dict(entry)))
            continue
        if item is None:
            result.fail(entry_origin, f"entry {number} has no title, summary or content", repr(dict(entry)))
        else:
            result.add(item, no_date=f"entry {number}: no publication date")
    return result


def _read(data: bytes, headers: Mapping[str, str], fast: bool) -> Any:
    """feedparser's answer for ``data``: the fast reader's where it answers (``fast``), else feedparser's own.
    Behind the fast reader feedparser neither sanitizes markup nor resolves links in it: clean() keeps only
    the text, and those two steps were most of its time."""
    if fast:
        parsed = compiled_reader.answer(data, headers)
        if isinstance(parsed, str):
            parsed = fastfeedparser_path.answer(data, headers)
        if not isinstance(parsed, str):
            return parsed
    return feedparser.parse(io.BytesIO(data), response_headers=dict(headers), sanitize_html=not fast,
                            resolve_relative_uris=not fast)


def tame_head(body: bytes) -> bytes | None:
    """``body`` with the whitespace before its first element cut short where there is a lot of it, or None
    for a UTF-16 or UTF-32 document with too much of it. Whitespace before the XML declaration (a common
    server slip) goes: feedparser would not see the declaration there, would put its own before it, and
    its strict parser would then refuse the document for the misplaced one, leaving it to the loose parser
    (which reads namespaced elements by their prefix, not their namespace).

    feedparser's DOCTYPE step (``sanitizer.replace_doctype``) matches a
    line-anchored pattern over that head in time quadratic in its blank lines: a megabyte of newlines
    before the root would hold a worker for hours. Whitespace there means nothing (outside a literal, and
    a literal that long is refused by the entity check), so runs over 16 bytes keep their first 16."""
    if body[:1] in _HEAD_SPACE or body.startswith(b"\xef\xbb\xbf"):  # (a whitespace run is rare and short)
        body = _MISPLACED_DECLARATION.sub(rb"\1", body, count=1)
    first = _FIRST_ELEMENT.search(body)
    end = first.start() if first else len(body)
    if end <= _SMALL_HEAD:
        return body
    wide = xmlprolog.ascii_view(body)
    if wide is not body:  # UTF-16 or -32: feedparser reads it as UTF-8, so its head is measured there
        first = _FIRST_ELEMENT.search(wide)
        head = wide[:first.start() if first else len(wide)]
        return body if sum(len(run) for run in _LONG_SPACE.findall(head)) <= _WIDE_HEAD_SPACE else None
    return _LONG_SPACE.sub(lambda run: run[0][:16], body[:end]) + body[end:]


def _entry(
    entry: Any, result: ParseResult, base: str | None, fetched: datetime | None, origin: Origin, source: str | None,
) -> ParsedItem | None:
    title = clean(entry.get("title"), _is_html(entry.get("title_detail"))) or clean(entry.get("media_title"))
    contents = [c for c in entry.get("content") or () if isinstance(c, _MAPPING) and c.get("value")]
    raw_summary = (entry.get("summary"), _summary_is_html(entry, contents))
    cleaned_summary = clean(*raw_summary)
    summary = cleaned_summary or clean(entry.get("media_description"))
    longest = max(contents, key=lambda c: len(c["value"])) if contents else None
    body = None
    if longest:  # the summary is often a copy of the content: clean it once (as markup or not, text
        raw_body = (longest["value"], _is_html(longest))  # without a tag cleans alike)
        same = raw_body[0] == raw_summary[0] and (raw_body[1] == raw_summary[1] or "<" not in raw_body[0])
        body = cleaned_summary if same else clean(*raw_body)
    if not (title or summary or body):
        return None
    guid = entry.get("id") or None
    link = _absolute(entry.get("link"), base)
    if not link and guid and entry.get("guidislink"):
        link = _absolute(guid, base)
    # dict.get skips feedparser's deprecated updated->published key aliasing (and its warning).
    published = dict.get(entry, "published_at") or from_struct(  # (the fast reader's is a datetime)
        dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed") or dict.get(entry, "created_parsed")
    )
    language = None
    for detail in (entry.get("content") or [{}])[0], entry.get("summary_detail") or {}:
        language = language or (detail.get("language") if isinstance(detail, _MAPPING) else None)
    story = entry_story(result, guid=guid, scope=result.link or base, link=link, title=title, summary=summary,
                        body=body, authors=_authors(entry), language=language, published=published,
                        fetched=fetched, origin=origin, source=source)
    return ParsedItem(story, guid=guid)


def _summary_is_html(entry: Any, contents: list[Mapping[str, Any]]) -> bool:
    """Whether the summary is markup. feedparser copies content to a missing summary without its type, so a
    summary with no detail that equals a content value has that content's type: read as text, an HTML copy
    would keep tags clean_text does not spot (``<aside>``) as literal text in the Story."""
    detail = entry.get("summary_detail")
    if detail is not None:
        return _is_html(detail)
    summary = entry.get("summary")
    return any(c["value"] == summary and _is_html(c) for c in contents)


def _is_html(detail: object) -> bool:
    return detail is not None and isinstance(detail, _MAPPING) and "html" in str(detail.get("type", ""))


def _authors(entry: Any) -> tuple[str, ...]:
    names: list[str] = []
    for author in entry.get("authors") or ():
        name = author.get("name") if isinstance(author, _MAPPING) else None
        name = clean(name or (author.get("email") if isinstance(author, _MAPPING) else None))
        if name and name not in names:
            names.append(name)
    if not names and clean(entry.get("author")):
        names.append(clean(entry.get("author")) or "")
    return tuple(names)


def _absolute(link: object, base: str | None) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    try:
        return join(base, link)
    except ValueError:
        return link
