"""Words with their character offsets, word keys (case-folded, optionally stemmed), and a token-aligned
multi-pattern index (Aho-Corasick) shared by the gazetteer and the rule matcher."""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass
from typing import Any, Generic, Iterable, Iterator, Sequence, TypeVar

import ahocorasick
import snowballstemmer

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_POSSESSIVE = re.compile(r"['’][sS]$")

CACHE_MAX = 500_000  # entries in a word cache: bounded memory on an endless stream (emptied when full)
# A Snowball stemmer keeps the word it is working on inside the object, so one shared between threads mixes
# their words up (wrong stems, IndexError): each thread gets its own. The caches below only ever receive a
# value computed from its own key, so they hold right values whatever the threads do.
_local = threading.local()
_stem_cache: dict[str, str] = {}  # case-folded word -> English stem

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # as written, possessive 's removed
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Words of ``text`` with offsets; "Korea’s" gives "Korea", hyphens and punctuation split words."""
    tokens = []
    for m in _WORD.finditer(text):
        word, start, end = m.group(), m.start(), m.end()
        p = _POSSESSIVE.search(word)
        if p:
            word, end = word[: p.start()], end - 2
        tokens.append(Token(word, start, end))
    return tokens


def snowball(algorithm: str) -> Any:
    """This thread's Snowball stemmer for ``algorithm`` ("english", "french", ...), made on first use."""
    try:
        return _local.stemmers[algorithm]
    except AttributeError:
        _local.stemmers = {}
    except KeyError:
        pass
    made = _local.stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return made


def stem(word: str) -> str:
    """Case-folded Snowball (Porter2) stem; memoised because news vocabularies repeat."""
    key = word.casefold()
    cached = _stem_cache.get(key)
    if cached is None:
        cached = snowball("english").stemWord(key)
        remember(_stem_cache, key, cached)
    return cached


def remember(cache: dict[str, str], key: str, value: str) -> None:
    """Put ``value`` in a bounded word cache, emptying it first when full. Another thread may empty it at any
    time, so a reader falls back to computing and never counts on finding what was put in."""
    if len(cache) >= CACHE_MAX:
        cache.clear()
    cache[key] = value


def keys(tokens: Sequence[Token], stemmed: bool) -> list[str]:
    if stemmed:
        return [stem(t.text) for t in tokens]
    return [t.text.casefold() for t in tokens]


def phrase_keys(phrase: str, stemmed: bool) -> tuple[str, ...]:
    return tuple(keys(tokenize(phrase), stemmed))


@dataclass(frozen=True, slots=True)
class Hit(Generic[P]):
    first: int  # index of the first token
    last: int  # index of the last token (inclusive)
    payload: P


class PhraseIndex(Generic[P]):
    """Finds every phrase (a tuple of word keys) in a story's word keys in one Aho-Corasick pass.

    A phrase whose last key ends with ``*`` is a prefix pattern: its last word only has to start with it.
    """

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], P]]) -> None:
        self._automaton = ahocorasick.Automaton()
        grouped: dict[str, list[P]] = {}
        for words, payload in phrases:
            if not words or any(not w for w in words):
                continue
            pattern = " " + " ".join(words)
            pattern = pattern[:-1] if pattern.endswith("*") else pattern + " "
            grouped.setdefault(pattern, []).append(payload)
        for pattern, payloads in grouped.items():
            self._automaton.add_word(pattern, (pattern, tuple(payloads)))
        self.size = len(grouped)
        if grouped:
            self._automaton.make_automaton()

    def find(self, word_keys: Sequence[str]) -> Iterator[Hit[P]]:
        if not self.size or not word_keys:
            return
        line = " " + " ".join(word_keys) + " "
        starts = []
        pos = 1
        for key in word_keys:
            starts.append(pos)
            pos += len(key) + 1
        for end, (pattern, payloads) in self._automaton.iter(line):
            first = bisect.bisect_right(starts, end - len(pattern) + 2) - 1
            last = bisect.bisect_right(starts, end) - 1
            if pattern.endswith(" "):
                last = bisect.bisect_right(starts, end - 1) - 1
            for payload in payloads:
                yield Hit(first, last, payload)
