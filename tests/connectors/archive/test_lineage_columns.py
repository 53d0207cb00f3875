"""The archive keeps a story's wire version and its cluster's lineage (issue 16); files written before those
columns existed stay readable and queryable beside new ones."""

from __future__ import annotations

import dataclasses

import pyarrow.parquet as pq

from tests.connectors.archive.kit import T0, enriched
from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.query import ArchiveQuery
from wirewatch.connectors.archive.reader import read_files
from wirewatch.connectors.archive.writer import ParquetArchive
from wirewatch.records import Member


def _versioned():
    base = enriched(2, title="Quake kills 31", cluster="s1")
    story = dataclasses.replace(base.story, item_id="urn:quake", version=3, supersedes="s1", correction=True)
    lineage = (Member("s1", "reuters.com", "https://reuters.com/q", T0, 2),
               Member("s2", "reuters.com", None, T0, 3, True, "death toll 12 -> 31"))
    return dataclasses.replace(base, story=story, lineage=lineage)


def test_versions_and_lineage_round_trip(tmp_path):
    story = _versioned()
    [path] = ParquetArchive(tmp_path).write([story])
    [back] = list(read_files([path]))
    assert back.story.version == 3 and back.story.supersedes == "s1" and back.story.correction
    assert back.lineage == story.lineage
    assert ArchiveQuery(tmp_path).story(story.id).lineage == story.lineage


def test_files_without_the_new_columns_are_read_beside_new_ones(tmp_path):
    old = enriched(1, title="Quake kills 12", cluster="s1")
    day = tmp_path / "dt=2026-03-01"
    day.mkdir()
    table = schema.table([old])
    pq.write_table(table.drop_columns(["item_id", "version", "supersedes", "correction", "lineage"]),
                   day / "old.parquet")
    ParquetArchive(tmp_path).write([_versioned()])
    query = ArchiveQuery(tmp_path)
    assert query.count() == 2
    assert query.story(old.id).lineage == () and query.story(old.id).story.version is None
    assert len(query.story(_versioned().id).lineage) == 2
