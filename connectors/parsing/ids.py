"""Story ids every format derives the same way: the feed GUID or wire id, else the canonical URL, else a hash
of the content. Stable across runs and machines."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import xxhash


def story_id(kind: str, value: str) -> str:
    """A stable id: a 128-bit hash of what identifies the story (``kind`` is guid, url or content)."""
    return xxhash.xxh3_128_hexdigest(f"{kind}\x00{value}".encode("utf-8", "surrogatepass"))


def content_id(*parts: str | None) -> str:
    return story_id("content", "\x1f".join(p or "" for p in parts))


_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


def guid_id(guid: str, scope: str | None) -> str:
    """Story id from a GUID. A GUID with a URI scheme (``http:``, ``urn:``, ``tag:``) is global; a bare one
    (``1234``) is only unique inside its feed, so it is scoped by the feed's own link."""
    guid = guid.strip()
    return story_id("guid", guid if _HAS_SCHEME.match(guid) or not scope else f"{scope}\x00{guid}")


def canonical_url(url: str) -> str:
    """The URL as an identity: scheme and host lower-cased, the fragment dropped."""
    try:
        parts = urlsplit(url.strip())
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
    except ValueError:
        return url.strip()


def pick_id(guid: str | None, scope: str | None, url: str | None, *content: str | None) -> str:
    """The id rule every format shares: GUID / wire id, else canonical URL, else content."""
    if guid and guid.strip():
        return guid_id(guid, scope)
    if url:
        return story_id("url", canonical_url(url))
    return content_id(*content)
