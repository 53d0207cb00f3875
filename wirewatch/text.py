"""Text cleaning that parsers and transforms share: HTML to plain text (``html_to_text``: block tags become
line breaks, skipped tags such as scripts and navigation lose their text) and ``clean_text`` (plain, NFC, one
paragraph a line, stray escapes repaired).

The reference reader is the standard library's HTMLParser. Most feed markup is a plain run of simple tags,
text and entities, and for that shape a single regular-expression pass gives exactly the parser's answer
several times faster; anything else (a stray ``<``, an unquoted attribute, a raw-text element such as
``<script>``, a declaration) goes to HTMLParser, so the answer never depends on which reader ran.

The compiled core (``wirewatch_native``, native/src/markup.rs) has the same simple reader and ``clean_text``:
it gives exactly the Python answer or declines, and the Python code (the reference, ``python_simple_text``
and ``python_clean_text``) answers what it declines. ``WIREWATCH_NATIVE=0`` turns it off.
"""

from __future__ import annotations

import html
import html.entities
import os
import re
import unicodedata
from html import unescape
from html.parser import HTMLParser
from typing import Any

BLOCK_TAGS = frozenset({
    "p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "figure", "section",
})
SKIP_TAGS = frozenset({"script", "style", "noscript", "nav", "footer", "aside", "form", "button"})
# Elements whose content HTMLParser reads as raw or escapable raw text, in some Python version (3.14 added
# several): the simple reader takes them only holding plain text (no markup, no reference) up to their
# plain end tag, which every version reads alike.
_RAW_TEXT = frozenset({
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title", "plaintext",
})
_SPACE = "[ \t\n\r\f]"
# A start or end tag with quoted attribute values and no markup inside them, or a comment with no markup or
# double hyphen inside: shapes every HTMLParser version reads alike. Names are ASCII only. (The repeats are
# possessive: what follows each never starts with what it repeats, so giving some back never led to a match,
# and the engine no longer tries.)
_TOKEN = re.compile(
    rf"<(?:(/?)([A-Za-z][A-Za-z0-9]*+)((?:{_SPACE}++[A-Za-z_:][-A-Za-z0-9_.:]*+"
    rf"(?:{_SPACE}*+={_SPACE}*+(?:\"[^\"<>]*+\"|'[^'<>]*+'))?)*+){_SPACE}*+(/?)>|!--(?:[^<>-]++|-(?!-))*+-->)"
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIP_TAGS:
            self._skip += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def parser_text(text: str) -> str:
    """The reference answer: HTMLParser's reading of ``text``."""
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def python_simple_text(text: str) -> str | None:
    """HTMLParser's answer for markup of the simple shape, or None when ``text`` has any other shape."""
    if "<" not in text:
        return unescape(text) if "&" in text else text
    # split() gives the text between tokens and each token's groups: closing slash, name, attributes, the
    # self-closing slash (all None for a comment).
    pieces = _TOKEN.split(text)
    datas = pieces[0::5]
    if "<" in "".join(datas):
        return None
    parts: list[str] = []
    skip = 0
    raw = ""  # the raw-text element whose end tag comes next
    for index in range(1, len(pieces), 5):
        data = datas[index // 5]
        if raw:  # its text, then its plain end tag: no markup, no reference, read alike by every version
            if "&" in data or pieces[index] != "/" or (pieces[index + 1] or "").lower() != raw:
                return None
            if pieces[index + 2] or pieces[index + 3]:
                return None
            if data and not skip:
                parts.append(data)
            if raw in SKIP_TAGS:
                skip = max(0, skip - 1)
            raw = ""
            continue
        if data and not skip:
            parts.append(unescape(data) if "&" in data else data)
        name = pieces[index + 1]
        if name is None:  # a comment
            continue
        name = name.lower()
        closing, empty = pieces[index], pieces[index + 3]
        if closing:
            if empty or pieces[index + 2]:
                return None  # an end tag with attributes or a slash: HTMLParser's tolerant branch
            if name in SKIP_TAGS:
                skip = max(0, skip - 1)
            elif name in BLOCK_TAGS:
                parts.append("\n")
        elif name in _RAW_TEXT:
            if empty:  # HTMLParser versions differ on a self-closed raw-text element
                return None
            raw = name
            if name in SKIP_TAGS:
                skip += 1
        elif name in SKIP_TAGS:
            if not empty:  # HTMLParser reads <tag/> as a start tag followed by an end tag
                skip += 1
        elif name in BLOCK_TAGS:
            parts.append("\n\n" if empty else "\n")
    data = datas[-1]
    if data and not skip:
        parts.append(unescape(data) if "&" in data else data)
    return "".join(parts)


def _load_compiled() -> object:
    """The compiled core when it is built with the text reader, its tables are this Python's and it is not
    turned off (``WIREWATCH_NATIVE=0``); else None."""
    if os.environ.get("WIREWATCH_NATIVE", "1") == "0":
        return None
    try:
        import wirewatch_native  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:  # pragma: no cover - exercised where the core was not built
        return None
    if (getattr(wirewatch_native, "ENTITY_COUNT", None) != len(html.entities.html5)
            or getattr(wirewatch_native, "UNICODE_VERSION", None) != unicodedata.unidata_version):
        return None  # a build older than the reader, or tables from another Python
    return wirewatch_native


_compiled: Any = _load_compiled()


def compiled_core() -> Any:
    """The compiled core as this module uses it (None where missing, stale or turned off), for the other
    readers of the base and connector layers that have compiled pieces in it."""
    return _compiled


def simple_text(text: str) -> str | None:
    """HTMLParser's answer for markup of the simple shape, or None when ``text`` has any other shape."""
    if _compiled is not None:
        done = _compiled.simple_text(text)
        if done is not None:
            return done
    return python_simple_text(text)


def html_to_text(text: str) -> str:
    """Text of an HTML fragment: entities decoded, a line break for each block tag, skipped tags dropped."""
    simple = simple_text(text)
    return parser_text(text) if simple is None else simple


_STRAY_ESCAPE = re.compile(r"\\(?=[’‘'\"“”`])")
LOOKS_HTML = re.compile(
    r"<(p|br|div|span|a|li|ul|ol|h[1-6]|em|strong|b|i|img|figure|table|blockquote)\b[^>]*>", re.IGNORECASE
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")  # squeezed to one space
# _SPACES less the plain space, one by one: in text past ASCII, a search for each character is cheaper than one
# pass of a character class.
_ODD_SPACES = ("\t", "\u00a0", *map(chr, range(0x2000, 0x200C)), "\u202f", "\u205f", "\u3000")
_SPACE_RUNS = re.compile(r"  +")


def clean_text(text: str) -> str:
    """Plain, NFC, one paragraph a line: HTML removed, entities decoded, stray escapes (``\\’``) repaired."""
    if _compiled is not None:
        done = _compiled.clean_text(text)
        if done is not None:
            return done
    return python_clean_text(text)


def python_clean_text(text: str) -> str:
    """clean_text in Python (the reference)."""
    if "<" in text and LOOKS_HTML.search(text):
        text = html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if "\\" in text:
        text = _STRAY_ESCAPE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _plain_spaces(text)
    # Each line stripped, empty lines dropped, then each run of spaces made one: the same as squeezing the runs
    # first (a run at either end of a line goes either way, and a stripped line has no run across a break),
    # with the indentation markup leaves already gone.
    if "\n" not in text:  # one line (most titles and short summaries)
        text = text.strip()
    else:
        text = "\n".join([line for line in map(str.strip, text.split("\n")) if line])
    return _SPACE_RUNS.sub(" ", text) if "  " in text else text


def _plain_spaces(text: str) -> str:
    """Each of _ODD_SPACES as a plain space (ASCII text has one of them only: the tab)."""
    if text.isascii():
        return text.replace("\t", " ") if "\t" in text else text
    for odd in _ODD_SPACES:
        if odd in text:
            text = text.replace(odd, " ")
    return text


def clean(value: object, html: bool = False) -> str | None:
    """Clean text (HTML removed, NFC, one paragraph a line), or None when nothing is left. ``html`` says the
    value is known to be markup, so even tags clean_text would not spot (``<sup>``) are removed."""
    if not isinstance(value, str) or not value.strip():
        return None
    if _compiled is not None:
        done = _compiled.clean_text(value, html)
        if done is not None:
            return done or None
    if html and "<" in value:
        value = html_to_text(value)
    return clean_text(value) or None
