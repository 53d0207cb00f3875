"""`wirewatch archive query|import|compact` and replay over an archive, as a user runs them."""

from __future__ import annotations

import csv
import io
import shutil

import orjson
import pyarrow.parquet as pq

from wirewatch.connectors.archive.layout import archive_files
from tests.conftest import DATA, SEED
from tests.pipelines.test_cli import rows, wirewatch


def test_replay_writes_parquet_or_jsonl_and_reads_an_archive_back(tmp_path):
    inputs = [str(SEED), str(DATA / "seed-reuters-copy.txt")]
    assert wirewatch("replay", *inputs, "--out", str(tmp_path / "p"), "-q").returncode == 0
    assert wirewatch("replay", *inputs, "--out", str(tmp_path / "j"), "-q", "--archive-format", "jsonl").returncode == 0
    assert [f.suffix for f in (tmp_path / "j" / "archive").rglob("*.*")] == [".jsonl"]
    [parquet] = archive_files(tmp_path / "p" / "archive")
    assert sorted(pq.read_table(parquet).column("id").to_pylist()) == sorted(s["id"] for s in rows(tmp_path / "p" / "stories.jsonl"))
    # a new watch list over history: the archive folder is an input like any other
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: hwasong\n    query: Hwasong*\n", encoding="utf-8")
    again = wirewatch("replay", str(tmp_path / "p" / "archive"), "--rules", str(rules), "--out", str(tmp_path / "r"))
    assert again.returncode == 0, again.stderr
    assert "stories: 2 in 1 clusters (1 duplicates)" in again.stdout
    assert {a["rule"] for a in rows(tmp_path / "r" / "alerts.jsonl")} == {"hwasong"}
    assert rows(tmp_path / "r" / "deadletter.jsonl") == []


def test_import_then_query_in_three_formats(tmp_path):
    assert wirewatch("replay", str(SEED), str(DATA / "seed-reuters-copy.txt"), "--out", str(tmp_path / "out"), "-q").returncode == 0
    json_archive = tmp_path / "json"
    json_archive.mkdir()
    for n, story in enumerate(rows(tmp_path / "out" / "stories.jsonl")):  # as the service writes it: one file a story
        (json_archive / f"wirewatch.stories-1-{n:012d}.json").write_bytes(orjson.dumps(story))
    (json_archive / "broken.json").write_bytes(b"{not json")
    archive = tmp_path / "archive"
    done = wirewatch("archive", "import", str(json_archive), str(tmp_path / "out" / "stories.jsonl"), "--to", str(archive))
    assert done.returncode == 0, done.stderr
    assert "imported 4 stories" in done.stdout and "dead letters: 1" in done.stdout and "broken.json:0: import:" in done.stderr
    assert len(archive_files(archive)) == 1  # the import's batches compacted, each id once
    table = wirewatch("archive", "query", str(archive), "--rule", "icbm")
    assert table.returncode == 0 and table.stdout.strip().endswith("(2 stories)") and "VOA" in table.stdout
    found = [orjson.loads(line) for line in wirewatch("archive", "query", str(archive), "--format", "jsonl",
                                                      "--source", "voa").stdout.splitlines()]
    assert len(found) == 1 and found[0]["publisher"] == "VOA" and found[0]["origin"] == "wirewatch.stories/1@0"
    assert any(m["rule"] == "icbm" and m["spans"] for m in found[0]["matches"])
    listed = list(csv.DictReader(io.StringIO(wirewatch("archive", "query", str(archive), "--format", "csv",
                                                       "--text", "Hwasong", "--country", "kp").stdout)))
    assert len(listed) == 2 and all("KP" in r["country_codes"].split(";") for r in listed)
    assert "(0 stories)" in wirewatch("archive", "query", str(archive), "--since", "2099-01-01").stdout
    bad = wirewatch("archive", "query", str(archive), "--since", "2026-03-01T10:00")
    assert bad.returncode == 2 and "has no timezone" in bad.stderr


def test_compact_merges_small_files(tmp_path):
    out = tmp_path / "out"
    assert wirewatch("replay", str(SEED), "--out", str(out), "-q").returncode == 0
    assert wirewatch("replay", str(DATA / "seed-reuters-copy.txt"), "--out", str(tmp_path / "b"), "-q").returncode == 0
    [other] = archive_files(tmp_path / "b" / "archive")
    shutil.copy(other, archive_files(out / "archive")[0].parent / other.name)
    assert len(archive_files(out / "archive")) == 2
    done = wirewatch("archive", "compact", str(out / "archive"))
    assert done.returncode == 0 and "compacted 1 day folders" in done.stdout
    assert len(archive_files(out / "archive")) == 1
