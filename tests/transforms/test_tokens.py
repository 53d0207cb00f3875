import sys
import threading

import pytest
import snowballstemmer
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import skip_unless_required
from wirewatch.records import Story
from wirewatch.transforms.tokens import PhraseIndex, StoryWords, Words, keys, phrase_keys, stem, tokenize

WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@given(st.text(max_size=200))
def test_token_offsets_point_at_the_token(text):
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text


def test_possessives_and_hyphens():
    assert [t.text for t in tokenize("North Korea’s Hwasong-19")] == ["North", "Korea", "Hwasong", "19"]


def test_stems_cover_inflections():
    assert stem("withdrawal") == stem("withdraws") == stem("Withdrawing") == stem("withdraw")


@given(st.lists(WORDS, max_size=30), st.lists(WORDS, min_size=1, max_size=3), st.integers(0, 30))
def test_an_inserted_phrase_is_found_at_its_place(words, phrase, at):
    at = min(at, len(words))
    text = words[:at] + phrase + words[at:]
    index = PhraseIndex([(tuple(phrase), "p")])
    hits = {(h.first, h.last) for h in index.find(text)}
    assert (at, at + len(phrase) - 1) in hits
    for first, last in hits:
        assert text[first : last + 1] == phrase


def test_prefix_patterns_match_word_starts_only():
    index = PhraseIndex([(("hwasong*",), "icbm")])
    words = keys(tokenize("the Hwasong-19 and Chwasong"), stemmed=False)
    assert [(h.first, h.last) for h in index.find(words)] == [(1, 1)]


def test_phrase_keys_stem_each_word():
    assert phrase_keys("withdrawal of troops", stemmed=True) == ("withdraw", "of", "troop")


def made_up_words(n: int, tag: str) -> list[str]:
    """``n`` distinct words no story or test has used (so no cache knows them), with common endings that
    send the stemmer down its longer paths."""
    endings = ["ing", "ations", "ness", "fully", "ies", "ement", "izational", "ed", "s", "ousness", "alli"]
    out = []
    for i in range(n):
        k, root = i, ""
        while True:
            root += "bcdfghklmnprstvz"[k % 16] + "aeiou"[k % 5]
            k //= 16
            if not k:
                break
        out.append(f"q{tag}{root}{endings[i % len(endings)]}")
    return out


def in_threads(fn, inputs: list) -> list:
    """``fn`` of each input, each in its own thread, started together and switching as often as the
    interpreter allows (so a shared mutable stemmer is interleaved mid-word). Errors are returned."""
    results: list = [None] * len(inputs)
    barrier = threading.Barrier(len(inputs))

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(inputs[i])
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[i] = exc

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return results


def test_stemming_in_threads_gives_the_single_thread_stems_and_keeps_the_cache_clean():
    reference = snowballstemmer.stemmer("english")  # private to this thread
    lists = [made_up_words(1500, tag) for tag in "abcdefgh"]
    results = in_threads(lambda ws: [stem(w) for w in ws], lists)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    wrong = [(w, s) for ws, got in zip(lists, results) for w, s in zip(ws, got) if s != reference.stemWord(w)]
    assert not wrong, wrong[:5]
    # and what the threads left in the cache is right too
    assert [stem(w) for ws in lists for w in ws] == [reference.stemWord(w) for ws in lists for w in ws]


# Text with the characters that decide word edges: apostrophes (both), possessives, digits, underscores,
# accents, letters whose case folding changes length (ß, ﬀ, İ), Greek final sigma, Han and Hangul, spaces.
EDGY = st.text(alphabet="aSsbK'’ _-9ßﬀİΣςé中한\n\t.", max_size=60)


def _both_splits(text):
    """``Words(text)`` as the compiled splitter makes it (where the core is built) and as the regexes do."""
    from wirewatch.transforms import tokens

    compiled = tokens._compiled_split
    made = [Words(text)] if compiled is not None else []
    tokens._compiled_split = None
    try:
        made.append(Words(text))
    finally:
        tokens._compiled_split = compiled
    return made


def test_the_compiled_splitter_splits_the_words_where_the_core_is_built():
    from wirewatch.transforms import tokens
    from wirewatch.transforms.rulelang.compiled import wanted

    assert (tokens._compiled_split is not None) == wanted()


# Text with the characters that decide word edges: apostrophes (both), possessives, digits, underscores,
# accents, letters whose case folding changes length (ß, ﬀ, İ), Greek final sigma, Han and Hangul, spaces,
# and a lone surrogate (which the compiled splitter cannot read).
EDGY = st.text(alphabet="aSsbK'’ _-9ßﬀİΣςé中한\n\t.\ud800", max_size=60)


@given(EDGY)
def test_shared_words_are_the_tokens(text):
    tokens = tokenize(text)
    for words in _both_splits(text):
        assert words.words == [t.text for t in tokens]
        assert words.starts == [t.start for t in tokens]
        assert [words.end(i) for i in range(len(words))] == [t.end for t in tokens]
        assert words.folded == keys(tokens, stemmed=False)


@given(st.text(alphabet="aSsbK _-9ßﬀİΣςé中한\n\t.", max_size=60))
def test_shared_words_of_text_without_apostrophes_are_the_tokens(text):
    # such text is split by a simpler pattern
    for words in _both_splits(text):
        assert words.words == [t.text for t in tokenize(text)]
        assert words.starts == [t.start for t in tokenize(text)]


# ASCII text, which the compiled splitter reads from a bit a byte, 64 bytes to a word of bits: runs, apostrophes
# and possessives across those words' edges too (texts of up to some 400 bytes).
ASCII_PIECES = st.lists(st.sampled_from(["Korea", "x", "s", "S", "'", "'s", "'S", "''", " ", "  ", "-", "_", "9",
                                         "t", "\n", ".", "abcdefghijklmnopqrstuvwxyz0123456789_ABCDEFGHIJKLMNOPQRSTUVW",
                                         " " * 61]), max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(ASCII_PIECES)
def test_the_compiled_splitter_splits_ascii_text_as_the_regexes(text):
    from wirewatch.transforms import tokens
    from wirewatch.transforms.rulelang import words as rule_words

    if tokens._compiled_split is None:
        skip_unless_required("the compiled core (wirewatch_native) is not built for this Python's Unicode database "
                             "(needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    found = list(tokens._WORD_NO_POSSESSIVE.finditer(text))
    assert tokens._compiled_split(text, False) == ([m.group(1) for m in found], [m.start() for m in found])
    assert tokens._compiled_split(text, True) == (rule_words.python_split(text), rule_words.python_starts(text))


def test_shared_words_on_possessives_and_apostrophes():
    text = "Korea's O'Neill's rock'n'roll x's's Paris’ James’s 'twas ‘Iran’s’ KOREA’S Sam's Sam 9'S.S"
    for words in _both_splits(text):
        assert words.words == [t.text for t in tokenize(text)]
        assert words.words == ["Korea", "O'Neill", "rock'n'roll", "x's", "Paris", "James", "twas", "Iran", "KOREA",
                               "Sam", "Sam", "9", "S"]
        assert words.starts == [t.start for t in tokenize(text)]  # "9'S.S": the second S, not the possessive's


def _every_phrase_at_every_word(phrases, keys):
    """What PhraseIndex.find must find, the slow way: each phrase tried at each word."""
    found = set()
    for words, payload in phrases:
        for at in range(len(keys) - len(words) + 1):
            got = keys[at : at + len(words)]
            if all(k.startswith(w[:-1]) if w.endswith("*") else k == w for k, w in zip(got, words)):
                found.add((at, at + len(words) - 1, payload))
    return found


@given(st.lists(st.sampled_from(["a", "b", "ab", "c"]), max_size=30),
       st.lists(st.lists(st.sampled_from(["a", "b", "ab", "a*", "b*"]), min_size=1, max_size=3), max_size=6))
@example(["c", "a", "ab", "b"], [["a", "a*"], ["a*", "b"], ["ab*"]])
def test_the_phrase_index_finds_what_trying_every_phrase_at_every_word_finds(keys, phrases):
    # "*" only ends a phrase: in the middle it is a literal that no key holds
    phrases = [(tuple(p), i) for i, p in enumerate(phrases) if not any(w.endswith("*") for w in p[:-1])]
    hits = list(PhraseIndex(phrases).find(keys))
    assert len(hits) == len({(h.first, h.last, h.payload) for h in hits})
    assert {(h.first, h.last, h.payload) for h in hits} == _every_phrase_at_every_word(phrases, keys)


@given(st.lists(st.sampled_from(["a", "b", "ab", "c"]), max_size=30),
       st.lists(st.tuples(st.lists(st.sampled_from(["a", "b", "ab"]), min_size=1, max_size=3), st.integers(0, 3)),
                max_size=8),
       st.booleans())
def test_leftmost_longest_is_find_ordered_by_start_then_longest_first(keys, phrases, prefix):
    # several payloads per phrase keep their order; with a prefix phrase the index sorts find's hits instead
    index = PhraseIndex([(tuple(p), n) for p, n in phrases] + ([(("b*",), "prefix")] if prefix else []))
    hits = list(index.find(keys))
    assert index.leftmost_longest(keys) == sorted(hits, key=lambda h: (h.first, -h.last))


def test_story_words_are_made_once_per_field():
    story = Story(id="x", title="Iran’s oil", body="Crude rose.")
    words = StoryWords(story)
    assert words.of("title") is words.of("title")
    assert words.of("title").words == ["Iran", "oil"]
    assert words.of("dateline") is None


def test_the_compiled_stemmers_give_the_pure_python_stems():
    """PyStemmer (used where installed) and snowballstemmer's pure-Python classes must agree on every word of
    the test stories, in each language the tagger and the rule language stem."""
    import importlib
    import json
    import re
    from pathlib import Path

    Stemmer = pytest.importorskip("Stemmer")
    from wirewatch.transforms.gazetteer_langs import _SNOWBALL
    from wirewatch.transforms.rulelang.syntax import LANGUAGES

    data = Path(__file__).resolve().parent.parent / "data"
    text = " ".join(json.dumps(json.loads(line), ensure_ascii=False) for path in sorted(data.rglob("*.jsonl"))
                    for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    vocabulary = sorted({w.casefold() for w in re.findall(r"\w+", text)})
    assert len(vocabulary) > 3000
    for algorithm in sorted({"english", *_SNOWBALL.values(), *filter(None, LANGUAGES.values())}):
        module = importlib.import_module(f"snowballstemmer.{algorithm}_stemmer")
        pure = next(getattr(module, n) for n in dir(module) if n.casefold() == f"{algorithm}stemmer")()
        compiled = Stemmer.Stemmer(algorithm)
        wrong = [w for w in vocabulary if compiled.stemWord(w) != pure.stemWord(w)]
        assert not wrong, (algorithm, wrong[:5])


KEY = st.one_of(st.sampled_from(["a", "b", "ab", "new", "york", "é", "ß"]),
                st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=4))


@settings(max_examples=500, deadline=None)
@given(st.lists(KEY, max_size=40),
       st.lists(st.tuples(st.lists(KEY, min_size=1, max_size=4), st.integers(0, 5)), max_size=12))
def test_the_compiled_phrase_trie_finds_what_the_python_trie_finds(keys, phrases):
    from wirewatch.transforms import tokens

    if tokens._compiled_trie is None:
        skip_unless_required("the compiled core (wirewatch_native) with PhraseTrie is not built (needs cargo; "
                             "scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    # phrases often start where others do and run on in the keys: cut some from the keys themselves
    phrases = [(tuple(p), n) for p, n in phrases]
    phrases += [(tuple(keys[i : i + 1 + n % 3]), n) for i, n in zip(range(0, len(keys), 3), range(7))]
    phrases = [(p, n) for p, n in phrases if not p[-1].endswith("*")]  # prefix patterns: sorted find's hits
    index = PhraseIndex(phrases)
    assert index._compile()  # at once, not after COMPILE_AFTER look-ups
    assert index.leftmost_longest(keys) == index.python_leftmost_longest(keys)


def test_the_compiled_phrase_trie_is_made_again_after_pickling(monkeypatch):
    import pickle

    from wirewatch.transforms import tokens

    index = PhraseIndex([(("new", "york"), "NY"), (("new", "york", "city"), "NYC"), (("york",), "Y")])
    keys = ["in", "new", "york", "city", "york"]
    expected = [(1, 3, "NYC"), (1, 2, "NY"), (2, 2, "Y"), (4, 4, "Y")]
    for _ in range(tokens.COMPILE_AFTER + 1):  # answered in Python first, then by the compiled trie
        assert index.leftmost_longest(keys) == expected
    assert bool(index._compiled) == (tokens._compiled_trie is not None)
    again = pickle.loads(pickle.dumps(index))
    assert again._compiled is None and again._uses == 0
    if tokens._compiled_trie is not None:
        assert again._compile()
    assert again.leftmost_longest(keys) == expected
    monkeypatch.setattr(tokens, "_compiled_trie", None)  # without the core (WIREWATCH_NATIVE=0): the Python trie
    assert PhraseIndex([(("new", "york"), "NY"), (("new", "york", "city"), "NYC"), (("york",), "Y")]) \
        .leftmost_longest(keys) == expected


def test_a_folded_look_up_counts_once_toward_compiling():
    from wirewatch.transforms import tokens

    if not tokens._fold_in_core:
        pytest.skip("the compiled core does not fold here: folded look-ups go through leftmost_longest")
    index = PhraseIndex([(("new", "york"), "NY"), (("york",), "Y")])
    words = Words("In New York")
    for _ in range(tokens.COMPILE_AFTER - 1):
        assert index.leftmost_longest_folded(words) == [(1, 2, "NY"), (2, 2, "Y")]
    assert index._compiled is None  # answered in Python so far
    assert index.leftmost_longest_folded(words) == [(1, 2, "NY"), (2, 2, "Y")]
    assert index._compiled



def test_an_index_made_never_to_compile_answers_in_python_every_time():
    from wirewatch.transforms import tokens

    index = PhraseIndex([(("new", "york"), "NY"), (("york",), "Y")], compile_after=None)
    words = Words("In New York")
    for _ in range(tokens.COMPILE_AFTER + 5):
        assert list(index.folded_triples(words)) == [(1, 2, "NY"), (2, 2, "Y")]
        assert index.leftmost_longest(["new", "york"]) == [(0, 1, "NY"), (1, 1, "Y")]
    assert index._compiled is None and index.compiled_folding() is None

CASES = "aZ ßẞﬀﬁİıΣσςᏸꭰǅ ÉéNew York"


@settings(max_examples=500, deadline=None)
@given(st.text(st.one_of(st.sampled_from(CASES), st.characters(exclude_categories=("Cs",))), max_size=80),
       st.lists(st.integers(0, 40), max_size=8))
def test_the_compiled_trie_folds_the_words_as_python_does(text, cuts):
    from wirewatch.transforms import tokens

    if not tokens._fold_in_core:
        skip_unless_required("the compiled core (wirewatch_native) with PhraseTrie is not built for this Python's "
                             "Unicode database (needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    words = Words(text)
    folded = Words(text).folded
    phrases = [(tuple(folded[at : at + 1 + at % 3]), at) for at in cuts if at < len(folded)]
    phrases += [(("ss",), "ß"), (("new", "york"), "NY"), (("i̇",), "İ")]
    index = PhraseIndex(phrases)
    assert index._compile()
    assert index.leftmost_longest_folded(words) == index.python_leftmost_longest(folded)
    assert words._folded is None or not words.words  # the compiled trie folded them itself


def test_the_compiled_trie_finds_every_first_word_of_a_large_index_in_every_case():
    # the compiled trie skips a word whose folded form's filter bit is clear: no first word may be skipped,
    # whatever its case or script (thousands of first words: a filter of many bits, as the gazetteer's)
    import random

    from wirewatch.transforms import tokens

    if not tokens._fold_in_core:
        skip_unless_required("the compiled core (wirewatch_native) with PhraseTrie is not built for this Python's "
                             "Unicode database (needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    rng = random.Random(17)
    letters = "abcdefghijklmnopqrstuvwxyzéüßçøñσиж"
    firsts = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 12))).casefold() for _ in range(6000)})
    index = PhraseIndex([((w,), w) for w in firsts] + [((w, "city"), w + " city") for w in firsts[::7]])
    assert index._compile()
    for written in (firsts, [w.upper() for w in firsts], [w.title() for w in firsts]):
        words = Words(" ".join(written + ["city"]))
        assert words.words == written + ["city"]
        assert index.leftmost_longest_folded(words) == index.python_leftmost_longest(words.folded)
        assert len({h.first for h in index.leftmost_longest_folded(words)}) == len(firsts)


_WORDS = st.lists(st.one_of(
    st.sampled_from(["Running", "runs", "RAN", "Ministers", "ministers", "Straße", "İstanbul", "fuͤr", "ﬁnance"]),
    st.text(st.characters(categories=("Lu", "Ll", "Lt", "Nd")), min_size=1, max_size=12),
), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_WORDS, st.booleans())
def test_stems_of_many_words_are_each_words_stem(ws, cold):
    # the definition: the Snowball stem of the case-folded word; some words cached already, some not
    from wirewatch.transforms import tokens

    if cold:
        tokens._stem_cache.clear()
    for w in ws[: len(ws) // 3]:
        stem(w)
    english = snowballstemmer.stemmer("english")
    assert tokens.stems(ws) == [english.stemWord(w.casefold()) for w in ws]


@settings(max_examples=300, deadline=None)
@given(_WORDS, st.booleans())
def test_rule_stem_keys_of_new_words_are_each_words_stem_key(ws, cold):
    from wirewatch.transforms import tokens
    from wirewatch.transforms.rulelang import words

    if cold:
        words._stem_cache.clear()
        tokens._stem_cache.clear()
    for w in ws[: len(ws) // 3]:
        words.stem_key(w)
    english = snowballstemmer.stemmer("english")
    assert words.stem_keys(ws) == [english.stemWord(w.casefold()) for w in ws]
    assert all(words._stem_cache[w] == english.stemWord(w.casefold()) for w in ws)  # and remembered


@settings(max_examples=300, deadline=None)
@given(_WORDS, st.booleans(), st.sampled_from(["en", "fr", "de"]))
def test_the_stems_the_compiled_core_asks_for_are_each_words_stem_key(ws, cold, language):
    from wirewatch.transforms import tokens
    from wirewatch.transforms.rulelang import words

    if cold:
        words._stem_cache.clear()
        tokens._stem_cache.clear()
    for w in ws[: len(ws) // 3]:
        words.stem_in(w, language)
    assert words.core_stems(ws, language) == [words.stem_in(w, language) for w in ws]



def test_the_compiled_stemmer_keeps_no_cache_of_its_own():
    from wirewatch.transforms import tokens

    if tokens._compiled_stemmer is None:
        pytest.skip("PyStemmer is not installed: the pure-Python stemmer keeps no cache")
    for algorithm in ("english", "german"):
        assert tokens.snowball(algorithm).maxCacheSize == 0  # the callers cache; PyStemmer's own costs more

def test_stems_without_pystemmer_as_tokens_imports_it(monkeypatch):
    # snowballstemmer's own stemmer (it hands out PyStemmer's where that is installed) stems many words alike
    from wirewatch.transforms import tokens

    monkeypatch.setattr(tokens, "_compiled_stemmer", None)
    monkeypatch.setattr(tokens._local, "stemmers", {}, raising=False)
    tokens._stem_cache.clear()
    ws = ["Running", "Ministers", "Straße", "generously", "runs"]
    assert tokens.stems(ws) == [snowballstemmer.stemmer("english").stemWord(w.casefold()) for w in ws]


@settings(max_examples=400, deadline=None)
@given(st.text(st.one_of(st.sampled_from(CASES), st.characters(exclude_categories=("Cs",))), max_size=80),
       st.lists(st.integers(0, 40), max_size=8), st.sampled_from(["python", "compiled", "cannot", "prefix"]))
@example("in New York, NEW YORK and york", [1, 4], "compiled")
@example("in New York, NEW YORK and york", [1, 4], "python")
@example("in New York, NEW YORK and york", [1, 4], "prefix")
def test_folded_triples_are_the_folded_hits(text, cuts, stage):
    # by the Python trie (not compiled yet, or it cannot be), by the compiled one, or with a prefix pattern
    from wirewatch.transforms import tokens

    folded = Words(text).folded
    phrases = [(tuple(folded[at : at + 1 + at % 3]), at) for at in cuts if at < len(folded)]
    phrases += [(("ss",), "ß"), (("new", "york"), "NY"), (("i̇",), "İ")]
    if stage == "prefix":
        phrases.append((("new", "yo*"), "NY*"))
    index = PhraseIndex(phrases)
    if stage == "compiled" and tokens._compiled_trie is not None:
        assert index._compile()
    if stage == "cannot":
        index._compiled = False
    expected = index.leftmost_longest(folded) if stage == "prefix" else index.python_leftmost_longest(folded)
    assert [tuple(t) for t in index.folded_triples(Words(text))] == [tuple(h) for h in expected]
