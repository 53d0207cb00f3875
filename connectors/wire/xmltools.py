"""Namespace-blind helpers for the wire XML formats: agencies disagree on namespaces, never on local names."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from wirewatch.text import clean_text

# Elements that end a paragraph when flattening XHTML or NITF body markup to text.
_BLOCKS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hl1", "hl2", "block", "section",
    "blockquote", "pre", "table", "ul", "ol", "dl", "dt", "dd", "media-caption", "note", "bq", "title",
}
_SKIP = {"script", "style", "media-reference", "media-object", "media-metadata"}


def local(el: object) -> str:
    """Local name of an element ('' for comments, processing instructions and entities)."""
    tag = getattr(el, "tag", None)
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def children(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return
    for child in el:
        if local(child) == name:
            yield child


def child(el: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down ``path`` of local names, or None."""
    for name in path:
        el = next(children(el, name), None)
        if el is None:
            return None
    return el


def descendants(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return
    for node in el.iter():
        if local(node) == name:
            yield node


def attr(el: etree._Element | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    if value is None:  # namespaced attributes such as xml:lang
        for key, val in el.attrib.items():
            if key.rpartition("}")[2] == name:
                return val
    return value


def lang(el: etree._Element | None) -> str | None:
    return el.get("{http://www.w3.org/XML/1998/namespace}lang") if el is not None else None


def text(el: etree._Element | None) -> str | None:
    """Clean text of an element and its markup, one paragraph a line; None when empty."""
    if el is None:
        return None
    parts: list[str] = []
    _flatten(el, parts, top=True)
    return clean_text("".join(parts)) or None


def _flatten(el: etree._Element, parts: list[str], top: bool = False) -> None:
    name = local(el)
    if name in _SKIP:
        if el.tail and not top:
            parts.append(el.tail)
        return
    block = name in _BLOCKS
    if block:
        parts.append("\n")
    if isinstance(el.tag, str) and el.text:
        parts.append(el.text)
    for sub in el:
        if isinstance(sub.tag, str):
            _flatten(sub, parts)
        elif sub.tail:  # comments, PIs and unexpanded entity references keep only their tail
            parts.append(sub.tail)
    if block:
        parts.append("\n")
    if el.tail and not top:
        parts.append(el.tail)
