"""The Parquet archive's writer: rows that read back as the same records, day folders, idempotence by story
id, atomic files, compaction."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.layout import archive_files, is_archive, partition_of
from wirewatch.connectors.archive.reader import read_files, read_folder
from wirewatch.connectors.archive.writer import ParquetArchive, encode
from wirewatch.records import DeadLetter, EnrichedStory, Story
from tests.connectors.archive.kit import enriched


def ids(root: Path) -> list[str]:
    return sorted(i for f in archive_files(root) for i in pq.read_table(f, columns=["id"]).column("id").to_pylist())


def test_rows_read_back_as_the_same_records_with_their_kafka_position(tmp_path):
    stories = [enriched(1), enriched(2, day=1, countries=("KR", "US"), rules=()), enriched(3, undated=True)]
    ParquetArchive(tmp_path).write(stories)
    back = {s.id: s for f in archive_files(tmp_path) for s in read_files([f])}
    assert back == {s.id: s for s in stories}
    row = pq.read_table(archive_files(tmp_path)[0]).to_pylist()[0]
    assert (row["kafka_topic"], row["kafka_partition"], row["kafka_offset"]) == ("wirewatch.stories", 1, 1)
    assert row["country_codes"] == ["KP"] and row["rules"] == ["icbm"]


def test_one_folder_per_day(tmp_path):
    ParquetArchive(tmp_path).write([enriched(1), enriched(2, day=1), enriched(3, undated=True)])
    assert sorted(f.parent.name for f in archive_files(tmp_path)) == ["dt=2026-03-01", "dt=2026-03-02", "dt=undated"]
    assert partition_of(enriched(1)) == "dt=2026-03-01" and is_archive(tmp_path) and not is_archive(tmp_path / "x")


def test_a_story_written_again_adds_nothing(tmp_path):
    archive = ParquetArchive(tmp_path)
    first = archive.write([enriched(n) for n in range(5)])
    again = archive.write([enriched(n) for n in range(3, 8)])  # 3 and 4 are there already
    assert len(first) == len(again) == 1
    assert ids(tmp_path) == sorted(f"s{n}" for n in range(8))
    assert pq.read_table(again[0]).num_rows == 3


def test_a_new_writer_knows_what_the_folder_holds(tmp_path):
    ParquetArchive(tmp_path).write([enriched(n) for n in range(5)])
    assert ParquetArchive(tmp_path).write([enriched(n) for n in range(1, 4)]) == []  # another batch, nothing new
    assert ids(tmp_path) == sorted(f"s{n}" for n in range(5))


def test_the_same_batch_again_replaces_its_own_file(tmp_path):
    """A replay with changed rules into the same folder rewrites its file: the archive shows the new matches."""
    archive = ParquetArchive(tmp_path)
    [path] = archive.write([enriched(1, rules=("icbm",)), enriched(2)])
    [again] = ParquetArchive(tmp_path).write([enriched(1, rules=("arms",)), enriched(2)])
    assert again == path and len(archive_files(tmp_path)) == 1
    assert [s.matches[0].rule for s in read_files([path]) if s.id == "s1"] == ["arms"]


def test_files_appear_whole_or_not_at_all(tmp_path):
    """The bytes go to a hidden temporary name first; a failed write leaves nothing a reader lists."""
    def failing(path: Path, data: bytes) -> None:
        tmp = path.parent / f".{path.name}.partial.tmp"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        ParquetArchive(tmp_path, write_file=failing).write([enriched(1)])
    assert archive_files(tmp_path) == [] and list(read_folder(tmp_path / "dt=2026-03-01")) == []
    archive = ParquetArchive(tmp_path)
    archive.write([enriched(1)])  # the failed story was never recorded as written
    assert ids(tmp_path) == ["s1"]


def test_compaction_merges_small_files_and_drops_copies(tmp_path):
    archive = ParquetArchive(tmp_path)
    for n in range(6):
        archive.write([enriched(n), enriched(n + 1)])  # each story but s0 and s6 in two batches
    folder = tmp_path / "dt=2026-03-01"
    (folder / "part-copy.parquet").write_bytes(encode(schema.table([enriched(2)])))  # as a second writer would
    stale = folder / ".part-x.parquet.0123.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    [merged] = archive.compact()
    assert archive_files(tmp_path) == [merged] and not stale.exists()
    table = pq.read_table(merged)
    assert sorted(table.column("id").to_pylist()) == [f"s{n}" for n in range(7)]
    assert table.column("published").to_pylist() == sorted(table.column("published").to_pylist())
    assert archive.write([enriched(3)]) == []  # the writer follows the folder's new listing
    assert archive.compact() == []  # nothing small left to merge


def test_an_unreadable_file_is_a_dead_letter(tmp_path):
    folder = tmp_path / "dt=2026-03-01"
    folder.mkdir(parents=True)
    (folder / "part-bad.parquet").write_bytes(b"not parquet")
    [letter] = list(read_folder(folder))
    assert isinstance(letter, DeadLetter) and letter.stage == "read"
    ParquetArchive(tmp_path).write([enriched(1)])  # the writer skips it (logged) and goes on


def test_rows_also_come_from_the_json_shape():
    """``schema.enriched`` reads an enriched story's JSON (the JSON archive, replay output) as well as a row."""
    story = enriched(1, cluster="s0")
    back = schema.enriched(story.to_dict())
    assert (back.countries, back.regions, back.matches, back.cluster) == (
        story.countries, story.regions, story.matches, story.cluster)
    assert (back.story.title, back.story.body, back.story.published) == (
        story.story.title, story.story.body, story.story.published)


def test_a_compaction_cut_short_is_finished_by_the_next_and_never_shows_a_story_twice(tmp_path):
    archive = ParquetArchive(tmp_path)
    archive.write([enriched(1), enriched(2)])
    archive.write([enriched(3)])
    folder = tmp_path / "dt=2026-03-01"
    small = sorted(p.name for p in folder.iterdir())
    # killed after the merged file appeared, before the files it replaced were removed
    (folder / "compacted-m.replaces").write_text("".join(f"{n}\n" for n in small))
    (folder / "compacted-m.parquet").write_bytes(encode(schema.table([enriched(n) for n in (1, 2, 3)])))
    assert [p.name for p in archive_files(tmp_path)] == ["compacted-m.parquet"]
    assert ids(tmp_path) == ["s1", "s2", "s3"]
    assert archive.write([enriched(2), enriched(3)]) == []  # the writer sees the ids where readers see them
    archive.compact()
    assert sorted(p.name for p in folder.iterdir()) == ["compacted-m.parquet"]


def test_a_manifest_without_its_merged_file_hides_nothing(tmp_path):
    ParquetArchive(tmp_path).write([enriched(1)])
    folder = tmp_path / "dt=2026-03-01"
    [name] = [p.name for p in folder.iterdir()]
    (folder / "compacted-m.replaces").write_text(f"{name}\n")  # killed before the merged file's rename
    assert ids(tmp_path) == ["s1"]
    ParquetArchive(tmp_path).compact()
    assert sorted(p.name for p in folder.iterdir()) == [name]


def test_a_story_a_row_cannot_hold_is_told_apart():
    bad = EnrichedStory(Story(id="bad", body="lone \udc80 surrogate"))
    ok, refused = schema.encodable([enriched(1), bad])
    assert [s.id for s in ok] == ["s1"] and [(s.id, why.split(":")[0]) for s, why in refused] == [("bad", "UnicodeEncodeError")]


def test_visible_names_are_the_finished_files_no_finished_compaction_replaced(tmp_path):
    from wirewatch.connectors.archive.layout import visible_files, visible_names

    folder = tmp_path / "dt=2026-03-01"
    folder.mkdir()
    for name in ("a.parquet", "b.parquet", "c.parquet", ".tmp-d.parquet", "notes.txt", "compacted-m.parquet"):
        (folder / name).write_bytes(b"")
    (folder / "compacted-m.replaces").write_text("a.parquet\nb.parquet\n")  # finished: the merged file is there
    (folder / "compacted-n.replaces").write_text("c.parquet\n")  # not finished: no compacted-n.parquet yet
    assert visible_names(folder) == {"c.parquet", "compacted-m.parquet"}
    assert [p.name for p in visible_files(folder)] == ["c.parquet", "compacted-m.parquet"]
    assert visible_names(tmp_path / "dt=2026-03-02") == frozenset()  # no such folder
