"""A watch list past a limit (nesting, terms, rules, file size) is refused with file:line:column and what
to do, never an uncaught exception; a list at the limits loads, pickles and matches."""

from __future__ import annotations

import pickle
import sys

import pytest

from tests.conftest import SEEDS
from tests.pipelines.test_cli import wirewatch
from wirewatch.transforms.match import Matcher
from wirewatch.records import Story
from wirewatch.transforms.rulelang.engine import Engine
from wirewatch.transforms.rulelang.explain import explain
from wirewatch.transforms.rulelang.view import StoryView
from wirewatch.transforms.rules import LIMITS, Limits, RuleError, load_watchlist, load_watchlist_file


def one_rule(query: str) -> str:
    return f"rules:\n  - id: a\n    query: '{query}'\n"


COLUMN = len("    query: '") + 1  # where the query starts on its line


def refused(text: str, limits: Limits = LIMITS) -> RuleError:
    with pytest.raises(RuleError) as err:
        load_watchlist(text, "w.yaml", limits=limits)
    return err.value


def test_200_nested_parentheses_are_refused_at_the_first_one_too_deep():
    err = refused(one_rule("(" * 200 + "x" + ")" * 200))
    assert (err.line, err.column) == (3, COLUMN + LIMITS.depth)
    assert "nested more than 50 levels deep" in err.message


def test_10000_nots_are_refused():
    err = refused(one_rule("NOT " * 10_000 + "x"))
    assert (err.line, err.column) == (3, COLUMN + 4 * LIMITS.depth) and "nested more than" in err.message


def test_a_2000_term_near_chain_is_refused():
    err = refused(one_rule(" NEAR/3 ".join(f"w{i}" for i in range(2000))))
    assert err.line == 3 and "nested more than" in err.message and "NEAR/ONEAR link" in err.message


def test_nested_field_scopes_count_too():
    assert "nested more than" in refused(one_rule("title:" * 5000 + "x")).message


def nested(levels: int) -> str:
    """The most clauses a level of nesting can hold: every '(' opens an OR holding an AND."""
    query = "x"
    for i in range(levels):
        query = f"(a{i} OR b{i} AND {query})"
    return query


@pytest.mark.parametrize("query", [
    nested(LIMITS.depth),
    " NEAR/9 ".join(["x", *(f"b{i}" for i in range(LIMITS.depth))]),
    "NOT " * (LIMITS.depth - 1) + "(x OR y)",
], ids=["parentheses", "near-chain", "nots"])
def test_a_query_at_the_nesting_limit_loads_pickles_matches_and_explains(query):
    text = one_rule(query)
    watchlist = load_watchlist(text, "w.yaml")
    story = Story(id="s", title="t", body="x " + " ".join(f"b{i}" for i in range(LIMITS.depth)))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(700)  # and with room to spare for the callers
    try:
        assert pickle.loads(pickle.dumps(watchlist)) == watchlist
        python = Engine(watchlist, cache=None, compiled=False)
        fired = [f.rule for f in python.run(StoryView(story))]
        assert [m.rule for m in Matcher(watchlist, cache=None).match(story)] == [watchlist.rules[i].id for i in fired]
        assert explain(python, StoryView(story))
        load_watchlist(text, "w.yaml")
    finally:
        sys.setrecursionlimit(limit)
    assert fired == ([] if query.startswith("NOT") else [0])
    refused(one_rule(query), Limits(depth=LIMITS.depth - 1))


def test_terms_per_query():
    at_limit = one_rule(" OR ".join(f"w{i}" for i in range(LIMITS.query_terms)))
    assert len(load_watchlist(at_limit, "w.yaml").rules) == 1
    err = refused(one_rule(" OR ".join(f"w{i}" for i in range(LIMITS.query_terms + 1))))
    assert err.line == 3 and "more than 10,000 terms in one query" in err.message and "alias" in err.message
    assert "terms in one query" in refused(one_rule("w OR country:KP OR x"), Limits(query_terms=2)).message


def test_terms_per_alias_and_per_rule_with_aliases_counted():
    text = ("aliases:\n  big: [a, b, c]\n  bigger: 'd | e | @big'\n"
            "rules:\n  - id: r\n    query: '@big OR @bigger'\n")
    assert len(load_watchlist(text, "w.yaml", limits=Limits(alias_terms=5, rule_terms=8)).rules) == 1
    err = refused(text, Limits(alias_terms=2))
    assert (err.line, err.column) == (2, 15) and "alias 'big' has more than 2 terms" in err.message
    err = refused(text, Limits(alias_terms=4))
    assert err.line == 3 and "more than 4 terms" in err.message
    err = refused(text, Limits(rule_terms=7))
    assert (err.line, err.column) == (6, COLUMN + len("@big OR ")) and "more than 7 terms" in err.message


def test_a_term_too_long_for_the_scanner_is_refused():
    phrase = " ".join(f"w{i}" for i in range(20_000))  # Hyperscan refused its pattern: "exceeds limit"
    err = refused(one_rule(f'x OR "{phrase}"'))
    assert (err.line, err.column) == (3, COLUMN + 5) and "a term of more than 1,000 characters" in err.message
    err = refused(f"aliases:\n  a: [x, {phrase}]\nrules: []\n")
    assert (err.line, err.column) == (2, 10) and "a term of more than" in err.message
    at_limit = "w" * LIMITS.term_chars
    watchlist = load_watchlist(one_rule(f"x OR {at_limit}"), "w.yaml")
    assert [m.rule for m in Matcher(watchlist, cache=None).match(Story(id="s", body=f"a {at_limit}."))] == ["a"]
    assert [f.rule for f in Engine(watchlist, cache=None, compiled=False).run(StoryView(Story(id="s", body=at_limit)))]


def test_rules_per_file_strict_and_lenient():
    text = "rules:\n" + "".join(f"  - id: r{i}\n    query: w{i}\n" for i in range(4))
    assert len(load_watchlist(text, "w.yaml", limits=Limits(rules=4)).rules) == 4
    for strict in (True, False):
        with pytest.raises(RuleError) as err:
            load_watchlist(text, "w.yaml", strict=strict, limits=Limits(rules=3))
        assert (err.value.line, err.value.column) == (8, 5) and "more than 3 rules in one file" in err.value.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    huge = tmp_path / "huge.yaml"
    with huge.open("w", encoding="utf-8") as fh:  # not even YAML: parsing it would say so
        fh.write("rules: [" * (LIMITS.file_bytes // 8 + 1))
    with pytest.raises(RuleError) as err:
        load_watchlist_file(huge, cache=None)
    assert (err.value.line, err.value.column) == (1, 1) and "over the limit of 33,554,432" in err.value.message
    small = tmp_path / "small.yaml"
    small.write_text(one_rule("é"), encoding="utf-8")
    assert len(load_watchlist_file(small, cache=None).rules) == 1
    size = len(one_rule("é").encode())  # bytes, not characters
    with pytest.raises(RuleError, match="over the limit"):
        load_watchlist_file(small, cache=None, limits=Limits(file_bytes=size - 1))
    with pytest.raises(RuleError, match="over the limit"):
        load_watchlist(one_rule("é"), limits=Limits(file_bytes=size - 1))


@pytest.mark.parametrize("text, where, message", [
    (one_rule("(" * 200 + "x" + ")" * 200), f":3:{COLUMN + 50}: ", "nested more than"),
    ("rules:\n  - id: a\n    query: \"x AND open\n  - id: b\n    query: y\n", ":3:12: ", "never closed"),
], ids=["deep", "quote"])
def test_the_command_line_exits_2_with_the_position(tmp_path, text, where, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    done = wirewatch("backtest", "--rules", str(bad), str(SEEDS))
    assert done.returncode == 2, done.stderr
    assert f"{bad}{where}" in done.stderr and message in done.stderr and "Traceback" not in done.stderr
