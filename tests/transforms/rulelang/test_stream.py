"""Watch lists read as a stream give what reading them whole gives: the same rules and problems, and the same
first error (that the streamed nodes are ``yaml.compose``'s own is tests/base/test_yamlsource.py)."""

from __future__ import annotations

import pytest

from tests.transforms.rulelang.test_errors import BROKEN
from wirewatch.transforms.rulelang.loader import _Load
from wirewatch.transforms.rules import DEFAULT_WATCHLIST, RuleError, load_watchlist


def whole(text: str, strict: bool = True):
    return _Load(text, "w.yaml", strict, load_watchlist.__kwdefaults__["limits"], stream=False).run()


RULES_FIRST = """
rules:
  - id: a
    query: '@troops NEAR/3 withdraw'
language: en
aliases:
  troops: [troop, soldier]
"""


@pytest.mark.parametrize("text", [DEFAULT_WATCHLIST.read_text(encoding="utf-8"), BROKEN, RULES_FIRST,
                                  "aliases:\n  x: [a]\nrules:\n  - id: a\n    query: '@x'\nrules: []\n"])
def test_streamed_and_whole_readings_agree(text):
    for strict in (True, False):
        try:
            expected = whole(text, strict)
        except RuleError as exc:
            with pytest.raises(RuleError) as err:
                load_watchlist(text, "w.yaml", strict=strict)
            assert str(err.value) == str(exc)
            continue
        got = load_watchlist(text, "w.yaml", strict=strict)
        assert (got.rules, got.source, got.digest) == (expected.rules, expected.source, expected.digest)
        assert [str(p) for p in got.problems] == [str(p) for p in expected.problems]


def test_aliases_after_the_rules_still_apply():
    (rule,) = load_watchlist(RULES_FIRST, "w.yaml").rules
    assert rule.tree.args[0].name == "@troops"


@pytest.mark.parametrize("tail, message", [
    ("colour: blue\n", "unknown key 'colour'"),
    ("aliases: {x: 'a AND b'}\n", "joined by '|'"),  # read again whole: aliases come first
    ("bad: [\n", "not valid YAML"),
])
def test_the_file_s_own_problems_come_before_a_bad_rule(tail, message):
    text = "rules:\n  - id: a\n    query: 'x AND ('\n" + tail
    with pytest.raises(RuleError) as err:
        load_watchlist(text, "w.yaml")
    assert message in err.value.message
    with pytest.raises(RuleError) as bad_rule:
        load_watchlist("rules:\n  - id: a\n    query: 'x AND ('\n", "w.yaml")
    assert "expected a term" in bad_rule.value.message


def test_a_bad_language_comes_before_a_bad_rule_and_stops_the_rules_being_read():
    with pytest.raises(RuleError, match="has no stemmer"):
        load_watchlist("language: xx\nrules:\n  - id: a\n    query: 'x AND ('\n", "w.yaml", strict=False)


def test_a_rule_s_yaml_is_dropped_once_the_rule_is_parsed(monkeypatch):
    """What keeps a large list's memory low: while rule k is parsed, the nodes of rules before it are gone."""
    import weakref

    from wirewatch.transforms.rulelang import loader

    seen: list[weakref.ref] = []
    alive_before: list[int] = []
    parse = loader._rule

    def watched(src, item, *args):
        alive_before.append(sum(ref() is not None for ref in seen))
        seen.append(weakref.ref(item))
        return parse(src, item, *args)

    monkeypatch.setattr(loader, "_rule", watched)
    text = "rules:\n" + "".join(f"  - id: r{i}\n    query: w{i}\n" for i in range(50))
    assert len(load_watchlist(text, "w.yaml").rules) == 50
    assert alive_before == [0] * 50
    seen.clear()
    alive_before.clear()
    whole(text)  # read whole, the nodes live until the end
    assert alive_before == list(range(50))
