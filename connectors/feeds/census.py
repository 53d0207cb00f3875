"""The start tags in a document's entries that the fast reader's bridge (connectors.feeds.fastfeedparser_path)
asks about, counted in one scan instead of a scan per question.

A tag here is a ``<``, an optional prefix (name characters and a colon), one of ``_LOCALS``, the rest of the
name, and the character after the name when that is white space, ``/`` or ``>``; it is found wherever it is
(in CDATA and comments too, as the byte patterns the questions stand for find it).
tests/connectors/feeds/test_census.py checks each answer against the byte pattern it replaces.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_LOCALS = (b"description", b"summary", b"guid", b"item", b"entry", b"encoded", b"content", b"body", b"fullitem",
           b"author", b"creator", b"managingEditor")
_TAG = re.compile(rb"<([\w.-]+:)?(" + b"|".join(_LOCALS) + rb")([\w.:-]*)([\s/>]?)")


class Census:
    """The tags from ``first`` on: by prefix (with its colon, or empty), local name (one of ``_LOCALS``),
    the rest of the name, and the end of name after it (or empty)."""

    def __init__(self, data: bytes, first: int) -> None:
        self.tags: Counter[tuple[bytes, bytes, bytes, bytes]] = Counter(_TAG.findall(data, first))

    def starting(self, local: bytes) -> int:
        """How many names begin with ``local`` (one of ``_LOCALS``): ``data.count(b"<" + local, first)``."""
        return sum(count for (prefix, name, _, _), count in self.tags.items() if not prefix and name == local)

    def named(self, locals_: Iterable[bytes], *, bare: bool = True, prefixed: bool = True) -> int:
        """How many tags match ``<(?:[\\w.-]+:)?(?:local|...)[\\s/>]`` for ``locals_`` (of ``_LOCALS``);
        ``bare=False``: ``<[\\w.-]+:(?:local|...)[\\s/>]``, the prefixed ones only; ``prefixed=False``:
        ``<(?:local|...)[\\s/>]``, the bare ones only."""
        wanted = frozenset(locals_)
        return sum(count for (prefix, name, rest, end), count in self.tags.items()
                   if name in wanted and not rest and end and (bare if not prefix else prefixed))
