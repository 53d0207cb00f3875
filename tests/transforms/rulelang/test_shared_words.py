"""The rule view reads the words the enrichment chain split once (transforms.tokens.StoryWords) instead of
splitting the story again: the same words, so the same matches, in every script."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.records import Story
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.rulelang.view import StoryView
from wirewatch.transforms.rules import default_watchlist, load_watchlist
from wirewatch.transforms.tokens import StoryWords

PIECES = ["Korea's", "missile", "ICBM", "troops'", "O'Brien's", "rock'n'roll", "Korea’s", "'s", "s", ",", ".",
          "—", "\n", "DF-41", "İstanbul", "Straße", "ﬀ", "导弹", "大陆间弹道ミサイル", "미사일을", "ロケット発射",
          "withdrew", "発射", "x_y", "٣٤", "e\u0301"]
text = st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(title=text, dateline=text, body=text)
def test_the_view_from_shared_words_is_the_view_from_the_text(title, dateline, body):
    story = Story(id="s", title=title or None, dateline=dateline or None, body=body)
    own, shared = StoryView(story), StoryView(story, StoryWords(story))
    assert shared.words == own.words and shared.bounds == own.bounds


def test_matches_from_shared_words_are_the_same():
    matcher = Matcher(default_watchlist(), cache=None)
    story = Story(id="s", title="North Korea's ICBM launch", body="Pyongyang launched an ICBM. 北朝鮮が弾道ミサイルを発射した。")
    expected = matcher.match(story)
    assert expected and matcher.match(story, StoryWords(story)) == expected


def test_words_of_another_story_are_not_read():
    matcher = Matcher(load_watchlist("rules:\n  - id: r\n    query: missile\n"), cache=None)
    story, other = Story(id="s", body="A missile flew."), Story(id="t", body="Nothing here.")
    assert [m.rule for m in matcher.match(story, StoryWords(other))] == ["r"]
    assert matcher.match(other, StoryWords(story)) == ()
