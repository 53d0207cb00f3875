"""Which countries and UN M49 sub-regions a story is about, with evidence spans, by gazetteer vote.

Dateline and headline mentions weigh more than body mentions; names must be capitalised as written.
"""

from __future__ import annotations

from collections import defaultdict

from wirewatch.transforms.gazetteer import ROLE_FIELDS, Gazetteer, Place
from wirewatch.records import CountryTag, Span, Story
from wirewatch.transforms.tokens import keys, tokenize

FIELD_WEIGHTS = {"dateline": 3.0, "title": 2.0, "body": 1.0}
MIN_SCORE = 0.5
MAX_EVIDENCE = 10


def find_places(text: str, field: str, gazetteer: Gazetteer) -> list[tuple[Place, Span]]:
    """Leftmost-longest gazetteer hits in ``text`` ("North Korean" wins over "Korea")."""
    tokens = tokenize(text)
    hits = sorted(gazetteer.index.find(keys(tokens, stemmed=False)), key=lambda h: (h.first, -h.last))
    found = []
    taken_until = -1
    for hit in hits:
        if hit.first <= taken_until:
            continue
        start, end = tokens[hit.first].start, tokens[hit.last].end
        written = text[start:end]
        place = hit.payload
        if not written[:1].isupper() or field not in ROLE_FIELDS.get(place.kind, (field,)):
            continue
        if place.exact_case and written.replace(".", "") != place.name.replace(".", "").rstrip("."):
            continue
        taken_until = hit.last
        found.append((place, Span(field, start, end, written)))
    return found


def classify(story: Story, gazetteer: Gazetteer) -> tuple[tuple[CountryTag, ...], tuple[str, ...]]:
    """Countries (score-ordered) and their sub-regions (ordered by summed country score)."""
    scores: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[Span]] = defaultdict(list)
    for field in ("dateline", "title", "body"):
        text = getattr(story, field)
        if not text:
            continue
        for place, span in find_places(text, field, gazetteer):
            scores[place.code] += place.weight * FIELD_WEIGHTS[field]
            evidence[place.code].append(span)
    tags = [
        CountryTag(code, round(score, 3), tuple(evidence[code][:MAX_EVIDENCE]))
        for code, score in scores.items()
        if score >= MIN_SCORE
    ]
    tags.sort(key=lambda t: (-t.score, t.code))
    region_scores: dict[str, float] = defaultdict(float)
    for tag in tags:
        region = gazetteer.subregion(tag.code)
        if region:
            region_scores[region] += tag.score
    regions = sorted(region_scores, key=lambda r: (-region_scores[r], r))
    return tuple(tags), tuple(regions)
