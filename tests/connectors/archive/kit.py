"""Enriched stories made to order for the archive tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from wirewatch.records import Cluster, CountryTag, EnrichedStory, Origin, RuleMatch, Span, Story

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def enriched(n: int, *, day: int = 0, title: str | None = None, body: str | None = None, countries=("KP",),
             regions=("Eastern Asia",), rules=("icbm",), cluster: str | None = None, source: str = "feed-a",
             publisher: str | None = "VOA", offset: int | None = None, topic: str = "wirewatch.stories",
             undated: bool = False) -> EnrichedStory:
    body = body if body is not None else f"Story {n} says Pyongyang tested a missile."
    title = title if title is not None else f"Headline {n}"
    published = None if undated else T0 + timedelta(days=day, minutes=n)
    origin = Origin.kafka(topic, n % 3, offset if offset is not None else n) if offset is not None or topic else None
    start = body.find("missile")
    spans = (Span("body", start, start + 7, "missile"),) if start >= 0 else ()
    return EnrichedStory(
        Story(id=f"s{n}", body=body, title=title, source=source, publisher=publisher, published=published,
              origin=origin, language="en"),
        countries=tuple(CountryTag(code, 1.5, ()) for code in countries),
        regions=tuple(regions),
        matches=tuple(RuleMatch(rule, 2.0, spans, "missile") for rule in rules),
        cluster=Cluster(cluster or f"s{n}", None if cluster in (None, f"s{n}") else cluster),
    )
