"""The default watch list by concept: each rule against 40 or more sentences that are about it and 40 or more
near misses that share its words (tests/data/concepts/sentences/RULE.txt: ``+ sentence`` or ``- sentence``),
written from how reporters phrase things. Each sentence is one story through the whole enrichment chain, so
country and region predicates see what ClassifyRegions found."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.records import Story
from wirewatch.transforms.enrich import Enricher, enrich_batch
from wirewatch.transforms.rules import default_watchlist

SENTENCES = Path(__file__).resolve().parents[2] / "data" / "concepts" / "sentences"
RULES = [rule.id for rule in default_watchlist().rules]
MIN_RECALL = 0.9  # of a rule's own sentences
MAX_FALSE = 0.075  # of its near misses


def sentences(rule: str) -> tuple[list[str], list[str]]:
    lines = (SENTENCES / f"{rule}.txt").read_text(encoding="utf-8").splitlines()
    return [s[2:] for s in lines if s.startswith("+ ")], [s[2:] for s in lines if s.startswith("- ")]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.create()


def fired(enricher: Enricher, texts: list[str], rule: str) -> list[bool]:
    stories = [Story(id=f"s{n}", body=text) for n, text in enumerate(texts)]
    enriched, _ = enrich_batch(stories, enricher)
    return [any(m.rule == rule for m in story.matches) for story in enriched]


def test_every_default_rule_has_its_sentences():
    assert len(RULES) >= 16
    for rule in RULES:
        positives, negatives = sentences(rule)
        assert len(positives) >= 40 and len(negatives) >= 40, rule
        assert not set(positives) & set(negatives), rule


@pytest.mark.parametrize("rule", RULES)
def test_rule_finds_its_concept_and_not_its_near_misses(enricher, rule):
    positives, negatives = sentences(rule)
    missed = [s for s, hit in zip(positives, fired(enricher, positives, rule), strict=True) if not hit]
    flagged = [s for s, hit in zip(negatives, fired(enricher, negatives, rule), strict=True) if hit]
    assert len(missed) <= (1 - MIN_RECALL) * len(positives), f"{rule} missed: {missed}"
    assert len(flagged) <= MAX_FALSE * len(negatives), f"{rule} flagged: {flagged}"
