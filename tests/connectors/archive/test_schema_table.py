"""schema.table builds its nested columns (countries, matches, lineage) from flat lists: it must make the table
the plain definition makes (each row a dict of the record's values, nested lists of dicts, converted by
``Table.from_pylist``), and fail on a story a row cannot hold with the error that definition raises first."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pyarrow as pa
import pytest

from tests.connectors.archive.kit import T0, enriched
from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.writer import encode
from wirewatch.records import CountryTag, EnrichedStory, Member, RuleMatch, Span


def plain_row(e: EnrichedStory) -> dict:
    s = e.story
    position = s.origin.position if s.origin else None

    def spans(items) -> list[dict]:
        return [{"field": x.field, "start": x.start, "end": x.end, "text": x.text} for x in items]

    return {
        **{name: getattr(s, name) for name in ("id", "title", "summary", "body", "url", "source", "dateline",
                                               "credit", "publisher", "language", "format", "published",
                                               "undated", "fetched", "produced", "item_id", "version",
                                               "supersedes", "correction")},
        "authors": list(s.authors), "country_codes": [c.code for c in e.countries], "regions": list(e.regions),
        "rules": [m.rule for m in e.matches],
        "countries": [{"code": c.code, "score": c.score, "evidence": spans(c.evidence)} for c in e.countries],
        "matches": [{"rule": m.rule, "score": m.score, "clause": m.clause, "spans": spans(m.spans)}
                    for m in e.matches],
        "cluster_id": e.cluster.id if e.cluster else None,
        "duplicate_of": e.cluster.duplicate_of if e.cluster else None,
        "origin": str(s.origin) if s.origin else None,
        "kafka_topic": position[0] if position else None, "kafka_partition": position[1] if position else None,
        "kafka_offset": position[2] if position else None,
        "lineage": [{"story_id": m.story_id, "outlet": m.outlet, "url": m.url, "seen": m.seen, "version": m.version,
                     "correction": m.correction, "changes": m.changes} for m in e.lineage],
    }


def plain_table(stories: list[EnrichedStory]) -> pa.Table:
    return pa.Table.from_pylist([plain_row(e) for e in stories], schema=schema.SCHEMA)


def varied() -> list[EnrichedStory]:
    """Stories with none, one and several of each nested value, and the optional fields set and unset."""
    out = []
    for n in range(12):
        e = enriched(n, countries=("KP", "JP", "KR")[: n % 4], rules=("icbm", "missile-launch")[: n % 3],
                     topic="wirewatch.stories" if n % 5 else "", undated=n % 7 == 3)
        evidence = tuple(Span("title", i, i + 2, f"e{n}{i}") for i in range(n % 3))
        countries = tuple(dataclasses.replace(c, score=0.5 * n, evidence=evidence) for c in e.countries)
        matches = tuple(dataclasses.replace(m, clause=None if n % 2 else m.clause,
                                            spans=m.spans * (n % 3)) for m in e.matches)
        lineage = tuple(Member(f"s{i}", "VOA" if i % 2 else None, None if i else "https://x.example/a",
                               T0 + timedelta(minutes=i) if i % 3 else None, i or None, i == 2,
                               "a copy" if i else None) for i in range(n % 4))
        out.append(dataclasses.replace(e, countries=countries, matches=matches, lineage=lineage))
    return out


@pytest.mark.parametrize("cut", [0, 1, 2, 5, 12])
def test_the_table_is_the_plain_definitions(cut):
    stories = varied()[:cut]
    built, plain = schema.table(stories), plain_table(stories)
    assert built.schema.equals(plain.schema, check_metadata=True)
    assert built.equals(plain)
    assert built.to_pylist() == plain.to_pylist()
    assert encode(built) == encode(plain)


BAD_BODY = "a lone \udc80 surrogate"


@pytest.mark.parametrize("where", ["body", "country", "evidence", "match", "span", "member"])
def test_a_story_a_row_cannot_hold_fails_with_the_first_error_of_the_plain_definition(where):
    e = enriched(1)
    bad_span = (Span("body", 0, 1, "\udc80x"),)
    if where == "body":  # and a bad span too: the body's column comes first, so its error is the one told
        e = dataclasses.replace(e, story=dataclasses.replace(e.story, body=BAD_BODY),
                                matches=(RuleMatch("icbm", 2.0, bad_span),))
    elif where == "country":
        e = dataclasses.replace(e, countries=(CountryTag("\ud800", 1.0),))
    elif where == "evidence":
        e = dataclasses.replace(e, countries=(CountryTag("KP", 1.0, (Span("title", 2**40, 0, "x"),)),))
    elif where == "match":
        e = dataclasses.replace(e, matches=(RuleMatch("icbm", "high"),))  # type: ignore[arg-type]
    elif where == "span":
        e = dataclasses.replace(e, matches=(RuleMatch("icbm", 2.0, bad_span),))
    else:
        e = dataclasses.replace(e, lineage=(Member("s0", "\udc80"),))
    with pytest.raises(Exception) as plain:
        plain_table([e])
    with pytest.raises(type(plain.value)) as built:
        schema.table([enriched(0), e])
    assert str(built.value) == str(plain.value)
    assert isinstance(built.value, (pa.ArrowException, UnicodeError, ValueError, TypeError, OverflowError))
    ok, bad = schema.encodable([enriched(0), e, enriched(2)])
    assert [s.id for s in ok] == ["s0", "s2"]
    assert bad == [(e, f"{type(plain.value).__name__}: {plain.value}"[:500])]
