"""Alerts of a story: the rules they will carry known without making them, and only some of them made."""

from __future__ import annotations

import itertools

from wirewatch.records import Cluster, EnrichedStory, RuleMatch, Span, Spread, Story
from wirewatch.transforms.rulelang.loader import load_watchlist
from wirewatch.transforms.alerts import alert_rules, alerts_for, fresh_positions

WATCHLIST = load_watchlist("version: 1\nrules:\n  - id: quake\n    query: 'earthquake OR quake'\n"
                           "  - id: army\n    query: 'army'\n")
BODY = "An earthquake shook the army base. The army said two were hurt. A second quake came at noon."


def _spans(*words: str) -> tuple[Span, ...]:
    return tuple(Span("body", BODY.index(w), BODY.index(w) + len(w), w) for w in words)


def _stories() -> list[EnrichedStory]:
    shared = _spans("army")
    matches = (RuleMatch("quake", 1.0, _spans("earthquake", "quake")), RuleMatch("army", 0.5, shared),
               RuleMatch("army", 0.4, shared))  # one rule twice: positions, not rules, pick the alerts
    spread = Spread(26, ("Southern Asia",), ("Southern Asia",), 2.0, 3, ("outlets>=25", "growth>=6"))
    story = Story("s1", BODY, title=None)
    return [EnrichedStory(story, matches=matches, cluster=Cluster("c1")),
            EnrichedStory(story, matches=matches, cluster=Cluster("c1"), spread=spread),
            EnrichedStory(story, cluster=Cluster("c1"), spread=spread),
            EnrichedStory(story, matches=matches[:1], spread=Spread(3)),
            EnrichedStory(story)]


def test_alert_rules_are_the_rules_of_the_alerts_in_their_order():
    for enriched in _stories():
        assert alert_rules(enriched) == [a.rule for a in alerts_for(enriched, WATCHLIST)]
    assert alert_rules(_stories()[1]) == ["quake", "army", "army", "spreading:outlets>=25", "spreading:growth>=6"]


def test_only_some_alerts_made_are_those_of_all_the_alerts():
    for enriched in _stories():
        everything = alerts_for(enriched, WATCHLIST)
        for n in range(len(everything) + 1):
            for only in itertools.combinations(range(len(everything)), n):
                assert alerts_for(enriched, WATCHLIST, list(only)) == [everything[i] for i in only]


def test_fresh_positions_are_the_first_of_each_rule_not_sent():
    rules = ["quake", "army", "quake", "spreading:outlets>=10", "army"]
    assert fresh_positions(rules, {"army"}.__contains__) == [0, 3]  # a rule met twice: its first only
    assert fresh_positions(rules, set().__contains__) == [0, 1, 3]
    assert fresh_positions(rules, set(rules).__contains__) == []
