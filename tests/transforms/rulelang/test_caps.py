"""A story that matches thousands of rules: at most ``Caps.matches`` matches (the most severe, then the
highest scores), ``Caps.spans_per_match`` spans each and ``Caps.spans`` in all; what was cut is logged
and counted, and the record keeps its shape."""

from __future__ import annotations

import dataclasses
import logging

import orjson
import pytest

from wirewatch.transforms.alerts import alerts_for
from wirewatch.transforms.match import CAPS, Caps, Matcher
from wirewatch.records import Cluster, EnrichedStory, Story
from wirewatch.transforms.rules import SEVERITIES, load_watchlist

RULES = 5_000


def weight(i: int) -> int:
    return i % 97 + 1


@pytest.fixture(scope="module")
def crowded():
    """5,000 rules that all fire on one story: 50 critical, the others low, medium or high; rule r{i}
    scores ``weight(i)`` per word found."""
    lines = ["rules:"]
    for i in range(RULES):
        severity = "critical" if i % 100 == 0 else SEVERITIES[i % 3]
        lines += [f"  - id: r{i}", f"    severity: {severity}", f"    query: 'missile^{weight(i)}'"]
    return load_watchlist("\n".join(lines) + "\n", "crowded.yaml")


STORY = Story(id="s1", title="Missile test", body=" ".join(["A missile flew."] * 300))


def test_one_story_matching_5000_rules_is_capped(crowded, caplog):
    matcher = Matcher(crowded, cache=None)
    with caplog.at_level(logging.WARNING, logger="wirewatch.match"):
        matches = matcher.match(STORY)
    assert len(matches) == CAPS.matches
    severity = {r.id: r.severity for r in crowded.rules}
    assert [severity[m.rule] for m in matches].count("critical") == 50
    assert {severity[m.rule] for m in matches} == {"critical", "high"}  # all 50 critical, then the best high
    high = sorted((i for i in range(RULES) if severity[f"r{i}"] == "high"), key=lambda i: (-weight(i), i))
    high = high[: CAPS.matches - 50]
    assert min(weight(i) for i in high) < max(weight(i) for i in high)  # the cut goes through the scores
    kept = sorted([i for i in range(RULES) if severity[f"r{i}"] == "critical"] + high)
    assert [m.rule for m in matches] == [f"r{i}" for i in kept]  # in file order
    assert all(1 <= len(m.spans) <= CAPS.spans_per_match for m in matches)
    assert sum(len(m.spans) for m in matches) == CAPS.spans
    assert [m.spans[0].field for m in matches] == ["title"] * CAPS.matches  # the first in field order
    (line,) = [r.getMessage() for r in caplog.records]
    assert "story s1 matched 5000 rules" in line and f"left out {RULES - CAPS.matches} matches" in line
    assert matcher.cut["stories"] == 1 and matcher.cut["matches"] == RULES - CAPS.matches
    assert matcher.cut["spans"] == RULES * 301 - CAPS.spans
    enriched = EnrichedStory(STORY, matches=matches, cluster=Cluster("s1"))
    record = orjson.dumps(enriched.to_dict())
    uncapped = Matcher(crowded, cache=None, caps=Caps(RULES, 1_000, RULES * 1_000)).match(STORY)
    assert len(record) * 20 < len(orjson.dumps(dataclasses.replace(enriched, matches=uncapped).to_dict()))
    assert set(orjson.loads(record)["matches"][0]) == {"rule", "score", "spans", "clause"}
    assert len(alerts_for(enriched, crowded)) == CAPS.matches


def test_below_the_caps_nothing_changes(crowded):
    few = load_watchlist("rules:\n" + "".join(f"  - id: r{i}\n    query: missile\n" for i in range(3)), "few.yaml")
    story = Story(id="s2", title="Missile", body="A missile and another missile.")
    assert Matcher(few, cache=None).match(story) == Matcher(few, cache=None, caps=Caps(10**6, 10**6, 10**6)).match(story)
    matcher = Matcher(few, cache=None, caps=Caps(matches=3, spans_per_match=3, spans=9))
    assert [len(m.spans) for m in matcher.match(story)] == [3, 3, 3] and not matcher.cut


def test_span_budget_goes_to_the_most_important_matches_first():
    text = ("rules:\n  - id: low\n    severity: low\n    query: missile\n"
            "  - id: high\n    severity: high\n    query: missile\n")
    story = Story(id="s3", body="missile " * 10)
    matcher = Matcher(load_watchlist(text, "w.yaml"), cache=None, caps=Caps(matches=2, spans_per_match=8, spans=9))
    assert {m.rule: len(m.spans) for m in matcher.match(story)} == {"low": 1, "high": 8}
    with pytest.raises(ValueError):
        Caps(matches=10, spans=5)
