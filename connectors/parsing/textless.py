"""Whether an entry of a well-formed feed document holds no text feedparser could make a Story's title,
summary or body of.

feedparser takes those from the text of elements only (never from an attribute), so an entry whose bytes
are tags and white space, but for the text of a few elements it reads as something else (a date, a link, an
id, a category), gives it none; the entry is then a dead letter whichever reader read it, and the fast
reader may answer for it (connectors.feeds.fastfeedparser_path). Conservative: a CDATA section, comment,
processing instruction or reference outside those elements, one of them in another namespace than its
parent's (an ``xmlns`` on it) or holding an element, and a ``>`` in an attribute value all count as text.
"""

from __future__ import annotations

import re

# Elements whose text feedparser reads as a date, a link, an id or a category, never as a title, summary
# or content, whatever the format.
_NOT_STORY_TEXT = rb"pubDate|dc:date|link|guid|category|comments"
# Tags (start, end or empty-element; no "<!" or "<?"), those elements with their text, and white space.
# (The document is well-formed, so an end tag there closes the start tag before it: no back-reference,
# which Python 3.11's re mishandles inside a possessive repeat.)
_ONLY_TAGS = re.compile(
    rb"(?:[ \t\r\n]*+(?:<(?:" + _NOT_STORY_TEXT + rb")(?:[ \t\r\n](?![^<>]*xmlns)[^<>]*)?(?<!/)>[^<]*+"
    rb"</(?:" + _NOT_STORY_TEXT + rb")[ \t\r\n]*>"
    rb"|<[^<>!?]*+>))*+[ \t\r\n]*+"
)


def holds_no_text(data: bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether ``data[start:end]`` (an entry's bytes) holds no text but in the elements ``_NOT_STORY_TEXT``
    names: tags and white space only otherwise."""
    return _ONLY_TAGS.fullmatch(data, start, len(data) if end is None else end) is not None
