"""The base feedparser resolves each entry's link and id against in a document read without a location
whose xml:base attributes are all relative and all on text elements (a summary, content, title...).

feedparser sets its base at each start tag and puts the enclosing element's back at the end tag only
when that one is not empty; and once its base is a relative reference, a relative xml:base no longer
changes it (the join is not an absolute URI, so the old base stays). So the first such xml:base, though
written on a text element, is the base of everything after its start tag: links and ids before it are
read as written, links and ids after it are joined to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BASE = re.compile(rb"""\sxml:base\s*=\s*(["'])(.*?)\1""", re.S)
_SCHEME = re.compile(rb"\s*[A-Za-z][A-Za-z0-9+.-]*:")
_ENTRY = {False: re.compile(rb"<item[\s>].*?</item\s*>", re.S), True: re.compile(rb"<entry[\s>].*?</entry\s*>", re.S)}
_RESOLVED = {False: re.compile(rb"<(?:link|guid)[\s/>]"), True: re.compile(rb"<(?:id|link)[\s/>]")}


def entry_bases(data: bytes, atom: bool, first: int) -> list[str] | None:
    """Per entry (RSS items or Atom entries from ``first``), the base of its link and id: "" or the first
    xml:base's value. None where the document is not of that shape: an xml:base that is absolute or holds
    a character reference or a tab or line break (the first one any reference), one before the first entry,
    a link or id outside the entries, or an entry with links or ids on both sides of the first xml:base."""
    found = [match for match in _BASE.finditer(data) if match[2]]  # (an empty one changes nothing)
    if not found or found[0].start() < first or b"&" in found[0][2] or any(
            _SCHEME.match(match[2]) or b"&#" in match[2] or any(c in match[2] for c in b"\t\r\n") for match in found):
        return None  # (a character reference could write a scheme's colon; the first one is read as written)
    leak, base = found[0].start(), found[0][2].decode("utf-8")
    bases: list[str] = []
    end = first
    for span in _spans(data, atom, first):
        if _RESOLVED[atom].search(data, end, span.start()):  # (feed-level links and ids among the entries)
            return None
        end = span.end()
        if end <= leak:
            bases.append("")
        elif span.start() >= leak:
            bases.append(base)
        else:
            sides = {found.start() > leak for found in _RESOLVED[atom].finditer(data, span.start(), end)}
            if len(sides) > 1:
                return None
            bases.append(base if sides == {True} else "")
    if _RESOLVED[atom].search(data, end):  # (feed-level links and ids come before the entries)
        return None
    return bases


def _spans(data: bytes, atom: bool, first: int) -> Iterator[re.Match[bytes]]:
    spans = list(_ENTRY[atom].finditer(data, first))
    opener = b"<entry" if atom else b"<item"
    if any(opener in span[0][1:] for span in spans):  # (one nested in another: not found one by one)
        return iter(())
    return iter(spans)
