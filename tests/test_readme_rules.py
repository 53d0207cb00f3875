"""docs/rules.md, the rule language's manual, against the loader: its complete YAML examples load, its
error examples are the loader's messages, and its list of stemmed languages is the code's."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from wirewatch.transforms.rulelang.loader import load_watchlist
from wirewatch.transforms.rulelang.syntax import LANGUAGES
from wirewatch.transforms.rulelang.errors import RuleError

DOC = (ROOT / "docs/rules.md").read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, re.S)


def test_the_complete_examples_load():
    """The first example (a file) and the French one; the others are fragments ('...', a rule's keys)."""
    complete = [b for b in YAML_BLOCKS if b.lstrip().startswith(("version:", "language:"))]
    assert len(complete) == 2
    assert [r.id for r in load_watchlist(complete[0], "a.yaml").rules] == ["icbm", "troop-withdrawal"]
    assert [r.id for r in load_watchlist(complete[1], "fr.yaml").rules] == ["retrait-troupes"]


def test_the_stemmed_languages_listed_are_the_codes():
    listed = re.search(r"Languages with a stemmer: ([a-z ]+?)\.", DOC.replace("\n", " "))
    assert listed and sorted(listed[1].split()) == sorted(LANGUAGES)


def _error(query: str, aliases: str = "") -> str:
    text = f"{aliases}rules:\n  - id: a\n    query: '{query}'\n"
    with pytest.raises(RuleError) as caught:
        load_watchlist(text, "w.yaml")
    return str(caught.value)


@pytest.mark.parametrize("query, aliases, shown", [
    ("(missile AND test", "", "expected ')' to close the '(' at column"),
    ("cuntry:KP", "", "unknown field or predicate 'cuntry': (known: title, dateline, body, country, region,"),
    ('region:"East Asia"', "", "unknown UN M49 sub-region 'East Asia' (did you mean 'Eastern Asia'"),
    ("@icmb", "aliases:\n  icbm: ICBM\n", "unknown alias '@icmb' (did you mean @icbm?)"),
    ("nuclear test", "", "two terms in a row before 'test': join them with AND, OR, NEAR/n, or quote a phrase"),
])
def test_the_error_examples_are_the_loaders_messages(query, aliases, shown):
    """Each message the manual shows (its positions aside, which depend on the file) is what the loader says."""
    assert shown in DOC
    assert re.match(r"w\.yaml:\d+:\d+: ", _error(query, aliases))
    assert shown in _error(query, aliases)
