"""``bytes.find`` for the searches the fast reader makes over whole feeds (connectors.parsing.plainxml,
connectors.feeds.fastfeedparser_path): the compiled core's (the C library's memmem) where it is built, which
is about twice as fast on a document; ``bytes.find`` itself without it. Same answers either way
(tests/connectors/parsing/test_bytefind.py)."""

from __future__ import annotations

from wirewatch.text import compiled_core

_compiled_find = getattr(compiled_core(), "find_bytes", None)  # (None without the core, or an older one)


def find(data: bytes, needle: bytes, start: int = 0) -> int:
    """``data.find(needle, start)``."""
    if _compiled_find is not None and start >= 0 and type(data) is bytes and type(needle) is bytes:
        at = _compiled_find(data, needle, start)
        return -1 if at is None else at
    return data.find(needle, start)


def contains(data: bytes, needle: bytes) -> bool:
    """``needle in data``."""
    return find(data, needle) >= 0
