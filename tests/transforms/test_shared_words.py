"""The rule view reads the story's shared words (transforms.tokens.StoryWords) where it would split the same
words itself: matches and evidence spans are the same as when it splits, in every script."""

import pytest

from wirewatch.records import EnrichedStory, Story
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.rulelang.view import StoryView
from wirewatch.transforms.rules import load_watchlist
from wirewatch.transforms.tokens import StoryWords

RULES = """
rules:
  - id: missile
    query: '"Hwasong" OR missile* OR "North Korea" OR Kim OR 미사일 OR 导弹 OR ミサイル'
"""
STORIES = [
    Story(id="en", title="Kim’s missiles", dateline="SEOUL, March 3",
          body="North Korea's Hwasong-19 missile flew; Kim's 'missiles' and O'Neill's S.S Hwasong"),
    Story(id="ko", title="북한 미사일", body="북한이 미사일을 발사했다. North Korea's missile."),
    Story(id="zh", body="朝鲜发射导弹 North Korea", title="导弹"),
    Story(id="ja", body="北朝鮮がミサイルを発射 Hwasong", dateline="東京"),
    Story(id="empty", body="", title="missile"),
]


@pytest.fixture(params=["compiled", "python"])
def matcher(request, monkeypatch):
    if request.param == "python":  # the pure-Python engine reads the view's offsets for evidence spans
        monkeypatch.setenv("WIREWATCH_NATIVE", "0")
    return Matcher(load_watchlist(RULES, "shared.yaml"), cache=None)


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.id)
def test_matches_and_spans_from_shared_words_are_those_of_the_split(story, matcher):
    enriched = EnrichedStory(story)
    words = StoryWords(story)
    for field in ("dateline", "title", "body"):  # offsets made before the view, as the country tagger does
        if words.of(field):
            words.of(field).starts
    expected = matcher.match(enriched)
    assert expected  # each story has something to find
    assert matcher.match(enriched, words) == expected
    assert StoryView(enriched, words).words == StoryView(enriched).words
