"""The rule language, feature by feature: what each construct finds and what it must not."""

from __future__ import annotations

import pytest

from wirewatch.transforms.match import Matcher
from wirewatch.records import CountryTag, EnrichedStory, Story
from wirewatch.transforms.rules import load_watchlist


def fired(rules: str, body: str, *, title: str | None = None, **facts) -> dict:
    watchlist = load_watchlist(rules, "t.yaml")
    story = Story(id="x", body=body, title=title, source=facts.pop("source", None),
                  credit=facts.pop("credit", None), language=facts.pop("language", None),
                  dateline=facts.pop("dateline", None))
    countries = tuple(CountryTag(c, 1.0) for c in facts.pop("countries", ()))
    item = EnrichedStory(story, countries, tuple(facts.pop("regions", ())))
    return {m.rule: m for m in Matcher(watchlist, cache=None).match(item)}


def one(query: str, **extra: str) -> str:
    lines = [f"    {k}: {v}" for k, v in extra.items()]
    return "rules:\n  - id: r\n    query: " + repr(query).replace("\\\\", "\\") + "\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", ["They withdraw.", "It withdraws.", "France withdrew.", "It was withdrawn.",
                                  "Withdrawing now.", "The withdrawal began."])
def test_a_plain_word_finds_its_inflections(text):
    assert "r" in fired(one("withdraw"), text)


@pytest.mark.parametrize("text, hit", [("France withdrew.", True), ("They withdraw.", False), ("withdrawal", False)])
def test_equals_sign_keeps_one_form(text, hit):
    assert ("r" in fired(one("=withdrew"), text)) is hit


@pytest.mark.parametrize("text, hit", [("The ICBM flew.", True), ("Two ICBMs flew.", False), ("icbm.dat", False),
                                       ("The Icbm flew.", False)])
def test_case_modifier_wants_the_written_capitals(text, hit):
    assert ("r" in fired(one("case:ICBM"), text)) is hit


@pytest.mark.parametrize("text", ["The ICBM flew.", "Two ICBMs flew.", "an icbm test", "The Icbm flew."])
def test_terms_ignore_case_by_default(text):
    assert "r" in fired(one("ICBM"), text)


def test_prefix_wildcard():
    assert "r" in fired(one("Hwasong*"), "The Hwasong-19 flew.")
    assert "r" in fired(one('"solid fuel*"'), "A solid fuelled rocket.")
    assert "r" not in fired(one("Hwasong*"), "The Hwa song was sung.")


def test_aliases_as_expressions_lists_and_references():
    rules = """
aliases:
  a: ICBM | "intercontinental ballistic missile"
  b: [DF-41, "@a"]
rules:
  - id: r
    query: '@b'
"""
    assert "r" in fired(rules, "China tested a DF-41.")
    assert "r" in fired(rules, "An intercontinental ballistic missile flew.")
    assert "r" not in fired(rules, "A DF-21 flew.")


@pytest.mark.parametrize("query, text, hit", [
    ("withdraw NEAR/2 troops", "troops will withdraw", True),  # any order
    ("withdraw NEAR/2 troops", "withdraw all the troops", True),  # two words between
    ("withdraw NEAR/1 troops", "withdraw all the troops", False),
    ("withdraw ONEAR/3 troops", "troops will withdraw", False),  # ONEAR keeps the order
    ("(nuclear ONEAR/1 test) NEAR/4 Korea", "Korea held a nuclear weapons test", True),  # nested
    ("(nuclear ONEAR/1 test) NEAR/1 Korea", "Korea, after weeks of talk, held a nuclear test", False),
    ("coup AND NOT golf", "A golf coup.", False),
    ("coup AND NOT golf", "A coup in the capital.", True),
    ("(coup OR putsch) AND army", "The army staged a putsch.", True),
    ('"pull out" NEAR/3 troops', "They pulled out the troops.", True),
])
def test_operators(query, text, hit):
    assert ("r" in fired(one(query), text)) is hit


def test_near_never_crosses_fields():
    assert "r" not in fired(one("withdraw NEAR/3 troops"), "troops rested.", title="They withdraw")


def test_field_scopes():
    rules = one("title:missile AND body:(launch NEAR/3 rocket)")
    assert "r" in fired(rules, "They launch a rocket.", title="Missile news")
    assert "r" not in fired(rules, "A missile: they launch a rocket.", title="News")
    assert "r" in fired(one("dateline:Seoul"), "Text.", dateline="SEOUL, South Korea")


@pytest.mark.parametrize("query, facts, hit", [
    ("missile AND country:KP", {"countries": ("KP",)}, True),
    ("missile AND country:kp", {"countries": ("KR",)}, False),
    ('missile AND region:"eastern asia"', {"regions": ("Eastern Asia",)}, True),
    ('missile AND region:"Eastern Asia"', {"regions": ("Western Europe",)}, False),
    ("missile AND source:reuters", {"source": "feeds/reuters-world.xml"}, True),
    ("missile AND source:reuters", {"source": "apnews"}, False),
    ("missile AND credit:AP", {"credit": "AP"}, True),
    ("missile AND lang:en", {"language": "en-GB"}, True),
    ("missile AND lang:en", {"language": "fr"}, False),
    ("missile AND NOT country:US", {"countries": ("US",)}, False),
])
def test_predicates_on_enrichment(query, facts, hit):
    assert ("r" in fired(one(query), "A missile flew.", **facts)) is hit


def test_a_rule_of_predicates_alone_is_evaluated_for_every_story():
    match = fired(one("country:KP"), "Nothing to scan here.", countries=("KP",))["r"]
    assert match.spans == () and match.score == 0.0


def test_weights_and_threshold_give_an_emm_score():
    rules = one('missile^2 OR launch OR "test site"^0.5', threshold="3")
    assert "r" not in fired(rules, "A missile.")  # 2 < 3
    assert fired(rules, "A missile launch.")["r"].score == 3.0
    assert fired(rules, "A missile, a missile, at the test site.")["r"].score == 4.5  # per occurrence
    assert fired(rules, "missile launch at the test site")["r"].clause == 'missile^2 OR launch OR "test site"^0.5'


def test_negative_weights_subtract():
    rules = one("(withdraw NEAR/4 troops)^2 OR (withdraw ONEAR/2 objection)^-2", threshold="2")
    assert fired(rules, "They withdraw troops.")["r"].score == 2.0
    assert "r" not in fired(rules, "The troops withdraw their objection.")


def test_match_names_the_clause_that_fired_and_spans_are_slices():
    rules = one('"ballistic missile" OR (withdraw NEAR/3 troops)')
    story_title = "Troops withdraw"
    match = fired(rules, "A ballistic missile flew.", title=story_title)["r"]
    assert match.clause == '"ballistic missile" OR (withdraw NEAR/3 troops)'
    body_only = fired(rules, "They withdraw all troops.")["r"]
    assert body_only.clause == "(withdraw NEAR/3 troops)"
    assert [(s.field, s.text) for s in body_only.spans] == [("body", "withdraw all troops")]
    assert body_only.to_dict()["clause"] == "(withdraw NEAR/3 troops)"


def test_spans_count_characters_after_non_ascii_text():
    text = "Zürich — Äußerst: the ICBM flew."
    (span,) = fired(one("ICBM"), text)["r"].spans
    assert text[span.start : span.end] == "ICBM" == span.text


def test_possessive_is_not_part_of_the_word():
    (span,) = fired(one("Korea"), "Korea's missile.")["r"].spans
    assert span.text == "Korea"


from hypothesis import given
from hypothesis import strategies as st

from wirewatch.transforms.rulelang.words import split, starts
from wirewatch.transforms.tokens import tokenize


@given(st.text(alphabet=st.sampled_from(list("ab's’ -.Z9é\n")), max_size=40))
def test_rule_words_are_the_pipeline_tokens(text):
    tokens = tokenize(text)
    assert split(text) == [t.text for t in tokens]
    assert starts(text) == [t.start for t in tokens]
