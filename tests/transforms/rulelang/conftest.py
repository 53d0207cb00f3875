from __future__ import annotations

import pytest

from wirewatch.transforms.gazetteer import default_gazetteer
from wirewatch.transforms.geotag import classify
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.normalize import normalize
from wirewatch.records import EnrichedStory, Story
from wirewatch.transforms.rules import default_watchlist


@pytest.fixture(scope="session")
def default_matcher() -> Matcher:
    return Matcher(default_watchlist(), cache=None)


@pytest.fixture(scope="session")
def enrich():
    """Text -> the EnrichedStory the pipeline would hand MatchRules (normalized, countries, regions)."""
    gazetteer = default_gazetteer()

    def make(body: str, title: str | None = None) -> EnrichedStory:
        story = normalize(Story(id="t", body=body, title=title))
        countries, regions = classify(story, gazetteer)
        return EnrichedStory(story, countries, regions)

    return make
