"""Watch lists read as a stream give what reading them whole gives: the same nodes as ``yaml.compose``,
the same rules and problems, and the same first error."""

from __future__ import annotations

import pytest
import yaml

from tests.transforms.rulelang.test_errors import BROKEN
from wirewatch.transforms.rulelang.loader import _Load
from wirewatch.transforms.rulelang.yamlstream import LOADER, Events
from wirewatch.transforms.rules import DEFAULT_WATCHLIST, RuleError, load_watchlist

DOCUMENTS = [
    DEFAULT_WATCHLIST.read_text(encoding="utf-8"),
    BROKEN,
    "a: &x [1, {b: 'c', d: \"e\"}]\nf: *x\ng: &y plain\nh: [*y, *y]\n",
    "k: >-\n  folded\n  text\n\nl: |\n  literal\n  text\nm: ~\n? complex key\n: value\n",
    "- one\n- [two, three]\n- {four: 4}\n- - nested\n  - block\n",
    "rules:\n- id: a  # a comment\n  query: 'Ünïcödé « x »'\n...\n",
    "---\nplain scalar\n...\n",
    "---\n",
]


def same(a: yaml.Node, b: yaml.Node, seen: dict[int, int]) -> None:
    """``a`` and ``b`` are alike: kind, value, style and marks, all the way down (shared nodes shared alike)."""
    if id(a) in seen:
        assert seen[id(a)] == id(b)
        return
    seen[id(a)] = id(b)
    assert type(a) is type(b)
    for mark in ("start_mark", "end_mark"):
        ma, mb = getattr(a, mark), getattr(b, mark)
        assert (ma.line, ma.column, ma.index) == (mb.line, mb.column, mb.index)
    if isinstance(a, yaml.ScalarNode):
        assert (a.value, a.style) == (b.value, b.style)
        return
    assert a.flow_style == b.flow_style and len(a.value) == len(b.value)
    pairs = a.value if isinstance(a, yaml.MappingNode) else [(x, None) for x in a.value]
    others = b.value if isinstance(b, yaml.MappingNode) else [(x, None) for x in b.value]
    for (ka, va), (kb, vb) in zip(pairs, others, strict=True):
        same(ka, kb, seen)
        if va is not None:
            same(va, vb, seen)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_nodes_from_events_are_the_nodes_yaml_composes(text):
    events = Events(text)
    first = events.root()
    node = events.node(first)
    events.end()
    same(yaml.compose(text, Loader=LOADER), node, {})


@pytest.mark.parametrize("text", ["a: 1\n---\nb: 2\n", "a: &x 1\nb: &x 2\n", "a: *nope\n"])
def test_what_yaml_refuses_is_refused(text):
    with pytest.raises(yaml.YAMLError) as composed:
        yaml.compose(text, Loader=LOADER)
    with pytest.raises(yaml.YAMLError) as streamed:
        events = Events(text)
        events.node(events.root())
        events.end()
    assert streamed.value.problem == composed.value.problem
    assert streamed.value.problem_mark.line == composed.value.problem_mark.line


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


@pytest.mark.parametrize("text", [DOCUMENTS[0], BROKEN, RULES_FIRST,
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
