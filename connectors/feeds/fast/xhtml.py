"""Atom XHTML content (``type="xhtml"``), and RSS descriptions written as elements, as markup whose text
reads as feedparser's, for the fast feed path.

feedparser rebuilds XHTML content as markup (each element as ``<name attrs>...</name>``, text escaped, the
wrapping ``div`` removed), then sanitizes it, and feeds.py keeps only the text of that (html_to_text:
text, a line break at each block tag, no text from skipped tags). This module writes the same elements
and text without attributes, which reads as the same text once the fast path's markup checks
(connectors.fastvalues.plain_html) confirm the sanitizer would keep every tag. Anything outside the XHTML
namespace (SVG, MathML), processing instructions, xml:base or xml:lang inside, non-ASCII attribute
values (they take part in feedparser's Latin-1 repair of the whole markup) and content with no text at
all decline.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

from feedparser.api import StrictFeedParser
from feedparser.html import _BaseHTMLProcessor
from lxml import etree

from wirewatch.connectors.feeds.fast.values import Decline
from wirewatch.text import BLOCK_TAGS, SKIP_TAGS

XHTML = "{http://www.w3.org/1999/xhtml}"
_VOID = frozenset(_BaseHTMLProcessor.elements_no_end_tag)
_TAGS = re.compile("<[^>]*>")
_SVG = "{http://www.w3.org/2000/svg}"
_SVG_ROOT = f"{_SVG}svg"
# SVG element names html_to_text or the sanitizer would read as more than inline text holders.
_SVG_REFUSED = BLOCK_TAGS | SKIP_TAGS | {"title", "textarea", "xmp", "iframe", "noembed", "noframes", "plaintext",
                                        "applet", "br", "foreignobject"}


def markup(element: Any, unwrap: bool = True, namespace: str = XHTML) -> str:
    """The markup of an Atom text construct of type xhtml (its children, without a wrapping div where
    ``unwrap``: Atom 1.0), or of an RSS item's body (its children in ``namespace``: XHTML, or none for a
    plain ``body``), or Decline. Inline SVG is written as its text alone, which reads as feedparser's
    wherever the value is read as HTML: feeds.py reads every XHTML value so, copies to a summary included."""
    inner = _unwrapped(element) if unwrap else element
    parts = [escape(inner.text or "")]
    svg = _write(inner, parts, namespace)
    value = "".join(parts)
    if not _TAGS.sub("", value).strip():  # empty once rebuilt: feedparser's emptiness rules differ
        raise Decline("XHTML content without text")
    if svg and "<" not in value:  # feedparser's keeps the SVG tags: clean() must read both as markup
        raise Decline("XHTML content that is inline SVG alone")
    return value


def inline_markup(element: Any) -> str:
    """An RSS description written as elements rather than escaped markup, as feedparser reads it: its first
    element that is not a div turns the content into XHTML, which it then rebuilds like Atom's (text before
    that element stays as written). A leading div, whose end tag feedparser drops or keeps depending on
    what follows, and elements whose end tag runs a feedparser handler decline."""
    lead = element.text or ""
    first = element[0]
    if "<" in lead or ">" in lead or not isinstance(first.tag, str) or first.tag.lower() == "div":
        raise Decline("an RSS description whose markup feedparser reads unevenly")
    parts = [lead]
    _write(element, parts, namespace="")
    value = "".join(parts)
    if not _TAGS.sub("", value).strip():
        raise Decline("RSS description markup without text")
    return value


def _unwrapped(element: Any) -> Any:
    """feedparser drops a div that wraps the whole content; its line breaks do not change the text."""
    children = list(element)
    if (
        len(children) == 1 and children[0].tag == f"{XHTML}div" and not (element.text or "").strip()
        and not (children[0].tail or "").strip()
    ):
        _check(children[0])
        return children[0]
    return element


def _check(node: Any) -> None:
    for name, value in node.attrib.items():
        if name.rpartition("}")[2].lower() in ("base", "lang") or not value.isascii():
            raise Decline("xml:base, xml:lang or a non-ASCII attribute inside XHTML content")


def _write(node: Any, parts: list[str], namespace: str = XHTML) -> bool:
    """Each child as feedparser rebuilds it (elements of ``namespace``, whose end-tag handlers are named with
    feedparser's prefix for it); whether inline SVG was written as its text."""
    handler = "_end_xhtml_" if namespace == XHTML else "_end_"
    svg = False
    for child in node:
        tag = child.tag
        if tag is etree.Comment:  # the strict parser has no comment handler: gone
            parts.append(escape(child.tail or ""))
            continue
        if tag == _SVG_ROOT and namespace == XHTML:  # inline SVG: only its text is left once sanitized
            parts.append(escape(_svg_text(child)))
            parts.append(escape(child.tail or ""))
            svg = True
            continue
        if not isinstance(tag, str) or not tag.startswith(namespace) or (not namespace and tag[0] == "{"):
            raise Decline(f"{tag!r} inside markup feedparser rebuilds")
        _check(child)
        name = tag[len(namespace):].lower()
        if hasattr(StrictFeedParser, handler + name):  # its end tag runs a handler (xhtml:body ends content)
            raise Decline(f"{name} inside markup feedparser rebuilds")
        parts.append(f"<{name}>")
        if name in _VOID:
            if len(child) or (child.text or "").strip():
                raise Decline(f"void element {name} with content")
        else:
            parts.append(escape(child.text or ""))
            svg = _write(child, parts, namespace) or svg
            parts.append(f"</{name}>")
        parts.append(escape(child.tail or ""))
    return svg


def _svg_text(node: Any) -> str:
    """The text of an inline SVG subtree: feedparser keeps its data (the sanitizer drops or keeps the SVG
    tags, never their text, and none of the allowed names is a block or skipped tag for html_to_text)."""
    _check(node)
    pieces = [node.text or ""]
    for child in node:
        if child.tag is etree.Comment:
            pieces.append(child.tail or "")
            continue
        if not isinstance(child.tag, str) or not child.tag.startswith(_SVG):
            raise Decline(f"{child.tag!r} inside inline SVG")
        if child.tag[len(_SVG):].lower() in _SVG_REFUSED:
            raise Decline(f"svg:{child.tag[len(_SVG):]} inside inline SVG")
        pieces.append(_svg_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)
