from hypothesis import given
from hypothesis import strategies as st

from transforms.tokens import PhraseIndex, keys, phrase_keys, stem, tokenize

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
