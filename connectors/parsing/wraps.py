"""Hard line wraps undone: wire text broken every ~60-70 characters becomes one paragraph a line.

Agencies wrap lines for old terminals and mark paragraphs with a blank line or an indented first line;
a wrapped line is a line break inside a paragraph, so it is joined to the next with a space. Text
without such marks, or with lines too long or too short to be wrapped, keeps its lines.
"""

from __future__ import annotations

import re

_INDENT = re.compile(r"[ \t]+\S")
_PRE = re.compile(r"<pre\b", re.IGNORECASE)
_LINE_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")
MAX_WRAP = 100  # a text whose lines run longer than this is not hard-wrapped: each line is a paragraph
SLACK = 25  # a wrapped line ends within this many characters of the wrap width


def unwrap(text: str, *, indents: bool = True) -> str:
    """Paragraphs of ``text`` one a line (blank lines between them dropped). A paragraph ends at a blank line,
    before an indented line when the text marks paragraphs by indenting them, and after a line that stops
    short of the wrap width (a table row, a heading, the last line of a paragraph). ``indents=False`` for
    markup, whose indentation is only layout."""
    lines = _lines(text)
    by_indent = indents and _by_indent(lines)
    width = _width(lines, by_indent)
    paragraphs: list[list[str]] = []
    full = False  # the line before reached the wrap width, so the paragraph goes on
    for line in lines:
        words = line.strip()
        if not words:
            full = False
            continue
        if full and not (by_indent and _INDENT.match(line)):
            paragraphs[-1].append(words)
        else:
            paragraphs.append([words])
        full = width > 0 and len(words) >= width - SLACK
    return "\n".join(" ".join(p) for p in paragraphs)


def hard_wrapped(text: str) -> bool:
    """True when ``unwrap`` would join lines of ``text``."""
    lines = _lines(text)
    return _width(lines, _by_indent(lines)) > 0


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _by_indent(lines: list[str]) -> bool:
    """Both indented and flush lines: the indented ones start paragraphs."""
    indented = sum(1 for line in lines if _INDENT.match(line))
    return indented > 0 and any(line.strip() and not _INDENT.match(line) for line in lines)


def _width(lines: list[str], by_indent: bool) -> int:
    """The wrap width; 0 without paragraph marks (blank lines, indents): then each line is a paragraph."""
    blanks = any(not line.strip() for line in lines[1:-1])
    return wrap_width(lines) if blanks or by_indent else 0


def wrap_width(lines: list[str]) -> int:
    """The width the text was wrapped at (three lines in four are no longer), or 0 when it reads as not
    wrapped: lines longer than MAX_WRAP, or shorter than 40 (a table, a list)."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if not lengths:
        return 0
    width = lengths[(len(lengths) * 3) // 4]
    return width if 40 <= width <= MAX_WRAP else 0


def markup_spaces(markup: str) -> str:
    """HTML with its raw line breaks as spaces, which is what they are in HTML: the paragraphs are the
    block tags. Markup with ``<pre>`` is left as it is."""
    if "\n" not in markup or _PRE.search(markup):
        return markup
    return _LINE_BREAK.sub(" ", markup)
