"""The one loose-parser case the fast feed path reads: whitespace before the XML declaration.

feedparser puts its own UTF-8 declaration in front of a document whose declaration does not open it; its
strict parser then fails on the misplaced one, and its loose (sgmllib) parser reads the document. For a
well-formed document that parser gives the strict answer except where text or attributes are spelled
with references or CDATA it keeps or unescapes differently:

* text of elements it reads as content (titles, descriptions, content) is unescaped once, in a fixed
  order, so a literal ``&quot;``, ``&apos;`` or ``&#x2f;`` in the decoded text is unescaped again; that
  is harmless, as feeds.py's clean() unescapes those texts itself before anything reads them;
* text of other elements (links, ids, dates, authors, language) keeps ``&amp;``, ``&lt;``, ``&gt;`` as
  written, so it must hold none of ``& < >``, nor quotes where the document spells any quote as a
  reference (sgmllib keeps ``&quot;``, ``&#39;``, ``&#x22;`` and the like as written);
* attribute values keep raw line breaks and some references, so the ones read must be plain ASCII
  without those characters or whitespace;
* names follow the prefixes as written, so every prefix (and the default namespace) must mean one
  namespace throughout the document, and RSS 1.0 (rdf:about) is left out;
* it first rewrites the raw text a little (see ``_check_rewrites``), which matters inside CDATA only.

``misplaced`` finds the case; ``check_tree``, ``plain`` and ``attribute`` (used by the readers) enforce
the rules above.
The strict attempt is re-run with feedparser's own parser only to carry its exception as the bozo note.
"""

from __future__ import annotations

import io
import re
import xml.sax
from collections.abc import Mapping
from typing import Any

from feedparser.api import PREFERRED_XML_PARSERS, StrictFeedParser

from wirewatch.connectors.feeds.fast.values import Decline

_NEW_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
_MISPLACED = re.compile(rb"[ \t\r\n]+<\?xml[ \t\r\n][^>]*\?>")
_KEPT_AS_WRITTEN = frozenset("&<>\"'")
_ESCAPED = frozenset("&<>")
# The quote references sgmllib passes on as written (named, or the exact numbers feedparser keeps).
_QUOTE_REFERENCES = re.compile(rb"&(?:quot|apos|#3[49]|#[xX]2[27]);")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_DECLARATION_OPEN = re.compile(r"<!(?!DOCTYPE|--|\[)", re.IGNORECASE)  # the loose parser's own patterns
_SHORT_TAG = re.compile(r"<([^<>\s]+?)\s*/>")


def misplaced(data: bytes, headers: Mapping[str, str]) -> tuple[bytes, Exception, bool] | None:
    """For feedparser's converted bytes: the document without its two declarations, the strict parser's
    exception, and whether quotes are written as themselves throughout, when only a misplaced declaration
    sends it to the loose parser; else None."""
    if not data.startswith(_NEW_DECLARATION):
        return None
    found = _MISPLACED.match(data, len(_NEW_DECLARATION))
    if found is None:
        return None
    _check_rewrites(data.decode("utf-8", "replace"))
    return data[found.end():], _strict_failure(data, headers), _QUOTE_REFERENCES.search(data) is None


# Text that still holds a character reference after one unescape ("&amp;#x41", or "&#x41" without its ';'
# in CDATA): the loose parser strips markup and resolves such references in another order than clean()
# does ("&#x41</img>a" gives "К" there, "Aa" here), so those documents decline. (Named references, such
# as a literal "&quot;", come out the same: see the module notes.)
_REFERENCE_LIKE = re.compile(r"&amp;#|&#(?![0-9]+;|[xX][0-9a-fA-F]+;)")


def _check_rewrites(text: str) -> None:
    """The loose parser first rewrites the whole text (its _BaseHTMLProcessor.feed): '&#39;' and '&#34;'
    become quotes (inside attribute values too), '<!' not opening a DOCTYPE, comment or CDATA becomes
    '&lt;!', and '<name/>' becomes '<name />' or '<name></name>'. Outside CDATA sections that changes
    nothing a well-formed document means; inside them it changes the text, so those decline."""
    if "&#39;" in text or "&#34;" in text:
        raise Decline("quote references the loose parser rewrites")
    if _REFERENCE_LIKE.search(text):
        raise Decline("text that reads as a reference after unescaping, in a loose-parsed document")
    for section in _CDATA.finditer(text):
        if _DECLARATION_OPEN.search(section[1]) or _SHORT_TAG.search(section[1]):
            raise Decline("CDATA text the loose parser rewrites")


def _strict_failure(data: bytes, headers: Mapping[str, str]) -> Exception:
    """The exception feedparser's strict attempt ends with (its api.parse steps, run on its own classes)."""
    handler = StrictFeedParser(headers.get("content-location", ""), None, "utf-8")
    parser = xml.sax.make_parser(PREFERRED_XML_PARSERS)
    parser.setFeature(xml.sax.handler.feature_namespaces, 1)
    try:
        parser.setFeature(xml.sax.handler.feature_external_ges, 0)
    except xml.sax.SAXNotSupportedException:
        pass
    parser.setContentHandler(handler)
    parser.setErrorHandler(handler)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(data))
    try:
        parser.parse(source)
    except xml.sax.SAXException as exc:
        return handler.exc or exc
    raise Decline("a misplaced declaration the strict parser accepted")


def check_tree(root: Any, data: bytes) -> None:
    """Namespaces that mean one thing throughout, and no RSS 1.0. When the bytes hold "xmlns" no more often
    than the root declares namespaces, nothing below it declares any, and the walk is not needed."""
    if root.tag.startswith("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"):
        raise Decline("RSS 1.0 through the loose parser")
    if data.count(b"xmlns") == len(root.nsmap):  # every declaration holds "xmlns"; text may add more
        return
    bound: dict[str | None, str] = {}
    default = root.nsmap.get(None)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for prefix, uri in element.nsmap.items():
            if bound.setdefault(prefix, uri) != uri:
                raise Decline(f"prefix {prefix} bound to two namespaces")
        if element.nsmap.get(None) != default:
            raise Decline("a default namespace below the root")


def plain(value: str, quotes: bool) -> str:
    """A value the loose parser reads as written (links, ids, dates, authors): none of & < >, and no quotes
    unless ``quotes`` says the document writes every quote as itself."""
    if not (_ESCAPED if quotes else _KEPT_AS_WRITTEN).isdisjoint(value):
        raise Decline("a loose-parsed value with & < > or quotes")
    return value


def attribute(value: str) -> str:
    """An attribute value the loose parser reads alike: printable ASCII, no whitespace, no & < > or quotes."""
    if not value.isascii() or not value.isprintable() or " " in value or not _KEPT_AS_WRITTEN.isdisjoint(value):
        raise Decline("a loose-parsed attribute with references, quotes, spaces or non-ASCII")
    return value
