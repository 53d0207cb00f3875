"""Watch lists in other languages: a file's ``language`` picks the Snowball stemmer for its terms, stories
are scanned in that language's stems too, and several files (one per language) load as one list."""

from __future__ import annotations

import pytest

from wirewatch.transforms.match import Matcher
from wirewatch.records import Story
from wirewatch.transforms.rulelang import native
from wirewatch.transforms.rulelang.engine import Engine
from wirewatch.transforms.rules import (
    RuleError,
    load_watchlist,
    load_watchlist_files,
    merge_watchlists,
)

FRENCH = """
language: fr
aliases:
  troupes: [troupe, soldat, "forces armées"]
rules:
  - id: retrait-troupes
    severity: high
    query: '(retrait OR retirer) NEAR/6 @troupes'
  - id: missile-fr
    query: '"missile balistique" AND NOT title:défense'
"""
GERMAN = """
language: de
rules:
  - id: raketen-de
    query: 'Rakete NEAR/3 abfeuern'
"""
ENGLISH = """
rules:
  - id: troop-withdrawal
    query: 'withdraw NEAR/5 troops'
"""


def fired(watchlist, text: str, title: str | None = None, compiled: bool | None = None) -> list[str]:
    matcher = Matcher(watchlist, cache=None)
    if compiled is not None:
        matcher.engine = Engine(watchlist, cache=None, compiled=compiled)
    return [m.rule for m in matcher.match(Story(id="s", body=text, title=title))]


ENGINES = [False] + ([True] if native.available() else [])


@pytest.mark.parametrize("compiled", ENGINES)
def test_french_terms_match_their_inflections(compiled):
    watchlist = load_watchlist(FRENCH)
    assert fired(watchlist, "La Russie annonce le retrait de ses troupes de Syrie.", compiled=compiled) == [
        "retrait-troupes"]
    assert fired(watchlist, "Moscou va retirer tous ses soldats.", compiled=compiled) == ["retrait-troupes"]
    assert fired(watchlist, "Le retrait des forces armées continue.", compiled=compiled) == ["retrait-troupes"]
    assert fired(watchlist, "Un tir de missiles balistiques.", compiled=compiled) == ["missile-fr"]
    assert fired(watchlist, "Un tir de missiles balistiques.", title="Budget de la défense", compiled=compiled) == []
    assert fired(watchlist, "Russia withdrew its troops.", compiled=compiled) == []  # English text: French stems
    assert fired(watchlist, "Le retrait d'argent au guichet.", compiled=compiled) == []


@pytest.mark.parametrize("compiled", ENGINES)
def test_one_list_per_language_loads_as_one(tmp_path, compiled):
    paths = []
    for name, text in (("en", ENGLISH), ("fr", FRENCH), ("de", GERMAN)):
        path = tmp_path / f"watch.{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    watchlist = load_watchlist_files(paths, cache=None)
    assert [r.id for r in watchlist.rules] == ["troop-withdrawal", "retrait-troupes", "missile-fr", "raketen-de"]
    text = "Russia will withdraw troops. Moscou annonce le retrait des troupes. Sie wollen Raketen abfeuern."
    assert fired(watchlist, text, compiled=compiled) == ["troop-withdrawal", "retrait-troupes", "raketen-de"]
    assert watchlist.digest and watchlist.digest != load_watchlist_files(paths[:2], cache=None).digest


def test_the_same_rule_id_in_two_files_is_an_error():
    with pytest.raises(RuleError, match="also in"):
        merge_watchlists([load_watchlist(ENGLISH, "a.yaml"), load_watchlist(ENGLISH, "b.yaml")])


def test_an_unknown_language_names_the_known_ones():
    with pytest.raises(RuleError) as caught:
        load_watchlist("language: xx\nrules:\n  - id: a\n    query: b\n", "w.yaml")
    assert (caught.value.line, caught.value.column) == (1, 11) and "fr" in str(caught.value)
