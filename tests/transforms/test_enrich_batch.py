"""enrich_batch runs with the cyclic garbage collector paused, which is only sound while the chain leaves no
reference cycles behind: both are checked here."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from wirewatch.connectors.files.read import parse_jsonl
from wirewatch.records import Story
from wirewatch.transforms import enrich
from wirewatch.transforms.enrich import Enricher, enrich_batch

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "geotag" / "multilingual.jsonl"


def _stories() -> list[Story]:
    return [s for s in parse_jsonl(SAMPLE.read_bytes(), str(SAMPLE)) if isinstance(s, Story)]


def test_the_collector_is_paused_during_the_batch_and_on_again_after(monkeypatch):
    seen = []
    real = enrich.normalize
    monkeypatch.setattr(enrich, "normalize", lambda s: (seen.append(gc.isenabled()), real(s))[1])
    assert gc.isenabled()
    enrich_batch(_stories()[:3], Enricher.create())
    assert seen == [False] * 3 and gc.isenabled()


def test_the_collector_is_on_again_after_a_failure(monkeypatch):
    monkeypatch.setattr(enrich, "normalize", lambda s: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        enrich_batch(_stories()[:1], Enricher.create())
    assert gc.isenabled()


def test_the_chain_leaves_no_reference_cycles():
    stories, enricher = _stories(), Enricher.create()
    enrich_batch(stories, enricher)  # caches and lazily built indexes made first
    gc.collect()
    gc.disable()  # no automatic collection before the count below
    try:
        enriched, alerts = enrich_batch(stories, enricher)
        del enriched, alerts
        assert gc.collect() == 0  # nothing the batch made was left for the collector
    finally:
        gc.enable()
