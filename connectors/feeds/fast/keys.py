"""Element names as feedparser dispatches on them, and the refusals every fast-path reader shares.

feedparser files a namespaced element under its own prefix for a namespace it knows (``dc_creator``,
``media_description``) and under the document's prefix otherwise; a handler named after that key decides
where the value goes. The fast path reads only elements whose handlers it models: ``other`` refuses any
element (or anything inside it) for which feedparser has a handler, or whose key is one feeds.py reads.
"""

from __future__ import annotations

from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.mixin import _FeedParserMixin

from wirewatch.connectors.feeds.fast.values import Decline

NAMESPACES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_KEYS: dict[str, str] = {}  # element tag to feedparser's name, where the document's prefixes do not matter
# Keys of feedparser's answer that feeds.py reads: an unknown element must never land on one of them.
_READ = frozenset({
    "title", "title_detail", "summary", "summary_detail", "content", "id", "link", "guidislink", "author",
    "authors", "published", "published_parsed", "updated", "updated_parsed", "created", "created_parsed",
    "media_title", "media_description", "language",
})


def key(element: Any) -> str:
    """The name feedparser dispatches on: its own prefix for a namespace it knows, else the document's.
    Refuses xml:base and xml:lang (and plain base or lang attributes): the readers model only the root's."""
    tag = element.tag
    names = element.keys()
    if names:
        for name in names:
            local = name.rpartition("}")[2].lower()
            if local in ("base", "lang"):
                raise Decline("xml:base or xml:lang")
    known = _KEYS.get(tag)
    if known is not None:
        return known
    if not isinstance(tag, str):
        raise Decline("entity reference or other non-element node")
    name = _key_of(tag, element.prefix)
    if tag[0] != "{" or NAMESPACES.get(namespace(tag)) is not None:
        _KEYS[tag] = name  # a name that does not depend on the document's prefix
    return name


def namespace(tag: str) -> str:
    """The lowered namespace of a ``{uri}local`` tag, every UserLand RSS namespace as one."""
    lowered = tag[1:].partition("}")[0].lower()
    return "http://backend.userland.com/rss" if "backend.userland.com/rss" in lowered else lowered


def _key_of(tag: str, given: str | None) -> str:
    if tag[0] != "{":
        return tag.lower()
    uri, _, local = tag[1:].partition("}")
    prefix = NAMESPACES.get(namespace(tag))
    if prefix is None:
        prefix = given
        if not prefix:
            raise Decline(f"element in unknown default namespace {uri}")
    return f"{prefix}_{local.lower()}" if prefix else local.lower()


def leaf(element: Any) -> str:
    """The text of an element that must hold no elements."""
    if len(element):
        raise Decline(f"nested markup in {element.tag}")
    return element.text or ""


def other(element: Any, name: str) -> None:
    """An element we do not read: fine only if feedparser has no handler for it or anything inside it (it then
    files each one's text under its own name, which feeds.py never reads)."""
    if name in _READ or hasattr(StrictFeedParser, "_start_" + name) or hasattr(StrictFeedParser, "_end_" + name):
        raise Decline(f"element {name} may feed a field we read")
    for child in element:
        other(child, key(child))
