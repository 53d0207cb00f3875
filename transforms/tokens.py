"""Words with their character offsets, word keys (case-folded, optionally stemmed), and a token-aligned
phrase index (the gazetteers')."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from itertools import compress
from typing import Any, Generic, Iterable, Iterator, NamedTuple, Sequence, TypeVar

import snowballstemmer

from wirewatch.transforms.rulelang.compiled import wanted, word_splitter, wirewatch_native

try:  # PyStemmer: the same Snowball algorithms compiled (tests/transforms/test_tokens.py compares the two)
    from Stemmer import Stemmer as _compiled_stemmer
except ImportError:  # pragma: no cover - the pure-Python stemmers give the same stems, slower
    _compiled_stemmer = None

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_POSSESSIVE = re.compile(r"['’][sS]$")

COMPILE_AFTER = 200  # look-ups a PhraseIndex answers in Python before it builds its compiled trie
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


# The same words as ``tokenize`` in one C-level pass: a trailing possessive 's is matched but not captured.
_WORD_NO_POSSESSIVE = re.compile(r"(\w+(?:['’](?![sS]\b(?!['’]\w))\w+)*)(?:['’][sS]\b(?!['’]\w))?")
_RUN = re.compile(r"\w+")  # the same words in a text without apostrophes, found faster
# The compiled core's splitter (transforms/rulelang/compiled.py), which with ``pieces=False`` gives these
# words and their starts in one pass; None where the core is not built, is turned off or has other Unicode
# tables (the regexes above then split).
_compiled_split = word_splitter()


def regex_words(text: str) -> list[str]:
    """``Words(text).words`` by Python's regexes (the compiled splitter's reference): without an apostrophe
    in the text the words are the runs of word characters, found by a simpler pattern."""
    simple = "'" not in text and "’" not in text
    return (_RUN if simple else _WORD_NO_POSSESSIVE).findall(text)


class Words:
    """The words of one text in a compact form: the words as written (``tokenize``'s words, possessive 's
    dropped) in one list, their start offsets and case-folded keys in parallel lists (the starts come with
    the words from the compiled splitter, else are made on first use, as the keys are).
    Made once per story (``StoryWords``) and read by fingerprinting, geotagging and the rule view instead of
    each tokenising the text again; never serialised."""

    __slots__ = ("text", "words", "_starts", "_folded")
    words: list[str]

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: list[str] | None = None
        self._starts: list[int] | None = None
        if _compiled_split is not None:
            try:
                self.words, self._starts = _compiled_split(text, False)
                return
            except UnicodeEncodeError:  # a lone surrogate, which the compiled core cannot read
                pass
        self.words = regex_words(text)

    @classmethod
    def from_pieces(cls, text: str, words: list[str], starts: list[int]) -> "Words":
        """Words split another way (a character a word in some scripts), with their starts."""
        made = cls.__new__(cls)
        made.text, made.words, made._starts, made._folded = text, words, starts, None
        return made

    def __len__(self) -> int:
        return len(self.words)

    @property
    def starts(self) -> list[int]:
        """Where each word starts in ``text`` (it ends ``len(word)`` later)."""
        if self._starts is None:
            # The only word character between two words is a dropped possessive's "s", which a word is taken
            # for only if it is that one letter: otherwise each word is where its letters next occur.
            text = self.text
            found, pos, find = [], 0, text.find
            for word in self.words:
                pos = find(word, pos)
                if pos and (word == "s" or word == "S") and text[pos - 1] in "'’":  # perhaps that "s"
                    found = [m.start() for m in _WORD_NO_POSSESSIVE.finditer(text)]
                    break
                found.append(pos)
                pos += len(word)
            self._starts = found
        return self._starts

    def end(self, index: int) -> int:
        return self.starts[index] + len(self.words[index])

    @property
    def folded(self) -> list[str]:
        """The case-folded words (``keys(..., stemmed=False)``): case folding maps code points one by one
        and never makes a space, so the joined words fold as each word does."""
        if self._folded is None:
            if not self.words:
                self._folded = []
            else:
                joined = " ".join(self.words)
                self._folded = (joined.lower() if joined.isascii() else joined.casefold()).split(" ")
        return self._folded


class StoryWords:
    """A story's ``Words`` per field (dateline, title, body), each made when first asked for."""

    __slots__ = ("story", "_fields")

    def __init__(self, story: Any) -> None:
        self.story = story
        self._fields: dict[str, Words | None] = {}

    def of(self, field: str) -> Words | None:
        """The words of ``field``, None when the field is empty."""
        try:
            return self._fields[field]
        except KeyError:
            text = getattr(self.story, field)
            made = self._fields[field] = Words(text) if text else None
            return made


def snowball(algorithm: str) -> Any:
    """This thread's Snowball stemmer for ``algorithm`` ("english", "french", ...), made on first use:
    PyStemmer's compiled one where installed, without its own cache (each caller keeps one, and PyStemmer's
    costs more per new word than the stemming), else snowballstemmer's pure-Python one (the same stems)."""
    try:
        return _local.stemmers[algorithm]
    except AttributeError:
        _local.stemmers = {}
    except KeyError:
        pass
    if _compiled_stemmer is not None:
        made = _compiled_stemmer(algorithm, 0)
    else:
        made = snowballstemmer.stemmer(algorithm)
    _local.stemmers[algorithm] = made
    return made


def stem(word: str) -> str:
    """Case-folded Snowball (Porter2) stem; memoised because news vocabularies repeat."""
    key = word.casefold()
    cached = _stem_cache.get(key)
    if cached is None:
        cached = snowball("english").stemWord(key)
        remember(_stem_cache, key, cached)
    return cached


def stems(words: list[str]) -> list[str]:
    """``[stem(w) for w in words]``, the words not cached yet stemmed in one call of the stemmer (the first
    stories of a run bring thousands of new words)."""
    keys = list(map(str.casefold, words))
    distinct = dict.fromkeys(keys)
    # each cached stem read once, None where there is none (another thread may empty the cache meanwhile)
    found = dict(zip(distinct, map(_stem_cache.get, distinct)))
    missing = [key for key, cached in found.items() if cached is None]
    if missing:
        made = dict(zip(missing, snowball("english").stemWords(missing)))
        remember_all(_stem_cache, made)
        found.update(made)
    return list(map(found.__getitem__, keys))  # type: ignore[arg-type]


def remember(cache: dict[str, str], key: str, value: str) -> None:
    """Put ``value`` in a bounded word cache, emptying it first when full. Another thread may empty it at any
    time, so a reader falls back to computing and never counts on finding what was put in."""
    if len(cache) >= CACHE_MAX:
        cache.clear()
    cache[key] = value


def remember_all(cache: dict[str, str], made: dict[str, str]) -> None:
    """``remember`` each of ``made`` (emptying the cache first when they would fill it)."""
    if len(cache) + len(made) > CACHE_MAX:
        cache.clear()
    cache.update(made)


def keys(tokens: Sequence[Token], stemmed: bool) -> list[str]:
    if stemmed:
        return [stem(t.text) for t in tokens]
    return [t.text.casefold() for t in tokens]


def phrase_keys(phrase: str, stemmed: bool) -> tuple[str, ...]:
    return tuple(keys(tokenize(phrase), stemmed))


class Hit(NamedTuple, Generic[P]):
    """A phrase found: a tuple, made for every name a story mentions (a frozen dataclass costs more to make)."""

    first: int  # index of the first token
    last: int  # index of the last token (inclusive)
    payload: P


# A node of PhraseIndex's word trie: the payloads of the phrase ending here (empty: none does), and the
# nodes of the words that may come next (None: none).
_Node = tuple[tuple[Any, ...], "dict[str, _Node] | None"]


class PhraseIndex(Generic[P]):
    """Finds every phrase (a tuple of word keys) in a story's word keys: one dictionary look-up per word for
    the phrases that start with it, then a walk down a trie of the words that follow, one look-up per word
    while some phrase still goes on (not a comparison per phrase: a dateline's "san" starts hundreds).

    A phrase whose last key ends with ``*`` is a prefix pattern: its last word only has to start with it.
    """

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], P]],
                 compile_after: int | None = COMPILE_AFTER) -> None:
        """``compile_after``: look-ups answered in Python before the compiled trie is made (None: never made)."""
        grouped: dict[tuple[str, ...], list[P]] = {}
        for words, payload in phrases:
            if not words or any(not w for w in words):
                continue
            grouped.setdefault(tuple(words), []).append(payload)
        # first key -> (the keys after it, the last a prefix, payloads) for prefix phrases; a phrase of one
        # prefix key has no first word to look up: those are tried on every word
        trie: dict[str, list] = {}
        self._prefixed: dict[str, list[tuple[list[str], tuple[P, ...]]]] = {}
        self._prefixes: list[tuple[str, tuple[P, ...]]] = []
        for words, payloads in grouped.items():
            if not words[-1].endswith("*"):
                node = trie.setdefault(words[0], [[], {}])
                for word in words[1:]:
                    node = node[1].setdefault(word, [[], {}])
                node[0] = payloads
            elif len(words) == 1:
                self._prefixes.append((words[0][:-1], tuple(payloads)))
            else:
                self._prefixed.setdefault(words[0], []).append(([*words[1:-1], words[-1][:-1]], tuple(payloads)))
        self._trie: dict[str, _Node] = {word: _frozen(node) for word, node in trie.items()}
        self.size = len(grouped)
        self._compiled: tuple[Any, list[P]] | bool | None = None  # made when used (False: cannot be), not pickled
        self._uses = 0  # look-ups answered in Python before the compiled trie is made
        self._compile_after = compile_after

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_compiled": None, "_uses": 0}  # the compiled trie is made again where loaded

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compiled, self._uses = None, 0

    def find(self, word_keys: Sequence[str]) -> Iterator[Hit[P]]:
        if not self.size or not word_keys:
            return
        keys = word_keys if isinstance(word_keys, list) else list(word_keys)
        count = len(keys)
        found = list(map(self._trie.get, keys))
        for at in compress(range(count), found):
            node: _Node | None = found[at]
            last = at
            while node is not None:
                payloads, after = node
                for payload in payloads:
                    yield Hit(at, last, payload)
                last += 1
                node = after.get(keys[last]) if after is not None and last < count else None
        if self._prefixed:
            yield from self._find_prefixed(keys)
        for start, payloads in self._prefixes:
            for at in compress(range(count), [key.startswith(start) for key in keys]):
                for payload in payloads:
                    yield Hit(at, at, payload)

    def leftmost_longest(self, word_keys: Sequence[str]) -> list[Hit[P]]:
        """``find``'s hits ordered by first word, the longest first among those starting at one word (a
        phrase's payloads in the order given), as the leftmost-longest scan of a tagger reads them."""
        if self._prefixed or self._prefixes:
            return sorted(self.find(word_keys), key=lambda h: (h.first, -h.last))
        if not self.size or not word_keys:
            return []
        keys = word_keys if isinstance(word_keys, list) else list(word_keys)
        hits = self._compiled_hits(keys, False) if _compiled_trie is not None else None
        if hits is not None:
            return hits
        return self.python_leftmost_longest(keys)

    def leftmost_longest_folded(self, words: Words) -> list[Hit[P]]:
        """``leftmost_longest(words.folded)``; where the compiled core folds case as this Python does, it
        folds the words itself and ``words.folded`` is never made."""
        if _fold_in_core and words.words and self.size and not (self._prefixed or self._prefixes):
            hits = self._compiled_hits(words.words, True)  # counts this look-up toward COMPILE_AFTER once
            return hits if hits is not None else self.python_leftmost_longest(words.folded)
        return self.leftmost_longest(words.folded)

    def folded_triples(self, words: Words) -> Iterable[tuple[int, int, P]]:
        """``leftmost_longest_folded(words)`` as plain (first, last, payload) tuples: where the compiled trie
        answers, read off its flat answer without a ``Hit`` made for each name (a tagger only unpacks them)."""
        if _fold_in_core and words.words and self.size and not (self._prefixed or self._prefixes):
            found = self._compiled_flat(words.words, True)
            if found is None:
                return self.python_leftmost_longest(words.folded)
            flat, payloads = found
            return zip(flat[0::3], flat[1::3], map(payloads.__getitem__, flat[2::3]))
        return self.leftmost_longest(words.folded)

    def compiled_folding(self) -> tuple[Any, list[P]] | None:
        """The compiled trie and its payloads by number, for a caller that hands it words to case-fold itself
        (``folded_triples``'s work done elsewhere in the core); None where ``folded_triples`` would not ask it
        (the core folds otherwise, a prefix phrase) or it is not made yet (``folded_triples`` makes it)."""
        if not _fold_in_core or self._prefixed or self._prefixes:
            return None
        return self._compiled or None

    def _compiled_hits(self, keys: list[str], fold: bool) -> list[Hit[P]] | None:
        """``python_leftmost_longest(keys)`` (each key case-folded first with ``fold``) by the compiled trie,
        or None when it cannot answer (``_compiled_flat``)."""
        found = self._compiled_flat(keys, fold)
        if found is None:
            return None
        flat, payloads = found
        at = iter(flat)
        return [Hit(first, last, payloads[p]) for first, last, p in zip(at, at, at)]

    def _compiled_flat(self, keys: list[str], fold: bool) -> tuple[list[int], list[P]] | None:
        """The compiled trie's answer for ``keys`` (each case-folded first with ``fold``): (first, last, payload
        number) flat, and the payloads by number; None when it cannot answer: a key that is no str, a lone
        surrogate, a phrase word it cannot hold, or the trie is not made yet. It is made once the index has
        answered ``compile_after`` look-ups, so a short run (``wirewatch enrich`` of one story) does not pay
        for building it (the dateline names': ~30 ms)."""
        compiled = self._compiled
        if compiled is None:
            self._uses += 1
            if self._compile_after is None or self._uses < self._compile_after:
                return None
            compiled = self._compile()
        if not compiled:
            return None
        try:
            return compiled[0].leftmost_longest(keys, fold), compiled[1]
        except (TypeError, UnicodeEncodeError):
            return None

    def python_leftmost_longest(self, keys: list[str]) -> list[Hit[P]]:
        """``leftmost_longest`` of phrases without prefix patterns by the Python trie (the reference)."""
        count = len(keys)
        found = list(map(self._trie.get, keys))
        hits: list[Hit[P]] = []
        for at in compress(range(count), found):
            node: _Node | None = found[at]
            last, ends = at, []
            while node is not None:
                payloads, after = node
                if payloads:
                    ends.append((last, payloads))
                last += 1
                node = after.get(keys[last]) if after is not None and last < count else None
            for last, payloads in reversed(ends):
                hits.extend(Hit(at, last, payload) for payload in payloads)
        return hits

    def _compile(self) -> tuple[Any, list[P]] | bool:
        """The compiled trie (``wirewatch_native.PhraseTrie``) of these phrases and its payloads in the order
        it numbers them: the nodes flattened as (parent, word, payload count), parents first."""
        rows: list[tuple[int, str, int]] = []
        payloads: list[P] = []
        pending = [(0, self._trie)]
        while pending:
            parent, children = pending.pop()
            for word, (node_payloads, after) in children.items():
                if not isinstance(word, str):
                    self._compiled = False
                    return False
                rows.append((parent, word, len(node_payloads)))
                payloads.extend(node_payloads)
                if after:
                    pending.append((len(rows), after))
        try:
            self._compiled = (_compiled_trie(rows), payloads)
        except (ValueError, UnicodeEncodeError):  # a word the core cannot hold (a lone surrogate)
            self._compiled = False
        return self._compiled

    def _find_prefixed(self, keys: list[str]) -> Iterator[Hit[P]]:
        """The hits of phrases of two or more keys whose last is a prefix."""
        found = list(map(self._prefixed.get, keys))
        for at in compress(range(len(keys)), found):
            for rest, payloads in found[at]:  # type: ignore[union-attr]
                after = at + 1 + len(rest)
                if after <= len(keys) and keys[at + 1 : after - 1] == rest[:-1] and keys[after - 1].startswith(rest[-1]):
                    for payload in payloads:
                        yield Hit(at, after - 1, payload)


# The compiled core's phrase trie class (native/src/phrases.rs), None where the core is not built, is older or
# is turned off (WIREWATCH_NATIVE=0): ``PhraseIndex`` then walks its Python trie.
_compiled_trie = getattr(wirewatch_native, "PhraseTrie", None) if wanted() else None
_fold_in_core = _compiled_trie is not None and _compiled_split is not None  # its Unicode tables are this Python's


def _frozen(node: list) -> _Node:
    """A trie node built as lists, as the tuples ``PhraseIndex.find`` reads."""
    payloads, after = node
    return tuple(payloads), ({word: _frozen(child) for word, child in after.items()} if after else None)
