"""Whether a feed document is plain XML the fast reader may take: in the encoding feedparser reads it in at
the first try (transcoded to UTF-8 here, as feedparser does), namespace well-formed, no DOCTYPE,
a root naming a format we know (an xml:base or xml:lang below it is marked for the fast reader).

Anything else goes to feedparser, which has the rules for it (encoding fallbacks, its loose parser, entity
declarations, truncated documents). The check is one expat pass without a tree,
so it costs a fraction of a parse. It runs after the safety checks (connectors.parsing.safexml): it decides
which parser reads a document, never whether one may.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Mapping
from dataclasses import dataclass

from feedparser import encodings as feedparser_encodings
from feedparser.mixin import _FeedParserMixin

from wirewatch.connectors.parsing import bytefind
from wirewatch.connectors.parsing import prolog as xmlprolog

RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
_UTF8 = frozenset({"utf-8", "utf8"})
_ASCII = frozenset({"us-ascii", "ascii"})  # feedparser falls back to others on bytes past ASCII
_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_DECLARATION = re.compile(r"<\?xml[^>]*\?>")  # only at the very start, as feedparser replaces it
_APPLICATION = ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity")
_TEXT = ("text/xml", "text/xml-external-parsed-entity")
_XML_LANG = "http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "http://www.w3.org/XML/1998/namespace}base"
_RSS_09X = {"0.91", "0.92", "0.93", "0.94"}
# feedparser reads an element of a namespace it knows (matching the address in any case) by that
# namespace's usual prefix, and one of another by the prefix written: content:encoded bound to a near miss
# of the content module's address is content to it, and nothing to fastfeedparser, which goes by the exact
# address. The fast reader is given the usual addresses instead (_usual_addresses).
_MODULES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_USUAL = {  # the modules with fields a Story takes, at the addresses fastfeedparser reads them by
    "content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/", "media": "http://search.yahoo.com/mrss/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
}
# feedparser reads every element of a namespace at an address holding this (any case) as one of no namespace.
_USERLAND = re.compile(rb"(?i)backend\.userland\.com/rss")
_XMLNS = re.compile(rb"""(xmlns(?::([\w.-]+))?\s*=\s*)("[^"]*"|'[^']*')""")


@dataclass(frozen=True, slots=True)
class Plain:
    """A document the fast reader may take: its format (our name for feedparser's version), the root's
    xml:lang (the language of every entry) and the note feedparser's encoding step would leave (a
    Content-Type that is not XML's), if any."""

    format: str
    lang: str | None = None
    note: str | None = None
    rdf: bool = False  # an RDF root (RSS 1.0 or 0.90), whose item ids are rdf:about attributes
    data: bytes | None = None  # the document transcoded to UTF-8, where it came in another encoding
    base: str | None = None  # the root's xml:base
    # An xml:base below the root: the fast reader does not scope bases, so it answers only where no link or
    # id it resolves is relative (connectors.feeds.fastfeedparser_path).
    scoped_base: bool = False
    # How many xml:lang attributes are below the root: the fast reader answers only where they are on the
    # entries' own tags (connectors.feeds.fastfeedparser_path).
    scoped_langs: int = 0


def opened(data: bytes, headers: Mapping[str, str]) -> tuple[bytes, bool, xmlprolog.Prolog, _Encoding] | str:
    """The first steps of both fast readers: the document less its UTF-8 byte-order mark, whether it had one,
    its prolog and feedparser's choice of encoding; else why feedparser must read it (no Content-Language
    header, which feedparser takes as the language; no UTF-16 or UTF-32; an encoding it takes at once).
    ``headers`` are the lower-cased response headers feedparser would be given."""
    if "content-language" in headers:
        return "Content-Language header (feedparser takes it as the language)"
    bom = data[:3] == b"\xef\xbb\xbf"
    body = data[3:] if bom else data
    prolog = xmlprolog.scan(body)
    if prolog.data is not body:
        return "UTF-16 or UTF-32"
    encoding = encoding_of(body, prolog.end, headers)
    if isinstance(encoding, str):
        return encoding
    return body, bom, prolog, encoding


def check(data: bytes, headers: Mapping[str, str]) -> Plain | str:
    """``Plain`` for a document the fast reader may take; else why feedparser must read it (for reports).
    ``headers`` are the lower-cased response headers feedparser would be given."""
    first = opened(data, headers)
    if isinstance(first, str):
        return first
    body, bom, prolog, encoding = first
    parsed: tuple[str, dict[str, str], dict[str, str]] | str | None = None  # _root(body), where already read
    if encoding.codec is not None:  # read as feedparser decodes it, declared UTF-8 as it then is
        if bom:
            return "a UTF-8 byte-order mark on a document in another encoding"
        converted = transcoded(body, encoding.codec, prolog.end)
        if converted is None:  # (feedparser tries others)
            encoding = encoding_override(body, encoding, prolog.end)
            if isinstance(encoding, str):
                return encoding
            converted = transcoded(body, encoding.codec or "", prolog.end)
        body = converted or b""
        prolog = xmlprolog.scan(body)
    elif not bom and not body.isascii():
        # expat refuses bytes that are not UTF-8 here (tests/connectors/parsing/test_plainxml.py checks it):
        # a document it reads needs no decoding to tell, and its reading is kept for below.
        parsed = _root(body)
        if isinstance(parsed, str) and not _decodes(body, "utf-8"):
            parsed = None
            encoding = encoding_override(body, encoding, prolog.end)
            if isinstance(encoding, str):
                return encoding
            body = transcoded(body, encoding.codec or "", prolog.end) or b""
            prolog = xmlprolog.scan(body)
    if prolog.root is None:
        return "no root element after the prolog"
    if prolog.doctype is not None or prolog.entities:
        return "DOCTYPE"
    root = _root(body) if parsed is None else parsed
    if isinstance(root, str):
        return root
    name, attributes, namespaces = root
    root_end = body.find(b">", prolog.end)
    scoped, langs = False, 0
    if bytefind.contains(body, b"xml:"):  # (one scan where neither is, as in most feeds; it stops at the first)
        at = bytefind.find(body, b"xml:base")
        scoped = at >= 0 and (at > root_end or body.find(b"xml:base", at + 8) >= 0)
        langs = body.count(b"xml:lang") - (body.find(b"xml:lang", prolog.end, root_end) >= 0)
    found = _format(name, attributes, namespaces)
    if not found:
        return f"root {name} {attributes.get('version', '')}".rstrip()
    # RSS 0.90's items in its own namespace, which fastfeedparser does not look in: given RSS 1.0's, which
    # feedparser reads alike (the format stays the one feedparser names).
    default = RSS10 if found == "rss09x" and name == f"{RDF}}}RDF" else None
    if name != "rss" and name.endswith("}rss"):  # in UserLand's namespace: given none, as feedparser reads it
        if len(_USERLAND.findall(body)) != 1:
            return "UserLand's RSS namespace declared more than once"
        default = ""
    renamed = _usual_addresses(body, prolog.end, root_end, namespaces, default)
    if isinstance(renamed, str):
        return renamed
    lang = attributes.get(_XML_LANG)
    return Plain(found, lang.replace("_", "-") if lang else None, encoding.note, name == f"{RDF}}}RDF",
                 renamed or (body if encoding.codec is not None else None), attributes.get(_XML_BASE), scoped,
                 langs)


def _usual_addresses(body: bytes, start: int, end: int, namespaces: Mapping[str, str],
                     default: str | None = None) -> bytes | str | None:
    """``body`` with the root's declarations of the modules whose elements give a Story's fields bound to
    the addresses fastfeedparser knows them by, where feedparser reads them as those modules but by another
    address (one differing in case or a final slash, which it matches, or an address it does not know
    under the module's usual prefix, which it reads by the prefix), and the default namespace bound to
    ``default`` if given; None where none is; why not, where the root tag (``start`` to ``end``) is not read
    alike here and by expat."""
    changed = {b"": default.encode()} if default is not None else {}
    for prefix, uri in namespaces.items():
        module = _MODULES.get(uri.lower(), prefix)
        if prefix and module in _USUAL and uri != _USUAL[module]:
            changed[prefix.encode()] = _USUAL[module].encode()
    if not changed:
        return None
    done: set[bytes] = set()

    def usual(declared: re.Match[bytes]) -> bytes:
        prefix = declared[2] or b""
        if prefix not in changed:
            return declared[0]
        done.add(prefix)
        quote = declared[3][:1]
        return declared[1] + quote + changed[prefix] + quote

    tag = _XMLNS.sub(usual, body[start:end])
    if done != set(changed):
        return "a root tag whose namespace declarations are not found as expat reads them"
    return body[:start] + tag + body[end:]


def transcoded(body: bytes, codec: str, root: int) -> bytes | None:
    """``body`` decoded from ``codec`` and encoded in UTF-8, its XML declaration saying so (or None when it
    does not decode): the bytes feedparser's encoding step gives its parser."""
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    declared = _DECLARATION.match(text, 0, root)  # (the prolog is ASCII in any encoding we transcode)
    if declared:
        text = "<?xml version='1.0' encoding='utf-8'?>" + text[declared.end():]
    return text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Encoding:
    note: str | None
    codec: str | None  # what to decode from, when not UTF-8 already (or the declaration names another)
    chosen: str = "utf-8"  # feedparser's first choice
    declared: str = ""  # the XML declaration's


def encoding_of(body: bytes, root: int, headers: Mapping[str, str]) -> _Encoding | str:
    """feedparser's choice of encoding (RFC 3023 as its encoding step reads it) where it is the one it
    uses, that is where the document decodes in it; else why not. Keeps the note it would leave on a
    non-XML media type."""
    declared = _DECLARED.match(body, 0, root)
    xml_encoding = declared[1].decode("ascii", "replace").lower() if declared else ""
    media, _, parameters = headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    charset = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", parameters, re.I)
    http_encoding = charset[1].lower() if charset else ""
    acceptable = media in _APPLICATION or media.startswith("application/") and media.endswith("+xml")
    if acceptable:
        chosen = http_encoding or xml_encoding or "utf-8"
    elif media in _TEXT or media.startswith("text/"):
        acceptable = media in _TEXT or media.endswith("+xml")
        chosen = http_encoding or "us-ascii"
    elif headers and "content-type" not in headers:
        chosen = xml_encoding or "iso-8859-1"
    else:
        chosen = xml_encoding or "utf-8"
    chosen = "gb18030" if chosen == "gb2312" else chosen  # (as feedparser widens it)
    note = None
    if headers and not acceptable:
        shown = headers.get("content-type")
        note = f"survivable: NonXMLContentType: {shown} is not an XML media type" if "content-type" in headers \
            else "survivable: NonXMLContentType: no Content-type specified"
    plain = chosen in _UTF8 and xml_encoding in _UTF8 | {""}
    declared = "gb18030" if xml_encoding == "gb2312" else xml_encoding  # (feedparser widens both)
    return _Encoding(note, None if plain else chosen, chosen, declared)


def encoding_override(body: bytes, first: _Encoding, root: int) -> _Encoding | str:
    """feedparser's encoding where the one it chose first does not decode ``body``: the first of the
    declared one, UTF-8, Windows-1252 and ISO-8859-2 that does (and is not the first), with the note it
    then leaves instead of any other; else why not. (It would try a chardet guess before UTF-8: none may
    be installed.)"""
    if feedparser_encodings.chardet is not None:
        return f"not {first.chosen}, and feedparser would ask chardet"
    tried = {first.chosen}
    for codec in (first.declared, "utf-8", "windows-1252", "iso-8859-2"):
        if codec and codec not in tried:
            tried.add(codec)
            if _decodes(body, codec):
                override = f"document declared as {first.chosen}, but parsed as {codec}"
                return _Encoding(f"survivable: CharacterEncodingOverride: {override}", codec, codec, first.declared)
    return f"not {first.chosen} nor any encoding feedparser tries next"


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _root(body: bytes) -> tuple[str, dict[str, str], dict[str, str]] | str:
    """The root's namespaced name and attributes and the namespaces declared on it, from one namespace-aware
    expat pass over the whole document; or why it is not well-formed."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    found: list = []
    namespaces: dict[str, str] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        found.append((name, attributes))
        parser.StartElementHandler = parser.StartNamespaceDeclHandler = None

    def declare(prefix: str | None, uri: str | None) -> None:
        namespaces[prefix or ""] = uri or ""  # (None for xmlns="", which undeclares the default)

    parser.StartElementHandler = start
    parser.StartNamespaceDeclHandler = declare
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as exc:
        return f"not well-formed: {xml.parsers.expat.errors.messages[exc.code]}"
    name, attributes = found[0]
    return name, attributes, namespaces


def _format(name: str, attributes: Mapping[str, str], namespaces: Mapping[str, str]) -> str | None:
    """Our name for feedparser's version of a document with this root, or None for roots left to it."""
    hint = _hint(namespaces)
    if name == "rss" or _userland(name, namespaces):
        if hint in ("rss09x", "rss10"):  # feedparser keeps a version the namespaces gave an rss root
            return None
        return "rss09x" if attributes.get("version", "") in _RSS_09X else "rss20"
    if name == f"{RDF}}}RDF":
        return hint if hint in ("rss09x", "rss10") else None
    if name == f"{ATOM10}}}feed" and hint == "atom10":
        return "atom10"
    return None


def _userland(name: str, namespaces: Mapping[str, str]) -> bool:
    """Whether ``name`` is an rss root in UserLand's RSS namespace, the default one."""
    return name.endswith("}rss") and name[:-4] == namespaces.get("") and _USERLAND.search(name.encode()) is not None


def _hint(namespaces: Mapping[str, str]) -> str | None:
    """The version feedparser reads from the root's namespace declarations, in their order."""
    for prefix, uri in namespaces.items():
        lowered = uri.lower()
        if prefix == "" and lowered == RSS090:
            return "rss09x"
        if lowered == RSS10:
            return "rss10"
        if lowered == ATOM10.lower():
            return "atom10"
    return None
