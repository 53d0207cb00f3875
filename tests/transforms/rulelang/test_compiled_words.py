"""The compiled word splitter and case folding (native/src/words.rs) against Python's, the reference:
``words.python_split``/``python_starts`` (``\\w`` as Python's ``re`` has it, apostrophes, the possessive 's,
a character a word in unspaced scripts), ``transforms.tokens``' regex without the pieces, and
``str.casefold``, on arbitrary Unicode and on every code point."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import skip_unless_required
from wirewatch.transforms.rulelang import compiled, words
from wirewatch.transforms.tokens import _WORD_NO_POSSESSIVE

split_words = compiled.word_splitter()
if split_words is None:
    skip_unless_required("the compiled core (wirewatch_native) is not built for this Python's Unicode database "
                         "(needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE", module=True)

# The characters where the rules are subtle, drawn often beside arbitrary text: apostrophes and the s of a
# possessive, combining marks, digits of other scripts and other numerals, the underscore, Han, kana, Hangul
# and its jamo, right-to-left letters and marks, characters casefold changes (ß, ﬀ, İ, final sigma, Cherokee),
# joiners and spaces.
TRICKY = ("'’sS _ aZ09 \u0301\u0308\u20dd ٣߀२৩¹½Ⅻ〇 北京大学中 ひらカタｶ 미사일을각ㄱ עברית العربية\u200f\u200e "
          "ßẞﬀﬁİıΣσςᏸꭰǅ \u200d\u200c\u00a0\u3000-.,;:!?")
CHARS = st.text(st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs",))), max_size=60)
# Texts made of pieces that make the possessive and apostrophe cases: words, an s, quotes, a mark, a space.
PIECES = st.lists(st.one_of(st.sampled_from(["Korea", "O", "x", "s", "S", "'", "’", "'s", "’S", "''", " ", "-", "_", "9",
                                             "٣", "北京", "미사일", "ßﬀİ", "\u0301", "עברית", "t"]),
                            st.characters(exclude_categories=("Cs",))), max_size=12).map("".join)
TEXT = st.one_of(CHARS, PIECES)


def python_pieces(text: str) -> tuple[list[str], list[int]]:
    return words.python_split(text), words.python_starts(text)


def python_tokens(text: str) -> tuple[list[str], list[int]]:
    found = list(_WORD_NO_POSSESSIVE.finditer(text))
    return [m.group(1) for m in found], [m.start() for m in found]


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_the_compiled_splitter_splits_as_python(text):
    assert split_words(text) == python_pieces(text)
    assert split_words(text, pieces=False) == python_tokens(text)


@settings(max_examples=1000, deadline=None)
@given(TEXT)
def test_the_compiled_folding_is_casefold(text):
    assert compiled.wirewatch_native.casefold(text) == text.casefold()


@pytest.mark.parametrize("text, expected", [
    ("Korea's O'Neill rock'n'roll x's l’S s's Korea's's ’tis 'quoted' a''b",
     ["Korea", "O'Neill", "rock'n'roll", "x", "l", "s", "Korea's", "tis", "quoted", "a", "b"]),
    ("北京大学 talks 미사일을 snake_case café e\u0301 ٣٣ x²", ["北", "京", "大", "学", "talks", "미", "사", "일", "을",
                                                           "snake_case", "café", "e", "٣٣", "x²"]),
])
def test_known_splits(text, expected):
    assert split_words(text)[0] == expected == words.python_split(text)


def test_every_code_point_is_a_word_character_as_python_says_and_folds_as_casefold():
    every = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    assert compiled.wirewatch_native.UNICODE_VERSION == unicodedata.unidata_version
    assert split_words(" ".join(every), pieces=False)[0] == [c for c in every if re.fullmatch(r"\w", c)]
    assert compiled.wirewatch_native.casefold("\0".join(every)) == "\0".join(c.casefold() for c in every)


def test_split_uses_the_compiled_splitter_and_falls_back_on_a_lone_surrogate():
    assert words.compiled()
    assert words.split("a \ud800 b's") == ["a", "b"] == words.python_split("a \ud800 b's")
    assert words.starts("a \ud800 b's") == [0, 4]


def test_the_compiled_core_splits_the_texts_itself_with_the_same_matches():
    from wirewatch.records import Story
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rulelang.engine import Engine
    from wirewatch.transforms.rulelang.view import StoryView
    from wirewatch.transforms.rules import default_watchlist

    watchlist = default_watchlist()
    matcher = Matcher(watchlist, cache=None)
    assert matcher.engine._texts and matcher.engine._extra_streams  # other languages' stems too
    python = Matcher(watchlist, cache=None)
    python.engine = Engine(watchlist, cache=None, compiled=False)
    stories = [Story(id="en", title="Missile test", body="North Korea's missile test; troops withdrew.", language="en"),
               Story(id="de", title="Raketentest", body="Nordkorea testete Raketen. Truppen zogen ab.", language="de"),
               Story(id="xx", body="Nordkorea's Raketen, North Korea’s missile test 北朝鮮 ミサイル")]
    for story in stories:
        view = StoryView(story)
        made = matcher.engine.records(view, (1000, 20, 2000))
        assert view._words is None  # not split in Python
        assert made == python.match(story)
        assert made, story.id
