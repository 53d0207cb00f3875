"""Every file of the shared feed and wire corpora parses without raising; every failure is a dead letter
with a reason, and the totals stay where we measured them (so a regression shows up as a count)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.connectors.files.read import expand_paths, read_path
from wirewatch.records import DeadLetter, Story

# folder: (files giving at least one story, at least) as measured when the parsers were written
FOLDERS = {
    "feeds/feed-rs": 65, "feeds/feedparser-tests": 485, "feeds/miniflux": 8, "feeds/node-feedparser": 26,
    "feeds/rss-parser": 31, "wire/iptc-newsml-g2": 15, "wire/iptc-ninjs": 42, "wire/superdesk-fixtures": 57,
}


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_corpus_folder_never_crashes_and_explains_failures(folder: str, shared_corpora: Path) -> None:
    files = expand_paths([shared_corpora / folder])
    with_stories = 0
    for path in files:
        records = list(read_path(path))
        assert records, f"{path} vanished: no story and no dead letter"
        stories = [r for r in records if isinstance(r, Story)]
        dead = [r for r in records if isinstance(r, DeadLetter)]
        assert len(stories) + len(dead) == len(records)
        for letter in dead:
            assert letter.reason and str(letter.origin).startswith(path), letter
            assert letter.retriable is False
        for story in stories:
            assert story.id and story.origin and str(story.origin).startswith(path)
            assert story.published is None or story.published.utcoffset() is not None
        with_stories += bool(stories)
    assert with_stories >= FOLDERS[folder], f"{folder}: {with_stories} of {len(files)} files gave stories"
