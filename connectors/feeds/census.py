"""The start tags in a document's entries that the fast reader's bridge (connectors.feeds.fastfeedparser_path)
asks about, counted in one scan instead of a scan per question.

A tag here is a ``<``, an optional prefix (name characters and a colon), one of ``_LOCALS``, the rest of the
name, and the character after the name when that is white space, ``/`` or ``>``; it is found wherever it is
(in CDATA and comments too, as the byte patterns the questions stand for find it).
tests/connectors/feeds/test_census.py checks each answer against the byte pattern it replaces. The compiled core
(native/src/census.rs) does the same scan and sums where it is built; the tests compare the two.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from wirewatch.text import compiled_core

_LOCALS = (b"description", b"summary", b"guid", b"item", b"entry", b"encoded", b"content", b"body", b"fullitem",
           b"author", b"creator", b"managingEditor")
_TAG = re.compile(rb"<([\w.-]+:)?(" + b"|".join(_LOCALS) + rb")([\w.:-]*)([\s/>]?)")
# The compiled scan (its counts per local name in _LOCALS' order), None without the core.
_compiled_census = getattr(compiled_core(), "census", None)


class Census:
    """The tags from ``first`` on: by prefix (with its colon, or empty), local name (one of ``_LOCALS``),
    the rest of the name, and the end of name after it (or empty). The answers are summed once, by local
    name: the bridge asks several questions of every document, most of them small."""

    def __init__(self, data: bytes, first: int) -> None:
        self._starting: Counter[bytes] = Counter()
        self._bare: Counter[bytes] = Counter()  # whole names ending at white space, / or >, no prefix
        self._prefixed: Counter[bytes] = Counter()  # the same with a prefix
        if _compiled_census is not None:
            for counter, counts in zip((self._starting, self._bare, self._prefixed), _compiled_census(data, first)):
                counter.update(dict(zip(_LOCALS, counts)))
            return
        tags: Counter[tuple[bytes, bytes, bytes, bytes]] = Counter(_TAG.findall(data, first))
        for (prefix, name, rest, end), count in tags.items():
            if not prefix:
                self._starting[name] += count
            else:  # (``<item:entry``: its "<item" is there too)
                for local in _LOCALS:
                    if prefix.startswith(local):
                        self._starting[local] += count
            if not rest and end:
                (self._prefixed if prefix else self._bare)[name] += count

    def starting(self, local: bytes) -> int:
        """How many names begin with ``local`` (one of ``_LOCALS``): ``data.count(b"<" + local, first)``."""
        return self._starting[local]

    def named(self, locals_: Iterable[bytes], *, bare: bool = True, prefixed: bool = True) -> int:
        """How many tags match ``<(?:[\\w.-]+:)?(?:local|...)[\\s/>]`` for ``locals_`` (of ``_LOCALS``);
        ``bare=False``: ``<[\\w.-]+:(?:local|...)[\\s/>]``, the prefixed ones only; ``prefixed=False``:
        ``<(?:local|...)[\\s/>]``, the bare ones only."""
        return sum((self._bare[local] if bare else 0) + (self._prefixed[local] if prefixed else 0)
                   for local in frozenset(locals_))
