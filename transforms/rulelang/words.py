"""Words as the rule language sees them: the same split as ``transforms.tokens`` (possessive 's dropped,
hyphens and punctuation split words), with fast key functions for scanning."""

from __future__ import annotations

import re

from transforms.tokens import stem

WORD = re.compile(r"\w+(?:['’]\w+)*")
# The same words with a trailing possessive 's consumed but not captured: "Korea's" gives "Korea".
_WORD_NO_POSSESSIVE = re.compile(r"(\w+(?:['’](?![sS]\b(?!['’]\w))\w+)*)(?:['’][sS]\b(?!['’]\w))?")

_fold_cache: dict[str, str] = {}
_stem_cache: dict[str, str] = {}
_key_fold: dict[str, str] = {}
_key_stem: dict[str, str] = {}


def split(text: str) -> list[str]:
    """The words of ``text`` as written, a possessive 's dropped."""
    return _WORD_NO_POSSESSIVE.findall(text)


def starts(text: str) -> list[int]:
    """Where each word of ``split(text)`` starts; it ends ``len(word)`` later."""
    return [m.start() for m in _WORD_NO_POSSESSIVE.finditer(text)]


def keys(ws: list[str]) -> tuple[list[str], list[str]]:
    """Case-folded and stemmed keys of ``ws``, from caches filled only with the words not seen before."""
    _learn(ws)
    return list(map(_key_fold.__getitem__, ws)), list(map(_key_stem.__getitem__, ws))


def stem_keys(ws: list[str]) -> list[str]:
    """The stemmed keys of ``ws``. In a long run almost every word was seen before, so the lookup is tried
    first and the caches are filled only when it fails."""
    try:
        return list(map(_key_stem.__getitem__, ws))
    except KeyError:
        _learn(ws)
        return list(map(_key_stem.__getitem__, ws))


def fold_lengths(ws: list[str]) -> list[int]:
    """The length of each word's case-folded key (``ß`` folds to ``ss``)."""
    try:
        return list(map(len, map(_key_fold.__getitem__, ws)))
    except KeyError:
        _learn(ws)
        return list(map(len, map(_key_fold.__getitem__, ws)))


def _learn(ws: list[str]) -> None:
    missing = set(ws).difference(_key_stem)
    if missing:
        if len(_key_stem) > 500_000:  # bounded memory on an endless stream
            _key_stem.clear()
            _key_fold.clear()
            missing = set(ws)
        for w in missing:
            _key_fold[w] = w.casefold()
            _key_stem[w] = stem(w)


_stemmers: dict[str, object] = {}
_key_stem_in: dict[str, dict[str, str]] = {}


def stem_in(word: str, language: str) -> str:
    """The case-folded Snowball stem of ``word`` in ``language`` (an ISO 639-1 code of syntax.LANGUAGES)."""
    if language == "en":
        return stem_key(word)
    stemmer = _stemmers.get(language)
    if stemmer is None:
        import snowballstemmer

        from transforms.rulelang.syntax import LANGUAGES

        stemmer = _stemmers[language] = snowballstemmer.stemmer(LANGUAGES[language])
    return stemmer.stemWord(word.casefold())  # type: ignore[attr-defined]


def stem_keys_in(ws: list[str], language: str) -> list[str]:
    """The stemmed keys of ``ws`` in ``language``, from a bounded cache per language."""
    if language == "en":
        return stem_keys(ws)
    cache = _key_stem_in.setdefault(language, {})
    try:
        return list(map(cache.__getitem__, ws))
    except KeyError:
        if len(cache) > 500_000:
            cache.clear()
        for w in set(ws).difference(cache):
            cache[w] = stem_in(w, language)
        return list(map(cache.__getitem__, ws))


def fold(word: str) -> str:
    key = _fold_cache.get(word)
    if key is None:
        key = word.casefold()
        if len(_fold_cache) < 500_000:
            _fold_cache[word] = key
    return key


def stem_key(word: str) -> str:
    key = _stem_cache.get(word)
    if key is None:
        key = stem(word)
        if len(_stem_cache) < 500_000:
            _stem_cache[word] = key
    return key
