"""A small archive for the console's tests and screenshots: the seed story and its Reuters copy (one
cluster, two outlets), a story whose headline is an XSS attempt, and a day of made-up stories across
regions and rules, all enriched by the real chain with the default watch list."""

from __future__ import annotations

import dataclasses
import html
from datetime import datetime, timedelta, timezone
from pathlib import Path

from wirewatch.connectors.archive.writer import ParquetArchive
from wirewatch.connectors.files.read import read_path
from wirewatch.records import Alert, EnrichedStory, Story
from wirewatch.transforms.enrich import Enricher, enrich_batch
from tests.conftest import DATA, SEED

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
# Entities in the feed: after HTML-to-text the clean title holds the tags as text, which pages must escape.
XSS_TITLE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"> Missile test'
PLACES = [
    ("Tokyo", "Japan"), ("Paris", "France"), ("Brasilia", "Brazil"), ("Lagos", "Nigeria"), ("New Delhi", "India"),
    ("Kyiv", "Ukraine"), ("Seoul", "South Korea"), ("Cairo", "Egypt"), ("Berlin", "Germany"), ("Canberra", "Australia"),
]
EVENTS = [
    "said on {day} it had tested an intercontinental ballistic missile over the sea",
    "announced that troops would withdraw from the border region within weeks",
    "signed a deal to supply artillery shells and drones to a neighbouring army",
    "reported heavy rain and floods in the north of the country",
    "held talks on trade and investment with a visiting delegation",
]


def made_up(n: int) -> Story:
    city, country = PLACES[n % len(PLACES)]
    event = EVENTS[n % len(EVENTS)].format(day="Monday")
    body = (f"{city} - The government of {country} {event}, officials in {city} said.\n"
            f"The statement from {country} gave no further details.")
    return Story(id=f"demo-{n:03d}", title=f"{country}: {event.split(' said')[0][:60]}", body=body,
                 source="demo-feed", publisher=["VOA", "AFP", "Yonhap", "Reuters"][n % 4],
                 published=NOW - timedelta(minutes=37 * n + 5), language="en")


def stories() -> list[Story]:
    seed = [s for s in read_path(str(SEED)) if isinstance(s, Story)]
    copy = [s for s in read_path(str(DATA / "seed-reuters-copy.txt")) if isinstance(s, Story)]
    dated = [dataclasses.replace(s, published=NOW - timedelta(minutes=23 - 3 * i)) for i, s in enumerate(seed + copy)]
    xss = Story(id="xss-1", title=html.escape(XSS_TITLE), source="hostile-feed", published=NOW - timedelta(minutes=12),
                body=html.escape("<b>Pyongyang</b> said it tested an intercontinental ballistic missile. "
                                 "<script>document.title='pwned'</script>"),
                url="javascript:document.title='pwned'", language="en")
    return dated + [xss] + [made_up(n) for n in range(36)]


def build(root: Path) -> tuple[list[EnrichedStory], list[Alert]]:
    """Enrich the demo stories and archive them under ``root``; returns the stories and their alerts."""
    enriched, alerts = enrich_batch(stories(), Enricher.create())
    ParquetArchive(root).write(enriched)
    return enriched, alerts


def seed_id() -> str:
    return next(s.id for s in read_path(str(SEED)) if isinstance(s, Story))
