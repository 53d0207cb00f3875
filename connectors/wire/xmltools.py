"""Namespace-blind helpers for the wire XML formats: agencies disagree on namespaces, never on local names."""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from wirewatch.connectors.parsing.wraps import unwrap
from wirewatch.text import clean_text

# Elements that end a paragraph when flattening XHTML or NITF body markup to text.
_BLOCKS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hl1", "hl2", "block", "section",
    "blockquote", "pre", "table", "ul", "ol", "dl", "dt", "dd", "media-caption", "note", "bq", "title",
}
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
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
    """Clean text of an element and its markup, one paragraph a line; None when empty. A line break
    inside a paragraph (a newline in its text, or ``<br/>``) is a hard wrap when the lines around it
    reach the wrap width, and is then joined (connectors.parsing.wraps)."""
    if el is None:
        return None
    parts: list[str] = []
    _flatten(el, parts, top=True)
    return clean_text(unwrap("".join(parts), indents=False)) or None


def _flatten(el: etree._Element, parts: list[str], top: bool = False) -> None:
    name = local(el)
    if name in _SKIP:
        if el.tail and not top:
            parts.append(_spaces(el.tail))
        return
    block = name in _BLOCKS
    if block:  # a blank line: a paragraph ends here (a <br/> is one line break, maybe a wrap)
        parts.append("\n" if name == "br" else "\n\n")
        if name == "br":
            block = False
    if isinstance(el.tag, str) and el.text:
        parts.append(_spaces(el.text))
    for sub in el:
        if isinstance(sub.tag, str):
            _flatten(sub, parts)
        elif sub.tail:  # comments, PIs and unexpanded entity references keep only their tail
            parts.append(_spaces(sub.tail))
    if block:
        parts.append("\n" if name == "br" else "\n\n")
    if el.tail and not top:
        parts.append(_spaces(el.tail))


def _spaces(data: str) -> str:
    """Markup text as its words: a line break inside it is layout, like a space, unless the text holds a
    blank line (plain text put inside markup, whose paragraphs are blank-line separated)."""
    if "\n" not in data or _BLANK_LINE.search(data):
        return data
    return data.replace("\n", " ")
