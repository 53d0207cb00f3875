"""Where an XML document's prolog ends: the root element's name and offset, and the DOCTYPE's entities.

The prolog (XML declaration, comments, processing instructions, whitespace, DOCTYPE) may be any length, so
the safety check (connectors.safexml) and the sniffer (connectors.sniff) both read it to its end here rather
than a fixed-size head, which padding would push a DOCTYPE or the root past. Only the prolog is read, token
by token (a quoted literal kept whole, so a ``>`` or ``]`` inside one ends nothing), in time linear in its
length: runs of harmless tokens are consumed by one regular-expression match, and each construct left
open ends the scan (no parser reads past it either). Nothing after the root's ``<`` is read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_LITERALS = rb"(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+"  # a declaration's body, quoted literals kept whole
_PE_REFERENCE = rb"%[^;\s<>\]%\"']*+;"
_NOT_ENTITY = rb"(?![Ee][Nn][Tt][Ii][Tt][Yy](?![A-Za-z]))"
# Runs of whitespace, comments and processing instructions (the XML declaration is one), in one match.
_MISC = re.compile(rb"(?:[ \t\r\n\f\v]++|<!--.*?-->|<\?.*?\?>)*+", re.S)
# Runs of an internal subset's tokens other than entity declarations, in one match; junk a parser would
# refuse (text, a "<" or "%" starting nothing) is taken too, but not a comment, PI or declaration left open.
_SUBSET_RUN = re.compile(
    rb"(?:[ \t\r\n]++|<!--.*?-->|<\?.*?\?>|" + _PE_REFERENCE + rb"|<!" + _NOT_ENTITY + rb"[A-Za-z]++" + _LITERALS
    + rb">|[^<\]%\s]++|<(?![!?])|<!(?!--|[A-Za-z])|%(?!" + _PE_REFERENCE[1:] + rb"))*+",
    re.S,
)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_DOCTYPE_HEAD = re.compile(rb"(?:[^\[>\"']++|\"[^\"]*+\"|'[^']*+')*+")  # name and external id, up to "[" or ">"
_ENTITY = re.compile(rb"<![Ee][Nn][Tt][Ii][Tt][Yy](?![A-Za-z])")
_ROOT = re.compile(rb"<(?:[\w.-]+:)?([\w.-]+)")
_START_TAG = re.compile(rb"<[A-Za-z_:\x80-\xff]")
# Where a lenient scan goes on after junk: the next start tag, comment, PI, DOCTYPE or entity declaration.
_RESUME = re.compile(rb"<(?:[A-Za-z_:\x80-\xff?]|!--|![Dd][Oo][Cc][Tt][Yy][Pp][Ee]|![Ee][Nn][Tt][Ii][Tt][Yy])")
_DECLARATION_STOP = re.compile(rb"[>\"']")
_SUBSET_MARKUP = re.compile(rb"<!(?:--|[A-Za-z])|<\?|\]|" + _PE_REFERENCE)  # where a subset's next token may start
_CLOSE = re.compile(rb"[ \t\r\n]*+>")
# UTF-16/32 documents, by BOM or by the first "<" spelt in the encoding; read after transcoding.
_WIDE = (
    (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF32_LE, "utf-32"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"), (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF16_LE, "utf-16"),
    (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)


@dataclass(frozen=True, slots=True)
class Prolog:
    """What comes before the root element.

    ``root`` is the root element's local name, or None when no start tag was found (or, in a strict scan,
    when something a prolog may not hold, such as text, came first). ``end`` is where the scan stopped: the
    root's ``<``, or the end of the data. ``doctype`` is the first DOCTYPE's name and external id as
    written. ``entities`` holds what every entity declaration met says after ``<!ENTITY`` (up to its
    ``>``). ``data`` is what was read: the document, or its UTF-8 transcoding when it is UTF-16 or -32."""

    root: str | None
    end: int
    doctype: bytes | None
    entities: tuple[bytes, ...]
    data: bytes


def ascii_view(body: bytes) -> bytes:
    """``body`` in an ASCII-compatible encoding: a UTF-16 or UTF-32 document transcoded to UTF-8
    (undecodable bytes replaced), any other returned as it is."""
    for mark, codec in _WIDE:
        if body.startswith(mark):
            return body.decode(codec, "replace").encode("utf-8")
    return body


def scan(body: bytes, *, strict: bool = True) -> Prolog:
    """The prolog of ``body``, read to its end however long it is.

    ``strict`` stops at anything a prolog may not hold (text, an end tag) and reports no root. Otherwise the
    scan steps over it and goes on to the first start tag, so that a DOCTYPE or an entity declaration
    behind such junk is still seen: a safety check must read at least what a lenient parser would."""
    data = ascii_view(body)
    pos = 3 if data.startswith(codecs.BOM_UTF8) else 0
    doctype: bytes | None = None
    entities: list[bytes] = []
    size = len(data)
    while pos < size:
        pos = _MISC.match(data, pos).end()  # type: ignore[union-attr] (it matches the empty string)
        if pos >= size or data.startswith((b"<!--", b"<?"), pos):  # the end, or a comment or PI never closed
            break
        if _DOCTYPE.match(data, pos):
            head = _DOCTYPE_HEAD.match(data, pos + 9)
            assert head is not None  # (it matches the empty string)
            doctype = data[pos + 9:head.end()].strip() if doctype is None else doctype
            pos = head.end()
            if data.startswith(b"[", pos):
                pos = _subset(data, pos + 1, entities)
                close = _CLOSE.match(data, pos)
                pos = close.end() if close else pos
                continue
            if data.startswith(b">", pos):
                pos += 1
                continue
        elif _START_TAG.match(data, pos):
            root = _ROOT.match(data, pos)
            name = root[1].decode("ascii", "replace") if root else None
            return Prolog(name, pos, doctype, tuple(entities), data)
        if strict:  # something a prolog may not hold
            return Prolog(None, pos, doctype, tuple(entities), data)
        if _ENTITY.match(data, pos):  # an entity declaration outside any DOCTYPE
            pos = _entity(data, pos, entities)
            continue
        following = _RESUME.search(data, pos + 1)  # junk (text, an end tag, another "<!"): on past it
        pos = following.start() if following else size
    return Prolog(None, size, doctype, tuple(entities), data)


def _subset(data: bytes, pos: int, entities: list[bytes]) -> int:
    """Reads an internal subset from ``pos`` (after its ``[``): the offset after its ``]``, or the end of the
    data when it never closes (a literal, comment or declaration left open hides the rest from any parser)."""
    size = len(data)
    while True:
        pos = _SUBSET_RUN.match(data, pos).end()  # type: ignore[union-attr] (it matches the empty string)
        if pos >= size:
            return size
        if data.startswith(b"]", pos):
            return pos + 1
        if _ENTITY.match(data, pos):
            pos = _entity(data, pos, entities)
        elif data.startswith((b"<!--", b"<?"), pos) or data.startswith(b"<!", pos) and data[pos + 2:pos + 3].isalpha():
            return size  # a comment, PI or declaration never closed (the run takes the closed ones)
        else:  # junk a parser would refuse: on to the next markup
            following = _SUBSET_MARKUP.search(data, pos + 1)
            if following is None:
                return size
            pos = following.start()


def _entity(data: bytes, pos: int, entities: list[bytes]) -> int:
    """Reads the entity declaration opening at ``pos`` into ``entities``: the offset after its ``>``, or the
    end of the data when it never closes."""
    start = pos + 8  # after "<!ENTITY"
    while True:
        stop = _DECLARATION_STOP.search(data, pos)
        if stop is None:
            return len(data)
        if stop[0] == b">":
            entities.append(data[start:stop.start()])
            return stop.end()
        close = data.find(stop[0], stop.end())
        if close < 0:
            return len(data)
        pos = close + 1
