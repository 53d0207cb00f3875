"""Aliases with terms per language (``troops: {en: ..., de: ...}``), and terms in scripts written without
spaces (Chinese, Japanese, Korean), matched as the characters written."""

from __future__ import annotations

import pytest

from wirewatch.records import Story
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.rulelang import words
from wirewatch.transforms.rules import RuleError, load_watchlist

LIST = """
version: 1
aliases:
  troops:
    en: troop | soldier
    de: Truppe | Soldat
    ru: войска | солдаты
  withdraw:
    en: withdraw | "pull out"
    de: [Abzug, abziehen]
    ru: вывод | вывести
  missile:
    en: '"ballistic missile"'
    zh: 洲际弹道导弹
    ko: 대륙간탄도미사일
rules:
  - id: pullout
    query: '@withdraw NEAR/4 @troops'
  - id: missile
    query: '@missile'
"""


def fired(text: str, language: str | None = None) -> set[str]:
    matcher = Matcher(load_watchlist(LIST, "w.yaml"), cache=None)
    return {m.rule for m in matcher.match(Story(id="x", body=text, language=language))}


@pytest.mark.parametrize(("text", "rules"), [
    ("The army will withdraw 2,000 troops.", {"pullout"}),
    ("Der Abzug der Truppen beginnt am Montag.", {"pullout"}),
    ("Начался вывод войск из Херсона.", {"pullout"}),
    ("朝鲜发射了一枚洲际弹道导弹。", {"missile"}),
    ("북한이 대륙간탄도미사일을 발사했다.", {"missile"}),  # the particle 을 is on the word
    ("북한이 대륙간 탄도 미사일을 발사했다.", {"missile"}),  # spaced as many write it
    ("Der Abzug vom Konto kostet Gebühren.", set()),
    ("朝鲜发射了一枚短程弹道导弹。", set()),
])
def test_terms_of_every_language_find_their_concept(text, rules):
    assert fired(text) == rules


def test_a_story_known_to_be_in_another_language_skips_that_languages_stems():
    assert fired("Der Abzug der Truppen beginnt am Montag.", language="de") == {"pullout"}
    assert fired("Der Abzug der Truppen beginnt am Montag.", language="fr") == set()


def test_an_unknown_language_in_an_alias_is_an_error_with_its_position():
    bad = "aliases:\n  a:\n    en: x\n    xx: y\nrules:\n  - id: r\n    query: '@a'\n"
    with pytest.raises(RuleError) as err:
        load_watchlist(bad, "w.yaml")
    assert (err.value.line, err.value.column) == (4, 5) and "'xx' is not a language" in str(err.value)


def test_unspaced_scripts_are_a_character_a_word_with_their_offsets():
    text = "Korea's ICBM 洲际导弹 test; 미사일을"
    found = words.split(text)
    assert found == ["Korea", "ICBM", "洲", "际", "导", "弹", "test", "미", "사", "일", "을"]
    assert [text[s:s + len(w)] for w, s in zip(found, words.starts(text), strict=True)] == found
