"""Which parser a document needs, by its content first and its file name as a hint."""

from __future__ import annotations

import re
from pathlib import PurePath

import orjson

from wirewatch.connectors.feeds import jsonfeed

from wirewatch.connectors.parsing import prolog as xmlprolog
from wirewatch.connectors.wire import ninjs

FEED_ROOTS = {"rss", "rdf", "feed", "channel"}
NEWSMLG2_ROOTS = {
    "newsItem", "packageItem", "newsMessage", "conceptItem", "knowledgeItem", "planningItem", "catalogItem",
}
_HTML_DOCTYPE = re.compile(rb"html(?:\s|$)", re.I)  # a DOCTYPE's name and external id, as xmlprolog gives them
_CONTENT = re.compile(rb"[^\xef\xbb\xbf \t\n\r\f\v]")  # the first byte that is neither whitespace nor a BOM's
FEED_SUFFIXES = {".rss", ".atom", ".rdf", ".xml", ".feed"}


def sniff(body: bytes, filename: str | None = None) -> str:
    """One of: feed, jsonfeed, ninjs, json, newsmlg2, newsml1, nitf, html, xml, anpa1312, iptc7901, wiretext.

    ``xml`` is XML with a root we do not know (it still goes to the feed parser, which may know it);
    ``json`` is JSON that is neither JSON Feed nor ninjs."""
    suffix = PurePath(filename).suffix.lower() if filename else ""
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    content = _CONTENT.search(body)  # past leading whitespace of any length
    start = body[content.start():content.start() + 4096] if content else b""
    if start.startswith(b"\x16") or (start.startswith(b"\x01") and suffix == ".tst"):
        return "anpa1312"
    if start.startswith(b"\x01") and b"\x02" in head:
        return "iptc7901"
    if start[:1] in (b"{", b"["):
        return _json_kind(body)
    if start.startswith(b"<") or suffix in FEED_SUFFIXES and b"<" in start[:200]:
        return _xml_kind(body)
    if start[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:4] in (b"\x00\x00\x00<", b"<\x00\x00\x00"):
        return "feed"  # UTF-16/32 XML: feedparser detects the encoding
    return "wiretext"


def _json_kind(body: bytes) -> str:
    try:
        data = orjson.loads(body.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return "json"
    if jsonfeed.is_json_feed(data):
        return "jsonfeed"
    if ninjs.looks_like_ninjs(data):
        return "ninjs"
    return "json"


def _xml_kind(body: bytes) -> str:
    """The kind named by the root element, found past a prolog of any length (connectors.xmlprolog)."""
    prolog = xmlprolog.scan(body)
    root = prolog.root or ""
    lowered = root.lower()
    if lowered in FEED_ROOTS:
        return "feed"
    if root in NEWSMLG2_ROOTS:
        return "newsmlg2"
    if lowered == "newsml":
        return "newsml1"
    if lowered == "nitf":
        return "nitf"
    if lowered in ("html", "head", "body") or _HTML_DOCTYPE.match(prolog.doctype or b""):
        return "html"  # HTML5 lets a page (a login or error page, often) leave out <html>
    return "xml"
