"""The fingerprint's features computed from the shared word form equal the word-by-word definitions."""

import itertools

import numpy as np
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import skip_unless_required
from wirewatch.records import Story
from wirewatch.transforms import dedupe
from wirewatch.transforms.dedupe import _numbers, fingerprint, minhash
from wirewatch.transforms.tokens import StoryWords, tokenize

WORD = st.text(alphabet="ab9Zé中_ß'", min_size=1, max_size=5)


def shingle_hashes(words: list[str]) -> list[int]:
    """The definition: each run of SHINGLE words joined by spaces, as UTF-8, hashed."""
    n = max(1, len(words) - dedupe.SHINGLE + 1)
    return [xxhash.xxh64_intdigest(" ".join(words[i : i + dedupe.SHINGLE]).encode()) for i in range(n)]


def signature(words: list[str]) -> bytes:
    hashes = np.array(shingle_hashes(words), dtype=np.uint64)
    with np.errstate(over="ignore"):
        permuted = (hashes[:, None] * dedupe._A[None, :] + dedupe._B[None, :]) >> np.uint64(32)
    return permuted.min(axis=0).astype("<u4").tobytes()


@given(st.lists(WORD, max_size=12))
def test_minhash_hashes_each_run_of_three_words(words):
    assert minhash(words) == signature(words)


@given(st.lists(st.text(alphabet="a9²_'é", min_size=1, max_size=4), max_size=80))
def test_numbers_are_the_first_distinct_words_with_a_digit(words):
    expected = dict.fromkeys(w for w in words if any(c.isdigit() for c in w))
    assert _numbers(words) == frozenset(itertools.islice(expected, dedupe.MAX_NUMBERS))


def test_numbers_stop_at_the_cap():
    words = [f"n{i}" for i in range(200)]
    assert _numbers(words) == frozenset(words[: dedupe.MAX_NUMBERS])


@given(st.text(alphabet="ab Zé9'’ß.\n", max_size=80), st.text(alphabet="Ab 9", max_size=20))
def test_fingerprint_from_shared_words_is_the_fingerprint_of_the_tokens(body, title):
    story = Story(id="x", title=title or None, body=body)
    words = [t.text.casefold() for t in tokenize(body)]
    if len(words) < 40 and title:
        words = [t.text.casefold() for t in tokenize(title)] + words
    fp = fingerprint(story, StoryWords(story))
    assert fp.exact == xxhash.xxh3_128_hexdigest(" ".join(words).encode())
    assert fp.minhash == signature(words)
    assert fp == fingerprint(story)


def test_a_fingerprint_pickles_as_its_values():
    import pickle

    fp = fingerprint(Story(id="x", title="Seoul", body="North Korea fired 3 missiles on Monday"))
    assert fp.__getstate__() == (fp.exact, fp.minhash, fp.numbers, fp.shingles)
    assert pickle.loads(pickle.dumps(fp)) == fp


# Words of arbitrary Unicode (no lone surrogates: UTF-8 has none) and lists long and short, so the shingles
# come one, two or three words long and the compiled core's four lanes end on every remainder.
ANY_WORD = st.one_of(WORD, st.text(st.characters(exclude_categories=("Cs",)), max_size=6))


@settings(max_examples=1500, deadline=None)
@given(st.lists(ANY_WORD, max_size=40))
def test_the_compiled_minhash_is_the_python_one(words):
    if dedupe._compiled_minhash is None:
        skip_unless_required("the compiled core (wirewatch_native) with MinHash is not built (needs cargo; "
                             "scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    assert dedupe._compiled_minhash(words) == dedupe.python_minhash(words) == signature(words)


def test_minhash_takes_the_python_path_without_the_core(monkeypatch):
    words = "the bank of japan raised rates".split()
    expected = dedupe.python_minhash(words)
    monkeypatch.setattr(dedupe, "_compiled_minhash", None)
    assert minhash(words) == expected
    assert minhash(tuple(words)) == expected  # not a list: the Python path, whatever the core


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet="a9_'Z0x", min_size=1, max_size=4), max_size=120))
def test_numbers_of_ascii_words_in_one_pass_are_the_numbers(words):
    assert dedupe._numbers_of_ascii(" ".join(words)) == _numbers(words)


# Text where case folding, digits and word splitting are subtle: folding that lengthens (ß, ﬀ, İ), other
# scripts' digits and numerals (str.isdigit's, not only 0-9), apostrophes, possessives.
FOLDING = "aZ9 ßẞﬀİıΣς٣²½Ⅻ北京 '’sS\n.-"


@settings(max_examples=1500, deadline=None)
@given(st.text(st.one_of(st.sampled_from(FOLDING), st.characters(exclude_categories=("Cs",))), max_size=300),
       st.text(st.sampled_from(FOLDING), max_size=30))
def test_the_compiled_fingerprint_is_the_python_one(body, title):
    if dedupe._compiled_fingerprint is None:
        skip_unless_required("the compiled core (wirewatch_native) with MinHash.fingerprint is not built for this "
                             "Python's Unicode database (needs cargo; scripts/bootstrap)",
                             required_by="WIREWATCH_REQUIRE_NATIVE")
    story = Story(id="x", title=title or None, body=body)
    assert fingerprint(story, StoryWords(story)) == dedupe.python_fingerprint(story, StoryWords(story))


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["Seoul", "fired", "3", "ß", "İ", "北京", "x9", "O'Neil", "Korea's", "’s", "s"]),
                min_size=dedupe.SHORT_ITEM - 3, max_size=dedupe.SHORT_ITEM + 2),
       st.sampled_from(["", " ", ", ", "'s "]), st.sampled_from([None, "", "UPDATE 2-Seoul fires", "Ｓeoul ß"]))
def test_the_fingerprint_of_the_texts_is_the_fingerprint_of_the_words(words, gap, title):
    """The core splitting the body and the title itself (the title's words first below SHORT_ITEM body
    words) gives the fingerprint it gives of the words Words splits."""
    if dedupe._compiled_fingerprint_text is None:
        skip_unless_required("the compiled core's MinHash.fingerprint_text is not built for this Python's "
                             "Unicode database (needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    story = Story(id="x", title=title, body=gap.join(words) or "x")
    from_words = dedupe._compiled_fingerprint(dedupe._words(story, StoryWords(story), False), dedupe.MAX_NUMBERS)
    assert dedupe._compiled_fingerprint_text(story.body, story.title or None, dedupe.SHORT_ITEM,
                                             dedupe.MAX_NUMBERS) == from_words
    assert fingerprint(story) == dedupe.python_fingerprint(story)


def test_a_lone_surrogate_is_fingerprinted_by_python():
    story = Story(id="x", title="Seoul", body="North Korea fired \ud800 3 missiles")
    assert fingerprint(story) == dedupe.python_fingerprint(story)


def test_many_numbers_stop_at_the_cap_in_the_compiled_fingerprint_too():
    story = Story(id="x", body=" ".join(f"n{i % 100}" for i in range(300)))
    assert fingerprint(story).numbers == dedupe.python_fingerprint(story).numbers == frozenset(
        f"n{i}" for i in range(dedupe.MAX_NUMBERS))
