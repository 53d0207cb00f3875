"""A look at the raw bytes that tells, before any parsing, that the fast feed path would decline.

A declined document is parsed again by feedparser, so a decline found only after lxml has built the tree
costs that parse for nothing. These marks are ones the fast path always refuses; a false alarm (the mark
in plain text) only sends a document to feedparser, which is always correct.
"""

from __future__ import annotations

import re

# xml:base anywhere, markup feedparser's sanitizer must strip, and Atom XHTML content.
_MARKS = (b"xml:base=", b"&lt;script", b"<script", b"&lt;iframe", b'"xhtml"', b"'xhtml'")
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOTS = (b"rss", b"feed")


def declines_at_sight(body: bytes) -> bool:
    """True when the fast path would surely decline ``body``: a root other than rss or feed (RSS 1.0, RSS
    0.9 wrapped in RDF, HTML), or one of the marks above."""
    head = body[:8192]
    root = _FIRST_ELEMENT.search(_COMMENT.sub(b"", head) if b"<!--" in head else head)
    if root is None or root[2] not in _ROOTS:
        return True
    return any(mark in body for mark in _MARKS)
