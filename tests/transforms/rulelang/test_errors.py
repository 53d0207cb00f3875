"""A watch list that does not parse names file, line, column and what to do; at run time one bad rule
never silences the others."""

from __future__ import annotations

import pytest

from tests.conftest import skip_unless_required
from wirewatch.transforms.match import Matcher
from wirewatch.records import Story
from wirewatch.transforms.rulelang.engine import Engine
from wirewatch.transforms.rules import RuleError, load_watchlist


@pytest.mark.parametrize("text, where, message", [
    ("rules:\n  - id: a\n    query: 'x AND (y'\n", (3, 21), "expected ')'"),
    ("rules:\n  - id: a\n    query: 'nuclear test'\n", (3, 21), "two terms in a row"),
    ("rules:\n  - id: a\n    query: 'x AND \"open'\n", (3, 19), "quote is never closed"),
    # a YAML quote never closed: where it opens, not at the end of the file where the parser notices
    ("rules:\n  - id: a\n    query: \"x AND open\n  - id: b\n    query: y\n", (3, 12), "quote that opens here"),
    ("rules:\n  - id: a\n    query: 'x AND open\n  - id: b\n    query: y\n", (3, 12), "quote that opens here"),
    ("rules:\n  - id: a\n    query: \"x AND open\n---\nrules: []\n", (3, 12), "quote that opens here"),
    ("rules:\n  - id: a\n    query: \"x\\q\"\n", (3, 14), "unknown escape character (in a quoted scalar"),
    ("rules:\n  - id: a\n    query: 'x AND cuntry:KP'\n", (3, 19), "unknown field or predicate 'cuntry'"),
    ("rules:\n  - id: a\n    query: 'x AND country:Korea'\n", (3, 27), "ISO 3166-1 alpha-2"),
    ("rules:\n  - id: a\n    query: 'x AND region:\"East Asia\"'\n", (3, 26), "did you mean 'Eastern Asia'"),
    ("rules:\n  - id: a\n    query: 'x NEAR/3 country:KP'\n", (3, 13), "needs words on both sides"),
    ("rules:\n  - id: a\n    query: 'title:(body:x)'\n", (3, 20), "can never match"),
    ("aliases:\n  icbm: ICBM\nrules:\n  - id: a\n    query: '@icmb'\n", (5, 13), "did you mean @icbm"),
    ("rules:\n  - id: a\n    query: >-\n      missile AND\n      (launch OR\n", (5, 17), "query ended"),
    ("rules:\n  - id: a\n    query: x\n    threshold: high\n", (4, 16), "must be a number"),
    ("rules:\n  - id: a\n    query: x\n    version: 1.5\n", (4, 14), "whole number"),
    ("aliases:\n  a: [ICBM, '@b']\nrules:\n  - id: a\n    query: '@a'\n", (2, 14), "defined before"),
    ("aliases:\n  a: 'x AND y'\nrules: []\n", (2, 7), "joined by '|'"),
    ("rules:\n  - id: a\n    query: 'x'\n    weight: 3\n", (4, 5), "unknown rule key 'weight'"),
    ("rules:\n  - id: a\n    severity: urgent\n    query: x\n", (3, 15), "severity must be one of"),
])
def test_errors_point_at_the_problem(text, where, message):
    with pytest.raises(RuleError) as err:
        load_watchlist(text, "w.yaml")
    assert message in err.value.message, err.value.message
    assert (err.value.line, err.value.column) == where, str(err.value)
    assert str(err.value).startswith(f"w.yaml:{where[0]}:{where[1]}: ")
    assert err.value.retriable is False


BROKEN = """
rules:
  - id: good
    query: missile
  - id: bad
    query: 'missile AND ('
  - id: also-good
    query: launch
"""


def test_lenient_load_keeps_the_good_rules_and_reports_the_bad():
    watchlist = load_watchlist(BROKEN, "w.yaml", strict=False)
    assert [r.id for r in watchlist.rules] == ["good", "also-good"]
    (problem,) = watchlist.problems
    assert (problem.line, "expected a term") == (6, "expected a term") and "rule 'bad'" in problem.message
    assert {m.rule for m in Matcher(watchlist, cache=None).match(Story(id="s", body="missile launch"))} == {
        "good", "also-good"}


def test_a_rule_that_fails_at_run_time_does_not_silence_the_others():
    watchlist = load_watchlist("rules:\n  - id: a\n    query: missile\n  - id: b\n    query: missile\n")
    matcher = Matcher(watchlist, cache=None)
    matcher.engine = Engine(watchlist, cache=None, compiled=False)  # the reference engine's closures
    matcher.engine.clause(0)

    def broken(ctx):
        raise RuntimeError("boom")

    matcher.engine._clauses[0] = broken
    assert [m.rule for m in matcher.match(Story(id="s", body="a missile"))] == ["b"]
    assert matcher.engine.failures == {"a": 1}


def test_a_failing_compiled_core_falls_back_to_the_python_engine():
    watchlist = load_watchlist("rules:\n  - id: a\n    query: missile\n")
    matcher = Matcher(watchlist, cache=None)

    class Broken:
        def fire(self, *args):
            raise RuntimeError("boom")

    matcher.engine.native = Broken()
    assert [m.rule for m in matcher.match(Story(id="s", body="a missile"))] == ["a"]
    assert matcher.engine.failures == {"<compiled core>": 1}


def test_a_panic_in_the_compiled_core_falls_back_too():
    from wirewatch.transforms.rulelang import native

    if not native.available():
        skip_unless_required("the compiled core is not built", required_by="WIREWATCH_REQUIRE_NATIVE")
    watchlist = load_watchlist("rules:\n  - id: a\n    query: missile\n")
    matcher = Matcher(watchlist, cache=None)

    class Panicking:
        def fire(self, *args):
            raise native.wirewatch_native.PanicException("index out of bounds")

    matcher.engine.native = Panicking()
    assert [m.rule for m in matcher.match(Story(id="s", body="a missile"))] == ["a"]
    assert matcher.engine.failures == {"<compiled core>": 1}
