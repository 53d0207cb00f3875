"""Watch lists: YAML files of named alias sets and rules, each rule a query in the wirewatch rule
language (docs/rules.md has the grammar and examples; the parser is ``transforms.rulelang.parser``).

This module is the public face: load a watch list from text (pure) or from a file (which may use the
compiled-rules cache), and the default list shipped with wirewatch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from wirewatch.transforms.rulelang.cache import CompiledCache, default_cache
from wirewatch.transforms.rulelang.errors import RuleError
from wirewatch.transforms.rulelang.limits import LIMITS, Limits
from wirewatch.transforms.rulelang.loader import digest, load_watchlist, too_big
from wirewatch.transforms.rulelang.syntax import (
    SEVERITIES,
    Leaf,
    Node,
    Op,
    Pred,
    Rule,
    Term,
    WatchList,
)

CACHE_MIN_BYTES = 256 * 1024  # parsing a smaller file takes less time than unpickling it
_DEFAULT = object()


WATCHLIST_KIND = "watchlist2"  # 2: entries carry WatchList.by_id; older pickles lack it


def load_watchlist_file(path: str | Path, *, strict: bool = True,
                        cache: CompiledCache | None | object = _DEFAULT, limits: Limits = LIMITS) -> WatchList:
    """Read and parse a watch list file; large files are parsed once and then loaded from the cache. A file
    over the size limit is refused before any of it is parsed (or more of it read than the limit)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(limits.file_bytes + 1)
        if len(data) > limits.file_bytes:
            size = p.stat().st_size if p.is_file() else len(data)
            raise RuleError(str(p), 1, 1, too_big(size, limits))
        text = data.decode("utf-8")
        if "\r" in text:  # universal newlines, as a file read as text has them
            text = text.replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(p), 1, 1, f"cannot read the watch list: {exc}") from exc
    store = default_cache() if cache is _DEFAULT else cache
    if not isinstance(store, CompiledCache) or len(text) < CACHE_MIN_BYTES:
        return load_watchlist(text, str(p), strict=strict, limits=limits)
    key = hashlib.sha256(f"{digest(text)}\n{p}\n{strict}\n{limits}".encode()).hexdigest()
    cached = store.get(WATCHLIST_KIND, key)
    if isinstance(cached, WatchList):
        return cached
    watchlist = load_watchlist(text, str(p), strict=strict, limits=limits)
    store.put(WATCHLIST_KIND, key, watchlist)
    return watchlist


def load_watchlist_files(paths: list[str] | tuple[str, ...], *, strict: bool = True,
                         cache: CompiledCache | None | object = _DEFAULT) -> WatchList:
    """Several watch list files as one (say one per language: each file has its own ``language``)."""
    lists = [load_watchlist_file(p, strict=strict, cache=cache) for p in paths]
    return lists[0] if len(lists) == 1 else merge_watchlists(lists)


def merge_watchlists(lists: list[WatchList]) -> WatchList:
    """One list with every rule of ``lists``, in order; a rule id used twice is an error naming both."""
    where: dict[str, WatchList] = {}
    for watchlist in lists:
        for rule in watchlist.rules:
            if rule.id in where:
                raise RuleError(watchlist.source, rule.line, 1,
                                f"rule id {rule.id!r} is also in {where[rule.id].source} (ids must be unique)")
            where[rule.id] = watchlist
    combined = hashlib.sha256("\n".join(w.digest for w in lists).encode()).hexdigest()
    return WatchList(tuple(r for w in lists for r in w.rules), ", ".join(w.source for w in lists),
                     combined if all(w.digest for w in lists) else "",
                     tuple(p for w in lists for p in w.problems))


DEFAULT_WATCHLIST = Path(__file__).parent / "data" / "watchlist.yaml"


def default_watchlist() -> WatchList:
    return load_watchlist_file(DEFAULT_WATCHLIST, cache=None)


__all__ = [
    "load_watchlist_files",
    "LIMITS",
    "Limits",
    "merge_watchlists",
    "DEFAULT_WATCHLIST",
    "SEVERITIES",
    "Leaf",
    "Node",
    "Op",
    "Pred",
    "Rule",
    "RuleError",
    "Term",
    "WatchList",
    "default_watchlist",
    "load_watchlist",
    "load_watchlist_file",
]
