"""The story view's scan lines and the engine's hit tables: the folded line is folded in one piece, key
offsets follow the folded lengths, and a candidate filter over many large sets keeps the same rules."""

from __future__ import annotations

from wirewatch.transforms.match import Matcher
from wirewatch.records import Story
from wirewatch.transforms.rulelang import words
from wirewatch.transforms.rulelang.engine import _without
from wirewatch.transforms.rulelang.syntax import FORM, STEM
from wirewatch.transforms.rulelang.view import StoryView
from wirewatch.transforms.rules import load_watchlist


def _keys_line(keys: list[str]) -> tuple[str, list[int]]:
    starts, at = [], 1
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    return " " + " ".join(keys) + " ", starts


def test_lines_and_offsets_match_the_keys_word_by_word():
    for text in ["Troops withdrew from Korea's border.", "STRASSE ﬀ İstanbul ΣΊΣΥΦΟΣ Zürich", ""]:
        view = StoryView(Story(id="s", title=text[:12], body=text))
        folded = [words.fold(w) for w in view.words]
        assert view.form_keys == folded
        assert (view.line(FORM), view.starts(FORM)) == _keys_line(folded)
        assert (view.line(STEM), view.starts(STEM)) == _keys_line(words.keys(view.words)[1])


def test_stem_keys_learn_unseen_words():
    fresh = ["Unseenwordzz", "unseenwordzzing"]
    assert words.stem_keys(fresh) == [words.stem_key(w) for w in fresh]


def test_without_removes_every_set():
    assert _without({1, 2, 3, 4}, [frozenset({1}), frozenset(range(3, 1000))]) == {2}
    assert _without({1}, []) == {1}


def test_non_ascii_prefix_and_case_terms_find_their_words():
    watchlist = load_watchlist("rules:\n  - id: a\n    query: 'straße* OR case:ΣΊΣΥΦΟΣ'\n"
                               "  - id: b\n    query: '\"ﬀ x\" OR zürich'\n")
    story = Story(id="s", body="Die Straßenbahn; ΣΊΣΥΦΟΣ. ﬀ x in Zürich")
    found = {m.rule: [s.text for s in m.spans] for m in Matcher(watchlist, cache=None).match(story)}
    assert found == {"a": ["Straßenbahn", "ΣΊΣΥΦΟΣ"], "b": ["ﬀ x", "Zürich"]}


def test_threshold_rules_fire_only_at_their_threshold():
    watchlist = load_watchlist("aliases:\n  al: [alpha, beta]\nrules:\n"
                               "  - id: t\n    threshold: 2\n    query: 'gamma^1 OR @al^0.5'\n"
                               "  - id: u\n    threshold: 2\n    query: 'gamma NEAR/2 delta'\n")
    matcher = Matcher(watchlist, cache=None)
    assert [m.rule for m in matcher.match(Story(id="s", body="gamma alpha"))] == []
    assert [(m.rule, m.score) for m in matcher.match(Story(id="s", body="gamma alpha beta"))] == [("t", 2.0)]
    assert [m.rule for m in matcher.match(Story(id="s", body="gamma x delta delta"))] == ["u"]
