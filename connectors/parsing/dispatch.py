"""One entry point for saved or fetched bytes of any supported format: sniff, then the right parser."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import PurePath

import xxhash

from wirewatch.connectors.feeds.feedparser_path import parse_feed
from wirewatch.connectors.feeds.jsonfeed import parse_json_feed
from wirewatch.connectors.parsing.results import ParseResult, ParsedItem, internal
from wirewatch.connectors.parsing.sniff import sniff
from wirewatch.connectors.parsing.wraps import hard_wrapped, unwrap
from wirewatch.connectors.wire.anpa import parse_anpa
from wirewatch.connectors.wire.iptc7901 import parse_iptc7901
from wirewatch.connectors.wire.newsmlg2 import parse_newsmlg2
from wirewatch.connectors.wire.ninjs import parse_ninjs
from wirewatch.connectors.wire.nitf import parse_nitf
from wirewatch.records import DeadLetter, Story

MAX_BYTES = 64 * 1024 * 1024  # a larger document is refused rather than parsed into memory
_WIRE = {
    "ninjs": parse_ninjs, "newsmlg2": parse_newsmlg2, "nitf": parse_nitf,
    "anpa1312": parse_anpa, "iptc7901": parse_iptc7901,
}
# A feed's configured ``format`` (connectors.feedconfig) -> the parser it names; "auto" sniffs the body.
HINTS: dict[str, str | None] = {
    "auto": None, "rss": "feed", "atom": "feed", "rdf": "feed", "jsonfeed": "jsonfeed", "newsmlg2": "newsmlg2",
    "ninjs": "ninjs", "nitf": "nitf", "anpa1312": "anpa1312", "iptc7901": "iptc7901", "text": "wiretext",
}
_REFUSED = {
    "json": "JSON but neither JSON Feed nor ninjs",
    "newsml1": "NewsML 1.x is not supported (only NewsML-G2)",
    "html": "an HTML page, not a feed or wire document",
}


def parse_document(
    body: bytes,
    *,
    origin: str,
    filename: str | None = None,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    fetched: datetime | None = None,
    source: str | None = None,
    kind: str | None = None,
    hint: str = "auto",
) -> ParseResult:
    """Stories, dead letters and notes from one document. Never raises on bad input.

    ``kind`` forces a parser (a sniff kind); ``hint`` is a feed's configured format (``HINTS``): it picks
    the parser instead of sniffing, except that an HTML page (a login or error page) is still refused."""
    forced = kind is not None
    sniffed = kind or sniff(body, filename or url)
    wanted = HINTS.get(hint)
    kind = wanted if wanted and sniffed != "html" else sniffed
    result = ParseResult(format=kind)
    if len(body) > MAX_BYTES:
        result.fail(origin, f"document of {len(body)} bytes is over the {MAX_BYTES}-byte limit", body)
        return result
    if kind in _REFUSED:
        expected = f" (the feed is configured as {hint})" if wanted else ""
        result.fail(origin, _REFUSED[kind] + expected, body)
        return result
    if kind == "wiretext" and (wanted or forced):  # sniffed alone, HTTP bodies go to the feed parser (below)
        return parse_wire_text(body, origin=origin, source=source, fetched=fetched)
    try:
        if kind in _WIRE:
            return _WIRE[kind](body, fetched, origin=origin, source=source)
        if kind == "jsonfeed":
            return parse_json_feed(body, url, fetched, origin=origin, source=source)
        return parse_feed(body, url, headers, fetched, origin=origin, source=source)
    except Exception as exc:  # a parser bug must cost one document, never the run
        result.fail(origin, internal(f"the {kind} parser", exc), body)
        return result


def parse_wire_text(body: bytes, *, origin: str, source: str | None = None,
                    fetched: datetime | None = None) -> ParseResult:
    """A plain wire-text page (as in seeds/): the whole document is one story; its id hashes the raw bytes.
    Hard line wraps are joined (connectors.parsing.wraps); Normalize finds headline, dateline and credit."""
    result = ParseResult(format="wiretext")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.fail(origin, f"not UTF-8: {exc.reason} at byte {exc.start}", body, stage="decode")
        return result
    story = Story(id=xxhash.xxh3_64_hexdigest(body), body=unwrap(text) if hard_wrapped(text) else text, source=source, format="wiretext",
                  origin=origin, fetched=fetched)
    result.add(ParsedItem(story), no_date=f"{origin}: wire text carries no machine-readable publication time")
    return result


def read_document(data: bytes, path: str, kind: str | None = None) -> Iterator[Story | DeadLetter]:
    """A saved feed or wire file as the file reader's records: its stories, then its dead letters; a file
    that gives neither still gives one dead letter, so it never vanishes."""
    result = parse_document(data, origin=f"{path}:0", filename=path, source=PurePath(path).name, kind=kind)
    yield from result.stories
    yield from result.errors
    if not result.items and not result.errors:
        yield DeadLetter(f"{path}:0", "parse", f"{result.format} document holds no stories")
