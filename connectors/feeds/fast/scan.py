"""The bytes the fast feed path reads, and a look at them that tells, before any parsing, that it would decline.

feedparser converts every document to UTF-8 (BOM, HTTP charset, XML declaration, fallbacks) and strips
the DOCTYPE before its XML parser sees it. ``prepare`` calls those same feedparser steps, so the fast path
reads exactly the bytes feedparser's strict parser reads, in any encoding, and carries the bozo flag the
conversion raised (or, for a misplaced declaration, the bytes its loose parser reads: connectors.fastloose). A declined document is parsed again by feedparser, so a decline found only after lxml
has built the tree costs that parse for nothing: ``declines_at_sight`` finds the commonest (a root the
fast path does not read) from the root element's name, before parsing; a false alarm only sends a document to
feedparser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from wirewatch.connectors.feeds.fast import loose as fastloose

from wirewatch.connectors.parsing import prolog as xmlprolog
from wirewatch.connectors.feeds.fast.values import Decline

_ROOTS = ("rss", "feed", "RDF")


def prepare(body: bytes, headers: Mapping[str, str]) -> tuple[bytes, dict[str, Any]]:
    """feedparser's UTF-8 bytes for ``body`` and the bozo state the conversion left. Declines where
    feedparser would not use its strict parser (unknown encoding) or would read a DOCTYPE or a language header."""
    if "content-language" in headers:
        raise Decline("Content-Language header")
    state: dict[str, Any] = {}
    data = convert_to_utf8(dict(headers), body, state)
    if not state.get("encoding"):
        raise Decline("encoding unknown to feedparser")
    version, data, entities = replace_doctype(data)
    if version or entities:
        raise Decline("DOCTYPE")
    loose = fastloose.misplaced(data, headers)
    if loose is not None:  # feedparser's loose parser reads it: connectors.fastloose has the rules
        data, state["bozo_exception"], state["raw_quotes"] = loose
        state["bozo"] = state["loose"] = True
    return data, state


def declines_at_sight(body: bytes) -> str | None:
    """Why the fast path would surely decline ``body`` (a root other than rss, feed or rdf:RDF: HTML, CDF,
    an Atom entry alone), or None. The root is found past a prolog of any length (connectors.xmlprolog)."""
    root = xmlprolog.scan(body, strict=False).root
    if root not in _ROOTS:
        return f"root element {root}"
    return None
