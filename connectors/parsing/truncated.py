"""Whether a feed that is not well-formed was cut short, and how many of its entries were complete.

feedparser reads a document its strict parser refuses with its loose parser, which makes an entry of
whatever part of an item a cut left, so a truncated download would give a story made of half an item. Here
the bytes feedparser's strict parser read (its UTF-8 conversion and DOCTYPE step) go through expat, the
XML parser it uses: a document that is well-formed as far as it goes but ends inside its root element is
cut, as is one refused earlier that does not end with its root's end tag. Entries are counted only up to
where expat stopped, so the count holds only entries known to be whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from wirewatch.connectors.parsing import prolog as xmlprolog

ENTRIES = frozenset({"item", "entry"})  # RSS and RDF items, Atom entries, in any namespace
_TRAILING = frozenset(b" \t\r\n\x00")  # may follow the root's end tag, as may comments and PIs (NULs: server padding)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)")
_ENTRY_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(?:item|entry)(?:[\s/>]|\Z)")
_NAME = re.compile(rb"[^\s/>]+")
_TAG_STOP = re.compile(rb"[>\"']")
_END_TAG = re.compile(rb"</(?:[\w.-]+:)?([\w.-]+)[ \t\r\n]*>\Z")


@dataclass(frozen=True, slots=True)
class Cut:
    """A document that ends before its root element is closed.

    ``line`` and ``column`` (1-based) are where expat stopped and ``problem`` what it said there; ``at_end``
    tells whether that is the end of the data (a document well-formed as far as it goes) or an earlier
    fault. ``complete`` counts the entries closed before that point, in document order. Past an earlier
    fault expat's count stops there, so the document's last entry tags tell instead: ``open_at_end`` counts
    the lenient parser's last entries that the cut left open (none when the cut falls outside every entry). ``closed`` is, for a document well-formed as
    far as it goes, the document up to the end of its last whole entry with the elements open there closed:
    in UTF-8, well-formed, it reads as the whole document would up to there."""

    root: str
    line: int
    column: int
    problem: str
    at_end: bool
    complete: int
    open_at_end: int = 0
    closed: bytes | None = None

    def keep(self, found: int) -> int:
        """How many of the ``found`` entries the lenient parser gave (in document order) are whole."""
        if self.at_end:
            return min(self.complete, found)
        return max(0, found - self.open_at_end)

    def reason(self, kept: int, found: int) -> str:
        """The dead letter's reason, for ``kept`` entries kept of the ``found`` the lenient parser gave."""
        fault = f"line {self.line}, column {self.column}: {self.problem}"
        if self.at_end:
            return (f"truncated: the document ends before its <{self.root}> element is closed (not well-formed at "
                    f"{fault}); kept the {kept} whole entries of {found}")
        return (f"truncated: the document ends before its <{self.root}> element is closed, and is not well-formed "
                f"earlier (at {fault}); kept the {kept} whole entries of {found}")


def whole_characters(body: bytes, headers: Mapping[str, str]) -> bytes:
    """``body`` without the incomplete character a cut may leave at its end (in the HTTP charset, else the
    declared encoding, else UTF-8): decoding would fail there, and feedparser would then fall back to
    another encoding and read every entry of the document as mojibake. A whole document ends with ``>``
    (and whitespace), so it is returned as it is, unread."""
    if body.rstrip().endswith(b">") or not body:
        return body
    http = _CHARSET.search(headers.get("content-type", ""))
    declared = None if http else _DECLARED.match(body)
    name = http[1] if http else declared[1].decode("ascii") if declared else "utf-8"
    start = len(body) - 1  # from the last byte below "@", which no multibyte encoding uses inside a character
    while start > max(0, len(body) - 4096) and body[start] >= 0x40:
        start -= 1
    for drop in range(4):
        try:
            body[start:len(body) - drop].decode(name)
        except UnicodeDecodeError:
            continue
        except LookupError:
            return body
        return body[:len(body) - drop]
    return body


def find_cut(body: bytes, headers: Mapping[str, str]) -> Cut | None:
    """The cut in ``body`` (read with the lower-cased HTTP ``headers``), or None when it is whole."""
    state: dict[str, object] = {}
    converted = convert_to_utf8(dict(headers), body, state)
    if not state.get("encoding"):
        converted = xmlprolog.ascii_view(body)  # feedparser could not name it; read it as it is
    _, data, _ = replace_doctype(converted)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    walk = _Walk(parser, data)
    parser.StartElementHandler, parser.EndElementHandler = walk.start, walk.end
    at_end = False  # expat raises on a fault as soon as it has read it, and on an end too early only when told
    try:
        parser.Parse(data, False)
        at_end = True
        parser.Parse(b"", True)
        return None
    except expat.ExpatError as exc:
        line, column, problem = exc.lineno, exc.offset + 1, expat.ErrorString(exc.code)
    root = walk.root or xmlprolog.scan(data, strict=False).root
    if root is None or walk.closed:
        return None  # no element at all (not a feed), or the fault is after the root's end
    if at_end:
        closed = None
        if walk.whole is not None and state.get("encoding"):  # the DOCTYPE step changed the head only
            end, names = walk.whole
            closed = converted[:end - (len(data) - len(converted))] + b"".join(b"</%s>" % n for n in reversed(names))
        return Cut(root, line, column, problem, True, walk.complete, closed=closed)
    if _ends_with_end_tag(data, root):
        return None  # a fault inside a document that is whole
    return Cut(root, line, column, problem, False, walk.complete, _entries_cut(data))


@dataclass(slots=True)
class _Walk:
    """expat's element events, followed: the root's name, whether it was closed, the whole top-level entries
    counted, and where the last one ends with the names of the elements open there."""

    parser: Any
    data: bytes
    root: str | None = None
    names: list[bytes] = field(default_factory=list)  # of the open elements, as written
    open_entries: int = 0
    complete: int = 0
    whole: tuple[int, tuple[bytes, ...]] | None = None
    closed: bool = False

    def start(self, name: str, _attributes: object) -> None:
        local = name.rpartition("}")[2]
        if self.root is None:
            self.root = local
        written = _NAME.match(self.data, self.parser.CurrentByteIndex + 1)
        self.names.append(written[0] if written else local.encode())
        self.open_entries += local in ENTRIES and (self.open_entries > 0 or len(self.names) <= 3)

    def end(self, name: str) -> None:
        self.names.pop()
        self.closed = not self.names
        if self.open_entries and name.rpartition("}")[2] in ENTRIES:
            self.open_entries -= 1
            if not self.open_entries:
                self.complete += 1
                end = _tag_end(self.data, self.parser.CurrentByteIndex + 1)
                self.whole = (end + 1, tuple(self.names)) if end > 0 else self.whole


def _ends_with_end_tag(data: bytes, root: str) -> bool:
    """Whether ``data`` ends with the root's end tag, then only whitespace, NULs, comments or PIs."""
    end = len(data)
    while True:
        while end and data[end - 1] in _TRAILING:
            end -= 1
        if data.endswith(b"-->", 0, end):
            end = data.rfind(b"<!--", 0, end - 3)
        elif data.endswith(b"?>", 0, end):
            end = data.rfind(b"<?", 0, end - 2)
        else:
            break
        if end < 0:
            return False
    tag = _END_TAG.search(data, max(0, end - 1024), end)
    return tag is not None and tag[1].decode("ascii", "replace") == root


def _entries_cut(data: bytes) -> int:
    """How many of the lenient parser's last entries the cut left open: none when the last entry tag in
    ``data`` (read backwards from the end) is an end tag; else the entry it opens, and each empty
    ``<item/>`` after it (an entry of its own for feedparser). A start tag the cut left unfinished opens
    nothing."""
    end, empty = len(data), 0
    while end > 0:
        at = max(data.rfind(b"item", 0, end), data.rfind(b"entry", 0, end))
        if at < 0:
            return 0
        tag = _ENTRY_TAG.match(data, max(data.rfind(b"<", max(0, at - 64), at), 0))
        end = at
        if tag is None or tag.end() < at + 4:  # the word in text, or in another tag's name
            continue
        if tag[1]:
            return 0
        close = _tag_end(data, tag.end() - 1)
        if close > 0:
            if data[close - 1:close] != b"/":
                return 1 + empty
            empty += 1
    return 0


def _tag_end(data: bytes, pos: int) -> int:
    """The offset of the ``>`` ending the tag whose attributes start at ``pos`` (quoted values may hold one),
    or -1 when the data ends first."""
    while True:
        stop = _TAG_STOP.search(data, pos)
        if stop is None:
            return -1
        if stop[0] == b">":
            return stop.start()
        close = data.find(stop[0], stop.end())
        if close < 0:
            return -1
        pos = close + 1
