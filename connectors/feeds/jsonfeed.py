"""JSON Feed 1.0 / 1.1 bytes to Stories (feedparser does not read JSON Feed). Spec: https://jsonfeed.org/version/1.1"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urljoin


from wirewatch.connectors.feeds.entries import entry_story
from wirewatch.connectors.parsing.opening import json_or_fail

from wirewatch.connectors.parsing.results import ParseResult, ParsedItem

from wirewatch.text import clean
from wirewatch.records import RecordError, Story, parse_time

VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def is_json_feed(data: object) -> bool:
    """True for a JSON Feed object (its ``version`` is a jsonfeed.org URL, http or https)."""
    return isinstance(data, dict) and VERSION_PREFIX.split("//")[1] in str(data.get("version", ""))


def parse_json_feed(
    body: bytes, url: str | None, fetched: datetime | None, *, origin: str, source: str | None = None,
) -> ParseResult:
    result = ParseResult(format="jsonfeed")
    data = json_or_fail(result, body, origin)
    if result.errors:
        return result
    if not is_json_feed(data):
        result.fail(origin, "JSON but not a JSON Feed (no jsonfeed.org version)", body)
        return result
    items = data.get("items")
    if not isinstance(items, list):
        result.fail(origin, "JSON Feed has no items list", body)
        return result
    if not items:
        result.fail(origin, "jsonfeed feed has no entries", body)
        return result
    result.title = clean(data.get("title"))
    home = data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else None
    base = home or (data.get("feed_url") if isinstance(data.get("feed_url"), str) else None) or url
    result.link = home
    result.language = data.get("language") if isinstance(data.get("language"), str) else None
    feed_authors = _authors(data)
    for number, item in enumerate(items, start=1):
        item_origin = f"{origin}#{number}"
        if not isinstance(item, dict):
            result.fail(item_origin, f"item {number} is not an object", repr(item))
            continue
        try:
            story = _story(item, result, base, fetched, item_origin, source or url, feed_authors)
        except (RecordError, TypeError, ValueError) as exc:
            result.fail(item_origin, f"item {number}: {exc}", repr(item))
            continue
        if story is None:
            result.fail(item_origin, f"item {number} has no title, summary or content", repr(item))
            continue
        result.add(ParsedItem(story, guid=_text(item.get("id"))), no_date=f"item {number}: no publication date")
    return result


def _story(
    item: dict[str, Any], result: ParseResult, base: str | None, fetched: datetime | None, origin: str,
    source: str | None, feed_authors: tuple[str, ...],
) -> Story | None:
    title = clean(item.get("title"))
    summary = clean(item.get("summary"))
    body = clean(item.get("content_html")) or clean(item.get("content_text"))
    if not (title or summary or body):
        return None
    link = _text(item.get("url")) or _text(item.get("external_url"))
    if link and base:
        link = urljoin(base, link)
    try:
        published = parse_time(_text(item.get("date_published")) or _text(item.get("date_modified")))
    except RecordError:
        published = None  # a date without a zone or not RFC 3339: noted by the caller as missing
    return entry_story(result, guid=_text(item.get("id")), scope=base, link=link, title=title, summary=summary,
                       body=body, authors=_authors(item) or feed_authors, language=_text(item.get("language")),
                       published=published, fetched=fetched, origin=origin, source=source)


def _text(value: object) -> str | None:
    """A JSON scalar as text (ids are sometimes numbers in the wild); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        return str(value).strip() or None
    return None


def _authors(obj: dict[str, Any]) -> tuple[str, ...]:
    found = obj.get("authors")
    if not isinstance(found, list):
        found = [obj.get("author")] if isinstance(obj.get("author"), dict) else []
    names = (clean(a.get("name")) for a in found if isinstance(a, dict))
    return tuple(dict.fromkeys(n for n in names if n))
