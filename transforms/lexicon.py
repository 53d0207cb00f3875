"""The English words lemminflect's lemma table knows, as one frozenset: all that "is this an everyday English
word?" (gazetteer.is_english_word) asks of lemminflect. Its tables take about a second to load and parse;
the words alone, kept in the compiled cache (``$WIREWATCH_CACHE`` or ``~/.cache/wirewatch``, see
rulelang/cache.py) as one sorted newline-joined string, load in a few milliseconds.

A lower-case word is in the set exactly when ``lemminflect.getAllLemmas(word)`` is not empty: the lower-case
keys with lemmas of the table and of its overrides. The cache entry is keyed by lemminflect's resource files (path, size, time),
so another lemminflect version reads its own tables again."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path

from wirewatch.transforms.rulelang.cache import CompiledCache, default_cache

KIND = "lexicon"
_RESOURCES = ("lemma_lu.csv.gz", "lemma_overrides.csv")  # lemminflect.config's lemma_lu_fn, lemma_overrides_fn


def _tables_key() -> str | None:
    """A digest naming the installed lemminflect's lemma tables; None when they cannot be found."""
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.origin:
        return None
    h = hashlib.sha256(b"lexicon 2")
    for name in _RESOURCES:
        path = Path(spec.origin).parent / "resources" / name
        try:
            st = path.stat()
        except OSError:
            return None
        h.update(f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _from_tables() -> str:
    """The words, read from lemminflect's own tables (slow: what the cache spares). The tables are read
    through the lemmatizer's loaders, as ``getAllLemmas`` reads them (checked with lemminflect 0.2.3)."""
    from lemminflect.core.Lemmatizer import Lemmatizer

    lemmatizer = Lemmatizer()
    tables = (lemmatizer._getLemmaDict(), lemmatizer._getOverridesDict())
    # getAllLemmas looks a word up in lower case: a capitalised key (a proper noun's) is never found by it
    return "\n".join(sorted({w for table in tables for w, lemmas in table.items() if lemmas and w == w.lower()}))


def load_words(cache: CompiledCache | None) -> frozenset[str]:
    """The words, from ``cache`` when it holds them for these tables, else from the tables (then cached)."""
    key = _tables_key() if cache is not None else None
    if cache is None or key is None:
        return frozenset(_from_tables().split("\n"))
    text = cache.get(KIND, key)
    if not isinstance(text, str):
        text = _from_tables()
        cache.put(KIND, key, text)
    return frozenset(text.split("\n"))


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words (lower case), loaded once per process from the default cache; immutable, so threads share
    it safely (two threads arriving first may both load it: the same set either way)."""
    return load_words(default_cache())
