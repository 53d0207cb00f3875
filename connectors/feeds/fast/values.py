"""Element text as feedparser would hand it back, for the fast feed path, or a refusal when it could differ.

feedparser post-processes every value (strip, a UTF-8-read-as-Latin-1 repair, Windows-1252 code points,
relative URIs, HTML sanitizing). The cheap steps are reproduced here; the HTML sanitizer is not, so
markup is accepted only in a plain shape where sanitizing cannot change the text our ``clean`` keeps.
"""

from __future__ import annotations

import html
import re
from html.entities import name2codepoint

from feedparser.html import _BaseHTMLProcessor, _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.sanitizer import _HTMLSanitizer, _sanitize_html
from feedparser.sgml import sgmllib
from feedparser.urls import resolve_relative_uris

from wirewatch.connectors.feeds.urljoin import feedparser_join
from wirewatch.text import SKIP_TAGS


class Decline(Exception):
    """The fast path cannot promise feedparser's answer for this document; the caller falls back."""


looks_like_html = _FeedParserMixin.looks_like_html
join_url = feedparser_join

# Tags feedparser's sanitizer keeps with their text, and our html_to_text reads like feedparser's output:
# every acceptable element but the form controls (their text is not prose) and our skipped tags.
_PLAIN_TAGS = frozenset(_HTMLSanitizer.acceptable_elements) - SKIP_TAGS - {
    "input", "textarea", "select", "option", "optgroup", "datalist", "keygen", "output", "command", "event-source",
}
# The sanitizer drops end tags of void elements; html_to_text reads ``</br>`` (alone of them) as a line break.
_DROPPED_BREAKS = frozenset(_BaseHTMLProcessor.elements_no_end_tag) & {"br"}
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_][\w.:-]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))?)*)\s*(/?)>"
)
# A comment both the sanitizer (which keeps it) and html_to_text (which drops it) read alike: no markup or
# double hyphen inside, where the two HTML parsers could disagree on where it ends.
_COMMENT = re.compile(r"<!--(?:[^<>-]|-(?!-))*-->")
_BARE = re.compile(r"&(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)")
# A script or style element with plain text inside (no markup, no reference): the sanitizer drops it whole
# and html_to_text skips its text, so both read the text around it alike. Not self-closing: the sanitizer
# would then drop everything after it. An empty iframe (an embedded video) is dropped by both as well.
_DROPPED_ELEMENT = re.compile(
    r"<(script|style)(?=[ \t\n\r\f>])[^<>]*(?<!/)>[^<&]*</\1[ \t\n\r\f]*>"
    r"|<iframe(?=[ \t\n\r\f>])[^<>]*(?<!/)></iframe[ \t\n\r\f]*>",
    re.IGNORECASE,
)
_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|([A-Za-z][A-Za-z0-9]*));")
_CP1252 = re.compile("[\x80-\x9f]")
_ENTITY_NAMES = frozenset(name2codepoint) | {"apos"}


def text(value: str | None) -> str:
    """A plain value after feedparser's per-value steps (no markup handling)."""
    value = (value or "").strip()
    if not value.isascii():
        try:  # feedparser may "repair" UTF-8 read as Latin-1, depending on the element: leave those to it
            value.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        else:
            raise Decline("text that reads as UTF-8 mis-decoded as Latin-1")
        if _CP1252.search(value):
            value = value.translate(_cp1252)
    return value


def plain_html(value: str) -> str:
    """``value`` unchanged when it is markup feedparser's sanitizer would leave textually alike; else Decline."""
    if "<" in value or ">" in value:
        markup = _COMMENT.sub("", value) if "<!--" in value else value
        if "<s" in markup or "<S" in markup or "<i" in markup or "<I" in markup:
            markup = _DROPPED_ELEMENT.sub("", markup)
            # The sanitized value must keep a tag: clean() reads a value with none as text (one unescape
            # fewer), and an empty one is another story (an empty title lets a later one in).
            if "<" not in _DROPPED_ELEMENT.sub("", value) or not markup.strip():
                raise Decline("markup the sanitizer leaves without a tag")
        pieces = _TAG.split(markup)  # text, then each tag's four groups and the text after it
        for closing, name in set(zip(pieces[1::5], pieces[2::5])):
            lowered = name.lower()
            if lowered not in _PLAIN_TAGS or (closing and lowered in _DROPPED_BREAKS):
                raise Decline(f"markup <{closing}{name}> needs feedparser's sanitizer")
        outside = "".join(pieces[0::5])
        if "<" in outside or ">" in outside:
            raise Decline("markup that is not a plain tag")
    else:
        outside = value
    if "&" in outside:
        for ref in _REF.finditer(outside):
            if ref[1] and ref[1] not in _ENTITY_NAMES:
                raise Decline(f"unknown entity &{ref[1]};")
    if "&" in value and value.count("&") != len(_REF.findall(value)):
        _check_bare_ampersands(value)
    return value


def _check_bare_ampersands(value: str) -> None:
    """Decline unless every bare ampersand reads alike in feedparser's value and ours, as clean() sees them.

    feedparser's sanitizer (sgmllib) keeps a bare '&' verbatim unless a name follows it and then another
    character (its entityref pattern, backtracking over '-' and '.'): a known entity name gains its ';'
    (``&hellip`` becomes ``&hellip;``), an unknown one is escaped (``&Lease`` becomes ``&amp;Lease``).
    clean() unescapes both texts alike only when html.unescape leaves our ``&name`` as it is (it reads
    ``&copyx`` as ``©x``), so those are the safe ones. A name ending in '-' or '.' then ';' (which the
    stricter reference pattern misses) loses that ';' to the sanitizer: declined."""
    for bare in _BARE.finditer(value):
        name = sgmllib.entityref.match(value, bare.start())  # the sanitizer's own reading
        if name is None:
            continue  # kept verbatim
        if name[0][-1] == ";":  # its end takes the ';' ("&Lease-;" becomes "&amp;Lease-")
            raise Decline(f"bare &{name[1]}; the sanitizer ends at its ';'")
        if name[1] in _ENTITY_NAMES:
            raise Decline(f"bare &{name[1]} the sanitizer completes")
        window = re.match(r"&[^&<]{0,40}", value[bare.start():])[0]  # html.unescape reads no further
        if html.unescape(window) != window:
            raise Decline(f"bare &{name[1]} that html.unescape reads as a reference")


def sanitized_copy(value: str, base: str) -> str:
    """feedparser's own output for an HTML value (relative links resolved against ``base``, sanitized): what
    the fast path takes where ``plain_html`` cannot promise the sanitizer leaves the text alike. Its later
    Latin-1 repair and Windows-1252 mapping must have nothing to do, which is checked."""
    out = _sanitize_html(resolve_relative_uris(value, base, "utf-8", "text/html"), "utf-8", "text/html")
    if _CP1252.search(out):
        raise Decline("sanitized markup with C1 characters")
    if not out.isascii():
        try:
            out.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        else:
            raise Decline("sanitized markup feedparser would repair as mis-decoded UTF-8")
    return out
