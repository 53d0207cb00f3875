"""What a short command needs before its first story, built once and then loaded from the compiled cache
(``$WIREWATCH_CACHE`` or ``~/.cache/wirewatch``; ``off`` builds every time): the gazetteer, and the watch
list. Building them reads GeoNames' JSON and lemminflect's lemma and inflection tables; loading them reads
neither, so a warm ``wirewatch enrich`` never loads the lemma tables at all.

An entry's key covers everything the built object follows from: the bytes of every file under transforms/
(code and data) and of the base layer's modules, the Python version, the installed distributions' names
and versions, and for a watch list the files' paths and bytes. Any change builds afresh."""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import wirewatch.transforms
from wirewatch.transforms.rulelang.cache import CompiledCache, default_cache

T = TypeVar("T")
GAZETTEER_KIND = "gazetteer"
WATCHLIST_KIND = "watchlist-built"
KEEP = 4  # entries of each kind kept: a few checkouts or branches side by side each find theirs
_DEFAULT = object()


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """A digest of the code and data that building depends on (computed once per process, then read-only)."""
    h = hashlib.sha256(sys.version.encode())
    transforms = Path(wirewatch.transforms.__file__).resolve().parent
    base = Path(wirewatch.__file__).resolve().parent  # its modules: records, text, the YAML reader
    files = [(base, p) for p in sorted(base.glob("*.py"))] + [(transforms, p) for p in sorted(transforms.rglob("*"))]
    for root, path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(f"\0{root.name}/{path.relative_to(root)}\0".encode() + path.read_bytes())
    for folder in sorted({p for p in sys.path if Path(p).name == "site-packages"}):
        try:
            h.update("\n".join(sorted(n for n in os.listdir(folder) if n.endswith(".dist-info"))).encode())
        except OSError:
            pass
    return h.hexdigest()


def cached(kind: str, parts: Sequence[bytes], build: Callable[[], T], expect: type,
           cache: CompiledCache | None | object = _DEFAULT) -> T:
    """``build()``, or what an earlier ``build()`` with the same code and ``parts`` left in ``cache``."""
    store = default_cache() if cache is _DEFAULT else cache
    if not isinstance(store, CompiledCache):
        return build()
    h = hashlib.sha256(code_key().encode())
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    key = h.hexdigest()
    hit: Any = store.get(kind, key)
    if isinstance(hit, expect):
        return hit
    value = build()
    store.put(kind, key, value)
    _prune(store, kind, key)
    return value


def _prune(store: CompiledCache, kind: str, key: str, keep: int = KEEP) -> None:
    """Only the ``keep`` newest entries of ``kind``, ``key`` (just written) among them: every change under
    transforms/ makes a new key, and a gazetteer entry is some 14 MB."""
    entries = []
    for path in store.root.glob(f"{kind}-*.pickle"):
        if path == store.path(kind, key):
            continue
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            pass
    for _, path in sorted(entries, reverse=True)[keep - 1:]:
        path.unlink(missing_ok=True)


def gazetteer(cache: CompiledCache | None | object = _DEFAULT) -> Any:
    """The default gazetteer (transforms.gazetteer.default_gazetteer), from the cache once built."""
    from wirewatch.transforms.gazetteer import Gazetteer, default_gazetteer

    return cached(GAZETTEER_KIND, (), default_gazetteer, Gazetteer, cache)


def watchlist(paths: Sequence[str] | None, cache: CompiledCache | None | object = _DEFAULT) -> Any:
    """The watch list of ``paths`` (the built-in one when None or empty), from the cache once parsed. A file
    that cannot be read is left to the loader, which reports it."""
    from wirewatch.transforms.rules import (
        DEFAULT_WATCHLIST,
        LIMITS,
        WatchList,
        default_watchlist,
        load_watchlist_files,
    )

    files = [str(p) for p in paths] if paths else [str(DEFAULT_WATCHLIST)]

    def build() -> WatchList:
        return load_watchlist_files(files) if paths else default_watchlist()

    parts = []
    for name in files:  # an odd or oversized file goes to the loader, which refuses it before reading it all
        path = Path(name)
        try:
            if not path.is_file() or path.stat().st_size > LIMITS.file_bytes:
                return build()
            parts.append(name.encode() + b"\0" + path.read_bytes())
        except OSError:
            return build()
    return cached(WATCHLIST_KIND, parts, build, WatchList, cache)
