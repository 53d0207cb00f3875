"""enrich_batch takes its stories through the steps a step at a time over runs of stories (``TOGETHER``):
the results must be those of any other run length, one story at a time included."""

from pathlib import Path

from wirewatch.connectors.files.read import parse_jsonl
from wirewatch.records import Story
from wirewatch.transforms import enrich
from wirewatch.transforms.enrich import Enricher, enrich_batch

DATA = Path(__file__).resolve().parent.parent / "data" / "geotag" / "multilingual.jsonl"


def test_runs_of_any_length_enrich_alike(monkeypatch):
    stories = [s for s in parse_jsonl(DATA.read_bytes(), str(DATA)) if isinstance(s, Story)]
    assert len(stories) > 40
    enricher = Enricher.create()
    whole = enrich_batch(stories, enricher)
    for length in (1, 7):
        monkeypatch.setattr(enrich, "TOGETHER", length)
        assert repr(enrich_batch(stories, enricher)) == repr(whole)
    assert any(e.countries for e in whole[0]) and any(e.matches for e in whole[0])
