"""Cutting a field into highlighted pieces."""

from __future__ import annotations

from wirewatch.pipelines.console.highlight import Mark, Piece, highlighted, pieces
from wirewatch.records import CountryTag, EnrichedStory, RuleMatch, Span, Story


def test_overlapping_marks_carry_every_label_and_alike_neighbours_join():
    text = "North Korea fired a ballistic missile."
    found = [Mark(0, 11, "country", "KP"), Mark(6, 11, "rule", "korea"), Mark(20, 29, "rule", "icbm"),
             Mark(29, 37, "rule", "icbm")]
    assert pieces(text, found) == [
        Piece("North ", ("country",), ("KP",)),
        Piece("Korea", ("country", "rule"), ("KP", "korea")),
        Piece(" fired a "),
        Piece("ballistic missile", ("rule",), ("icbm",)),
        Piece("."),
    ]
    assert "".join(p.text for p in pieces(text, found)) == text and pieces("", []) == []


def test_spans_that_do_not_fit_the_text_are_left_out():
    story = EnrichedStory(
        Story(id="s", title="Missile test", body="Seoul said so."),
        countries=(CountryTag("KR", 1.0, (Span("body", 0, 5, "Seoul"), Span("body", 0, 5, "Tokyo"))),),
        matches=(RuleMatch("icbm", 1.0, (Span("title", 0, 7, "Missile"), Span("body", 90, 99, "missile"))),),
    )
    assert highlighted(story, "body") == [Piece("Seoul", ("country",), ("KR",)), Piece(" said so.")]
    assert highlighted(story, "title")[0] == Piece("Missile", ("rule",), ("icbm",))
    assert highlighted(story, "dateline") == []
