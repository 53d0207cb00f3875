"""Words as the rule language sees them: the same split as ``transforms.tokens`` (possessive 's dropped,
hyphens and punctuation split words), with fast key functions for scanning."""

from __future__ import annotations

import re

from wirewatch.transforms.tokens import remember, snowball, stem

WORD = re.compile(r"\w+(?:['’]\w+)*")
# The same words with a trailing possessive 's consumed but not captured: "Korea's" gives "Korea".
_WORD_NO_POSSESSIVE = re.compile(r"(\w+(?:['’](?![sS]\b(?!['’]\w))\w+)*)(?:['’][sS]\b(?!['’]\w))?")

# Word as written -> key. Each cache only ever receives the key computed from its own word, and a reader
# never counts on finding what it put in (another thread may have emptied the cache since): it computes.
_fold_cache: dict[str, str] = {}
_stem_cache: dict[str, str] = {}
_stem_in_cache: dict[str, dict[str, str]] = {}  # language -> word -> stem key


def split(text: str) -> list[str]:
    """The words of ``text`` as written, a possessive 's dropped."""
    return _WORD_NO_POSSESSIVE.findall(text)


def starts(text: str) -> list[int]:
    """Where each word of ``split(text)`` starts; it ends ``len(word)`` later."""
    return [m.start() for m in _WORD_NO_POSSESSIVE.finditer(text)]


def keys(ws: list[str]) -> tuple[list[str], list[str]]:
    """Case-folded and stemmed keys of ``ws``."""
    return fold_keys(ws), stem_keys(ws)


def fold_keys(ws: list[str]) -> list[str]:
    try:
        return list(map(_fold_cache.__getitem__, ws))
    except KeyError:
        return [fold(w) for w in ws]


def stem_keys(ws: list[str]) -> list[str]:
    """The stemmed keys of ``ws``. In a long run almost every word was seen before, so the lookup is tried
    first and words are stemmed one by one only when it fails."""
    try:
        return list(map(_stem_cache.__getitem__, ws))
    except KeyError:
        return [stem_key(w) for w in ws]


def fold_lengths(ws: list[str]) -> list[int]:
    """The length of each word's case-folded key (``ß`` folds to ``ss``)."""
    return list(map(len, fold_keys(ws)))


def stem_in(word: str, language: str) -> str:
    """The case-folded Snowball stem of ``word`` in ``language`` (an ISO 639-1 code of syntax.LANGUAGES)."""
    if language == "en":
        return stem_key(word)
    from wirewatch.transforms.rulelang.syntax import LANGUAGES

    return snowball(LANGUAGES[language]).stemWord(word.casefold())  # type: ignore[no-any-return]


def stem_keys_in(ws: list[str], language: str) -> list[str]:
    """The stemmed keys of ``ws`` in ``language``, from a bounded cache per language."""
    if language == "en":
        return stem_keys(ws)
    cache = _stem_in_cache.setdefault(language, {})
    try:
        return list(map(cache.__getitem__, ws))
    except KeyError:
        out = []
        for w in ws:
            key = cache.get(w)
            if key is None:
                key = stem_in(w, language)
                remember(cache, w, key)
            out.append(key)
        return out


def fold(word: str) -> str:
    key = _fold_cache.get(word)
    if key is None:
        key = word.casefold()
        remember(_fold_cache, word, key)
    return key


def stem_key(word: str) -> str:
    key = _stem_cache.get(word)
    if key is None:
        key = stem(word)
        remember(_stem_cache, word, key)
    return key
