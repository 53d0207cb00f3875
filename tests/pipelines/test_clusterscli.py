"""``wirewatch clusters``: the clusters of saved files with their members, versions and what changed."""

from __future__ import annotations

import orjson

from tests.conftest import ROOT
from tests.pipelines.test_cli import wirewatch
from tests.transforms.test_clusterstate import _versions


def _inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [orjson.dumps(s.to_dict()) for s in _versions()]
    lines.append(orjson.dumps({"id": "alone", "body": "A lone story about a harbour."}))
    (folder / "quake.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def test_clusters_json_lists_members_in_order_with_versions_and_changes(tmp_path):
    done = wirewatch("clusters", str(_inputs(tmp_path)), "--json")
    assert done.returncode == 0, done.stderr
    [report] = [orjson.loads(line) for line in done.stdout.splitlines()]  # the lone story is below --min-size 2
    assert report["cluster"] == "u1" and report["stories"] == 4 and report["outlets"] == 2
    assert [(m["story_id"], m["version"], m["correction"]) for m in report["members"]] == [
        ("u1", 2, False), ("copy", None, False), ("u2", 3, False), ("c2", 3, True)]
    assert report["members"][2]["changes"].endswith("death toll 12 -> 31")


def test_clusters_text_and_min_size(tmp_path):
    folder = _inputs(tmp_path)
    done = wirewatch("clusters", str(folder))
    assert done.returncode == 0, done.stderr
    assert "cluster u1: 4 stories, 2 outlets" in done.stdout
    assert "changed: 1 paragraph added; 1 paragraph changed; death toll 12 -> 31" in done.stdout
    assert "v3 correction" in done.stdout
    alone = wirewatch("clusters", str(folder), "--min-size", "1", "--json")
    assert len(alone.stdout.splitlines()) == 2


def test_clusters_and_backtest_read_a_replays_parquet_archive_as_its_inputs(tmp_path):
    folder = _inputs(tmp_path)
    (folder / "launch.jsonl").write_bytes(orjson.dumps(
        {"id": "icbm", "body": "North Korea fired an intercontinental ballistic missile, Seoul said."}) + b"\n")
    done = wirewatch("replay", str(folder), "--out", str(tmp_path / "out"), "-q")
    assert done.returncode == 0, done.stderr
    archive = tmp_path / "out" / "archive"

    def members(*paths):
        done = wirewatch("clusters", *paths, "--json", "--min-size", "1")
        assert done.returncode == 0 and not done.stderr, done.stderr  # no dead letter: the archive was read
        return sorted((r["cluster"], sorted(m["story_id"] for m in r["members"]))
                      for r in map(orjson.loads, done.stdout.splitlines()))

    assert members(str(archive)) == members(str(folder))

    def hits(path):
        done = wirewatch("backtest", "--rules", str(ROOT / "transforms" / "data" / "watchlist.yaml"), path,
                         "--json", str(tmp_path / "bt.json"))
        assert done.returncode == 0, done.stderr
        report = orjson.loads((tmp_path / "bt.json").read_bytes())
        assert report["dead_letters"] == []
        return report["stories"], {rule: (r["hits"], sorted(s["id"] for s in r["samples"]))
                                   for rule, r in report["rules"].items()}

    stories, by_rule = hits(str(archive))
    assert (stories, by_rule) == hits(str(folder)) and stories == 6 and by_rule["icbm"] == (1, ["icbm"])
