"""DuckDB questions against an archive of known stories."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.query import ArchiveQuery, ArchiveQueryError, Filters
from wirewatch.connectors.archive.writer import ParquetArchive, encode
from tests.connectors.archive.kit import T0, enriched


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    writer = ParquetArchive(root)
    writer.write([
        enriched(1, title="North Korea fires ICBM", countries=("KP",), rules=("icbm",), cluster="s1"),
        enriched(2, title="Seoul reacts", countries=("KR", "KP"), rules=("icbm",), cluster="s1", publisher="Yonhap"),
        enriched(3, title="Troops leave Niger", body="French troops withdraw from Niger.", countries=("NE", "FR"),
                 regions=("Western Africa", "Western Europe"), rules=("troop-withdrawal",), source="feed-b",
                 publisher="AFP"),
    ])
    writer.write([enriched(4, day=2, title="Quiet day", body="Nothing happened.", countries=(), regions=(), rules=()),
                  enriched(5, undated=True, title="Undated note", countries=(), regions=(), rules=())])
    # a compaction that merged s1 and s2 into one file, before it removed the file it replaced
    day = root / "dt=2026-03-01"
    [original] = [p.name for p in day.iterdir()]
    (day / "compacted-x.replaces").write_text(f"{original}\n")
    (day / "compacted-x.parquet").write_bytes(encode(schema.table([
        enriched(1, title="North Korea fires ICBM", countries=("KP",), rules=("icbm",), cluster="s1"),
        enriched(2, title="Seoul reacts", countries=("KR", "KP"), rules=("icbm",), cluster="s1", publisher="Yonhap"),
        enriched(3, title="Troops leave Niger", body="French troops withdraw from Niger.", countries=("NE", "FR"),
                 regions=("Western Africa", "Western Europe"), rules=("troop-withdrawal",), source="feed-b",
                 publisher="AFP")])))
    # and one whose merged file never appeared (a crash before its rename): it hides nothing
    (root / "dt=2026-03-03" / "compacted-y.replaces").write_text("".join(f"{p.name}\n" for p in (root / "dt=2026-03-03").iterdir()))
    return ArchiveQuery(root)


def found(archive: ArchiveQuery, **filters) -> list[str]:
    return [r["id"] for r in archive.search(Filters(**filters), limit=100)]


def test_all_stories_newest_first_each_once(archive):
    assert found(archive) == ["s4", "s3", "s2", "s1", "s5"]
    assert archive.count() == 5


@pytest.mark.parametrize("filters, expected", [
    ({"countries": ("KP",)}, ["s2", "s1"]),
    ({"countries": ("NE", "KR")}, ["s3", "s2"]),
    ({"regions": ("Western Africa",)}, ["s3"]),
    ({"rules": ("icbm",)}, ["s2", "s1"]),
    ({"sources": ("afp",)}, ["s3"]),
    ({"sources": ("feed-b",)}, ["s3"]),
    ({"text": "troops NIGER"}, ["s3"]),
    ({"text": "korea icbm"}, ["s1"]),
    ({"text": "100%"}, []),
    ({"cluster": "s1"}, ["s2", "s1"]),
    ({"since": T0 + timedelta(days=1)}, ["s4"]),
    ({"until": T0 + timedelta(minutes=2)}, ["s1"]),
    ({"since": T0, "until": T0 + timedelta(days=1), "rules": ("icbm",), "countries": ("KR",)}, ["s2"]),
])
def test_filters(archive, filters, expected):
    assert found(archive, **filters) == expected
    assert archive.count(Filters(**filters)) == len(expected)


def test_a_page_and_the_total_in_one_pass(archive):
    rows, total = archive.page(Filters(rules=("icbm",)), limit=1)
    assert [r["id"] for r in rows] == ["s2"] and total == 2 and "matching" not in rows[0]
    assert archive.page(Filters(rules=("icbm",)), limit=1, offset=5) == ([], 2)


def test_paging(archive):
    pages = [[r["id"] for r in archive.search(limit=2, offset=o)] for o in (0, 2, 4, 6)]
    assert pages == [["s4", "s3"], ["s2", "s1"], ["s5"], []]


def test_one_story_whole(archive):
    story = archive.story("s3")
    assert story is not None and story.story.title == "Troops leave Niger"
    assert story.matches[0].spans == () and story.story.origin.position == ("wirewatch.stories", 0, 3)
    assert archive.story("nope") is None
    assert archive.story("x' OR '1'='1") is None  # values are parameters, never SQL


def test_a_cluster_and_its_outlets(archive):
    outlets = archive.cluster("s1", around=T0)
    assert [(o["id"], o["publisher"]) for o in outlets] == [("s1", "VOA"), ("s2", "Yonhap")]
    assert archive.outlet_counts(["s1", "s3", "zz"]) == {"s1": 2, "s3": 1}


def test_counts_per_region_and_rule(archive):
    day = (T0, T0 + timedelta(days=1))
    assert archive.counts("rules", *day) == [("icbm", 2), ("troop-withdrawal", 1)]
    assert archive.counts("regions", *day)[0] == ("Eastern Asia", 2)
    with pytest.raises(ArchiveQueryError):
        archive.counts("body", *day)


def test_an_empty_or_missing_archive_answers_nothing(tmp_path):
    assert ArchiveQuery(tmp_path / "none").search() == [] and ArchiveQuery(tmp_path).count() == 0


def test_bad_questions_are_refused():
    with pytest.raises(ArchiveQueryError):
        Filters(since=T0, until=T0)
    with pytest.raises(ArchiveQueryError):
        Filters(since=T0.replace(tzinfo=None))
