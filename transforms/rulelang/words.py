"""Words as the rule language sees them: the same split as ``transforms.tokens`` (possessive 's dropped,
hyphens and punctuation split words), with fast key functions for scanning.

Chinese, Japanese and Korean are written without spaces between words (Korean puts its particles on the
word: 미사일을, 미사일이). Every Han, kana and Hangul character is a word of its own here, and a term in
those scripts is the sequence of its characters, so a term matches wherever its characters stand together
in the text, whatever the words around it. Proximity in those scripts counts characters."""

from __future__ import annotations

import re
import sys

from wirewatch.transforms.rulelang.compiled import word_splitter
from wirewatch.transforms.tokens import regex_words, remember, remember_all, snowball, stem, stems

WORD = re.compile(r"\w+(?:['’]\w+)*")
# The same words with a trailing possessive 's consumed but not captured: "Korea's" gives "Korea".
_WORD_NO_POSSESSIVE = re.compile(r"(\w+(?:['’](?![sS]\b(?!['’]\w))\w+)*)(?:['’][sS]\b(?!['’]\w))?")

# One character a word in the scripts written without spaces: Han, hiragana, katakana, Hangul.
UNSPACED = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_UNSPACED = re.compile(f"[{UNSPACED}]")
_PIECE = re.compile(f"[{UNSPACED}]|[^{UNSPACED}]+")

# Word as written -> key. Each cache only ever receives the key computed from its own word, and a reader
# never counts on finding what it put in (another thread may have emptied the cache since): it computes.
_fold_cache: dict[str, str] = {}
_stem_cache: dict[str, str] = {}
_stem_in_cache: dict[str, dict[str, str]] = {}  # language -> word -> stem key


# The compiled splitter (``wirewatch_native.split_words``), the same words as the regexes below (tests compare
# them on arbitrary text); None where it is not built or turned off.
_compiled = word_splitter()


def compiled() -> bool:
    """Whether ``split`` is the compiled splitter (the compiled core may then split texts itself)."""
    return _compiled is not None


def split(text: str) -> list[str]:
    """The words of ``text`` as written, a possessive 's dropped; a character a word in unspaced scripts."""
    if _compiled is not None:
        try:
            return _compiled(text)[0]  # type: ignore[no-any-return]
        except UnicodeEncodeError:  # a lone surrogate, which the compiled core cannot read
            pass
    return python_split(text)


def python_split(text: str) -> list[str]:
    """``split`` with Python's regexes, the reference: ``tokens.regex_words`` in pieces."""
    return pieces(regex_words(text), text)


def pieces(found: list[str], text: str) -> list[str]:
    """``split(text)`` from the words ``transforms.tokens`` found in it (the same regex, ``Words.words``):
    those words as they are, with a character a word in unspaced scripts."""
    if text.isascii() or not _UNSPACED.search(text):
        return found
    return [piece for word in found for piece in _PIECE.findall(word)]


def starts(text: str) -> list[int]:
    """Where each word of ``split(text)`` starts; it ends ``len(word)`` later."""
    if _compiled is not None:
        try:
            return _compiled(text)[1]  # type: ignore[no-any-return]
        except UnicodeEncodeError:
            pass
    return python_starts(text)


def python_starts(text: str) -> list[int]:
    """``starts`` with Python's regexes, the reference."""
    if text.isascii() or not _UNSPACED.search(text):
        return [m.start() for m in _WORD_NO_POSSESSIVE.finditer(text)]
    return [m.start() + piece.start() for m in _WORD_NO_POSSESSIVE.finditer(text)
            for piece in _PIECE.finditer(m.group(1))]


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
    first; when it fails, ``tokens.stems`` answers them all (from its own cache, the words it has not seen
    stemmed together), as the compiled core asks only for words it has not seen."""
    try:
        return list(map(_stem_cache.__getitem__, ws))
    except KeyError:
        pass
    made = stems(ws)
    remember_all(_stem_cache, dict(zip(ws, made)))
    return made


def fold_lengths(ws: list[str]) -> list[int]:
    """The length of each word's case-folded key (``ß`` folds to ``ss``)."""
    return list(map(len, fold_keys(ws)))


def stem_in(word: str, language: str) -> str:
    """The case-folded Snowball stem of ``word`` in ``language`` (an ISO 639-1 code of syntax.LANGUAGES)."""
    if language == "en":
        return stem_key(word)
    from wirewatch.transforms.rulelang.syntax import LANGUAGES

    return snowball(LANGUAGES[language]).stemWord(word.casefold())  # type: ignore[no-any-return]


def core_stems(ws: list[str], language: str) -> list[str]:
    """``stem_keys_in`` as the compiled core asks it (``Core.match_texts``): only for words its own table has
    not seen (in English, case-folded forms it has not seen, each once), so English ones go straight to the
    stemmer, case-folded as ``tokens.stem`` folds them, past the caches of words seen before, which would not
    hold them."""
    if language == "en":
        return snowball("english").stemWords(list(map(str.casefold, ws)))  # type: ignore[no-any-return]
    return stem_keys_in(ws, language)


def stemmer_library() -> str | None:
    """The file of the compiled module whose Snowball library gives ``tokens.stem``'s English stems
    (PyStemmer's), for the compiled core to stem new words with directly (``Core.stem_with``); None where the
    stems come from elsewhere (the pure-Python stemmer)."""
    if type(snowball("english")).__module__ != "Stemmer":
        return None
    return getattr(sys.modules.get("Stemmer"), "__file__", None)


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
