"""The one YAML reader of hand-written files: nodes streamed from events are ``yaml.compose``'s own (typed, with
its tags too), values are ``yaml.safe_load``'s with mappings that know where their keys are, and every problem
is a LocatedError at the place to fix."""

from __future__ import annotations

import pickle

import pytest
import yaml

from wirewatch.connectors.poll.config import ConfigError
from wirewatch.errors import LocatedError
from wirewatch.transforms.rulelang.errors import RuleError
from wirewatch.transforms.rules import DEFAULT_WATCHLIST
from wirewatch.yamlsource import LOADER, Events, Marked, YamlText

DOCUMENTS = [
    DEFAULT_WATCHLIST.read_text(encoding="utf-8"),
    "rules:\n  - id: good\n    query: missile\n  - id: bad\n    query: 'missile AND ('\n",
    "a: &x [1, {b: 'c', d: \"e\"}]\nf: *x\ng: &y plain\nh: [*y, *y]\n",
    "k: >-\n  folded\n  text\n\nl: |\n  literal\n  text\nm: ~\n? complex key\n: value\n",
    "- one\n- [two, three]\n- {four: 4}\n- - nested\n  - block\n",
    "rules:\n- id: a  # a comment\n  query: 'Ünïcödé « x »'\n...\n",
    "---\nplain scalar\n...\n",
    "---\n",
    "a: 1\nb: '1'\nc: true\nd: 1.5\ne: ~\nf: 2001-12-14\ng: !!str 5\nh: ! 5\ni: 0x1F\nj: [yes, No, '']\n",
]


def same(a: yaml.Node, b: yaml.Node, seen: dict[int, int], tags: bool) -> None:
    """``a`` and ``b`` are alike: kind, value, style and marks (and tags), all the way down (shared nodes
    shared alike)."""
    if id(a) in seen:
        assert seen[id(a)] == id(b)
        return
    seen[id(a)] = id(b)
    assert type(a) is type(b)
    assert not tags or a.tag == b.tag, (a, b)
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
        same(ka, kb, seen, tags)
        if va is not None:
            same(va, vb, seen, tags)


@pytest.mark.parametrize("typed", [False, True], ids=["as-written", "typed"])
@pytest.mark.parametrize("text", DOCUMENTS)
def test_nodes_from_events_are_the_nodes_yaml_composes(text, typed):
    composed = yaml.compose(text, Loader=LOADER)
    events = Events(text, typed=typed)
    first = events.root()
    if composed is None:
        assert first is None
        return
    node = events.node(first)
    events.end()
    same(composed, node, {}, tags=typed)
    if typed:
        assert YamlText(text, "t.yaml").document() is not None


@pytest.mark.parametrize("text", ["a: 1\n---\nb: 2\n", "a: &x 1\nb: &x 2\n", "a: *nope\n"])
def test_what_yaml_refuses_is_refused(text):
    with pytest.raises(yaml.YAMLError) as composed:
        yaml.compose(text, Loader=yaml.SafeLoader)  # PyYAML's own composer, which names an undefined alias
    with pytest.raises(yaml.YAMLError) as streamed:
        events = Events(text)
        events.node(events.root())
        events.end()
    assert streamed.value.problem == composed.value.problem
    assert streamed.value.problem_mark.line == composed.value.problem_mark.line


@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_what_safe_load_gives(text):
    assert YamlText(text, "t.yaml").values() == yaml.safe_load(text)


def test_mappings_know_where_they_and_their_keys_are():
    data = YamlText("top: 1\nfeeds:\n  - name: a\n    url: 'u'\n  - {name: b}\n", "t.yaml").values()
    assert isinstance(data, Marked) and data.where == (1, 1)
    assert data.key_where == {"top": (1, 1), "feeds": (2, 1)}
    first, second = data["feeds"]
    assert (first.where, first.key_where) == ((3, 5), {"name": (3, 5), "url": (4, 5)})
    assert (second.where, second.key_where) == ((5, 5), {"name": (5, 6)})


@pytest.mark.parametrize("text, where, words", [
    ("a: 1\nb:\n  c: 2\n  c: 3\n", (4, 3), "duplicate key 'c'"),
    ("? [x]\n: 1\n", (1, 3), "a mapping key must be a single value"),
    ("when: 2024-02-30\n", (1, 7), "cannot read '2024-02-30'"),
    ("a: \"open\nb: 1\n", (1, 4), "the quote that opens here is never closed"),
    ("a: [1, 2\n", (2, 1), "(in a flow sequence that starts at line 1, column 4)"),
    ("a: 1\nb: @x\n", (2, 4), "found character '@' that cannot start any token"),
    ("a: 1\n---\nb: 2\n", (2, 1), "another document (expected a single document in the stream at line 1, column 1)"),
    ("a: *nope\n", (1, 4), "found undefined alias 'nope'"),
    ("[" * 900 + "]" * 900, (1, 1), "nested too deeply"),  # libyaml itself refuses 1,000 levels
])
def test_every_problem_is_located(text, where, words):
    with pytest.raises(ConfigError) as caught:
        YamlText(text, "t.yaml", ConfigError).values()
    assert (caught.value.line, caught.value.column) == where, str(caught.value)
    assert str(caught.value).startswith(f"t.yaml:{where[0]}:{where[1]}: ")
    assert words in caught.value.message, caught.value.message


def test_a_position_inside_a_scalar_skips_quotes_and_line_breaks():
    text = "q: \"ab\n  cd\"\n"
    node = YamlText(text, "t.yaml").document().value[0][1]
    where = YamlText(text, "t.yaml").in_scalar
    assert [where(node, i) for i in range(6)] == [(1, 5), (1, 6), (2, 1), (2, 3), (2, 4), (2, 5)]  # "ab cd", end


@pytest.mark.parametrize("kind", [LocatedError, RuleError, ConfigError])
def test_located_errors_pickle_as_themselves(kind):
    error = pickle.loads(pickle.dumps(kind("w.yaml", 3, 7, "what to do")))
    assert type(error) is kind and isinstance(error, LocatedError) and error.retriable is False
    assert (str(error), error.path, error.line, error.column, error.message) == (
        "w.yaml:3:7: what to do", "w.yaml", 3, 7, "what to do")


def test_a_file_is_read_as_utf8_or_named_as_unreadable(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("a: é\n", encoding="utf-8")
    assert YamlText.read(good, "test list").values() == {"a": "é"}
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: \xff\n")
    for path in (bad, tmp_path / "absent.yaml"):
        with pytest.raises(ConfigError) as caught:
            YamlText.read(path, "test list", ConfigError)
        assert str(caught.value).startswith(f"{path}:0:0: cannot read the test list: ")
