"""One entry point for saved or fetched bytes of any supported format: sniff, then the right parser."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath
from typing import Iterator, Mapping

from connectors.feeds import parse_feed
from connectors.jsonfeed import parse_json_feed
from connectors.parsed import ParseResult
from connectors.sniff import sniff
from connectors.wire.anpa import parse_anpa
from connectors.wire.iptc7901 import parse_iptc7901
from connectors.wire.newsmlg2 import parse_newsmlg2
from connectors.wire.nitf import parse_nitf
from connectors.wire.ninjs import parse_ninjs
from transforms.records import DeadLetter, Story

MAX_BYTES = 64 * 1024 * 1024  # a larger document is refused rather than parsed into memory
_WIRE = {
    "ninjs": parse_ninjs, "newsmlg2": parse_newsmlg2, "nitf": parse_nitf,
    "anpa1312": parse_anpa, "iptc7901": parse_iptc7901,
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
) -> ParseResult:
    """Stories, dead letters and notes from one document. Never raises on bad input."""
    kind = kind or sniff(body, filename or url)
    result = ParseResult(format=kind)
    if len(body) > MAX_BYTES:
        result.fail(origin, f"document of {len(body)} bytes is over the {MAX_BYTES}-byte limit", body)
        return result
    if kind in _REFUSED:
        result.fail(origin, _REFUSED[kind], body)
        return result
    try:
        if kind in _WIRE:
            return _WIRE[kind](body, fetched, origin=origin, source=source)
        if kind == "jsonfeed":
            return parse_json_feed(body, url, fetched, origin=origin, source=source)
        return parse_feed(body, url, headers, fetched, origin=origin, source=source)
    except Exception as exc:  # a parser bug must cost one document, never the run
        result.fail(origin, f"{kind} parser failed: {type(exc).__name__}: {exc}", body)
        return result


def read_document(data: bytes, path: str, kind: str | None = None) -> Iterator[Story | DeadLetter]:
    """A saved feed or wire file as the file reader's records: its stories, then its dead letters; a file
    that gives neither still gives one dead letter, so it never vanishes."""
    result = parse_document(data, origin=f"{path}:0", filename=path, source=PurePath(path).name, kind=kind)
    yield from result.stories
    yield from result.errors
    if not result.items and not result.errors:
        yield DeadLetter(f"{path}:0", "parse", f"{result.format} document holds no stories")
