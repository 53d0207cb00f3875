"""``wirewatch clusters``: the clusters of saved files with their members, versions and what changed."""

from __future__ import annotations

import orjson

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
