"""``wirewatch backtest`` and ``wirewatch explain`` as a user runs them: a subprocess on real files."""

from __future__ import annotations

import orjson

from tests.conftest import SEED, SEEDS
from tests.pipelines.test_cli import wirewatch
from wirewatch.transforms.rulelang.backtest import report

OLD = "rules:\n  - id: icbm\n    query: case:ICBM\n  - id: cocoa\n    query: cocoa\n"
STORIES = [
    {"id": "a", "title": "Cocoa review", "body": "Showers helped the cocoa crop in Bahia."},
    {"id": "b", "title": "Arms", "body": "Iran has been shipping drones to Russia, officials said."},
]


def test_backtest_counts_samples_and_diffs_against_old_rules(tmp_path):
    stories = tmp_path / "s.jsonl"
    stories.write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in STORIES))
    old = tmp_path / "old.yaml"
    old.write_text(OLD, encoding="utf-8")
    out = tmp_path / "report.json"
    done = wirewatch("backtest", "--rules", "transforms/data/watchlist.yaml", "--against", str(old),
                     "--json", str(out), str(stories), str(SEEDS), cwd=SEED.parent.parent)
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(out.read_bytes())
    assert summary["stories"] == 3
    rules = summary["rules"]
    assert rules["arms-transfer"]["hits"] == 2 and {g["id"] for g in rules["arms-transfer"]["gained"]} == {
        "b", "17aea1b3ee73e8df"}
    samples = {s["id"]: s["context"] for s in rules["arms-transfer"]["samples"]}
    assert "[shipping drones]" in samples["b"] and "[supply of weaponry]" in samples["17aea1b3ee73e8df"]
    assert rules["cocoa"]["hits"] == 0 and [g["id"] for g in rules["cocoa"]["lost"]] == ["a"]
    assert rules["icbm"]["old_hits"] == 0 and rules["icbm"]["hits"] == 1
    assert "arms-transfer" in done.stdout and "lost 1 stories" in done.stdout


def test_backtest_rejects_a_bad_rule_file_with_its_position(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: a\n    query: 'x AND'\n", encoding="utf-8")
    done = wirewatch("backtest", "--rules", str(bad), str(SEEDS))
    assert done.returncode == 2
    assert f"{bad}:3:" in done.stderr and "query ended" in done.stderr


def test_explain_says_why_each_rule_did_or_did_not_fire(tmp_path):
    stories = tmp_path / "s.jsonl"
    stories.write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in STORIES))
    done = wirewatch("explain", "--story", "b", str(stories))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("FIRED arms-transfer: fired: score 2") for line in lines)
    assert any("NEAR/6 ^2: true" in line and "shipping drones" in line for line in lines)
    assert any(line.startswith("no    icbm: not a candidate: it needs one of") for line in lines)
    seed = wirewatch("explain", "--story", str(SEED))
    assert "FIRED icbm" in seed.stdout and "FIRED troop-withdrawal" in seed.stdout
    missing = wirewatch("explain", "--story", "nope", str(stories))
    assert missing.returncode != 0 and "no story with id 'nope'" in missing.stderr


def test_report_without_old_rules_has_no_diff():
    summary = report([{"id": "1", "new": {"r": {"score": 1, "clause": "x", "context": "[x]"}}}])
    assert summary == {"stories": 1, "against": False, "rules": {"r": {
        "hits": 1, "old_hits": 0, "samples": [{"id": "1", "clause": "x", "context": "[x]"}], "gained": [], "lost": []}}}


def test_backtest_takes_one_watch_list_per_language(tmp_path):
    from tests.transforms.rulelang.test_multilingual import ENGLISH, FRENCH

    stories = tmp_path / "s.jsonl"
    stories.write_bytes(orjson.dumps({"id": "fr1", "body": "Moscou annonce le retrait de ses troupes."}) + b"\n"
                        + orjson.dumps({"id": "en1", "body": "Russia will withdraw its troops."}) + b"\n")
    english, french = tmp_path / "watch.en.yaml", tmp_path / "watch.fr.yaml"
    english.write_text(ENGLISH, encoding="utf-8")
    french.write_text(FRENCH, encoding="utf-8")
    out = tmp_path / "report.json"
    done = wirewatch("backtest", "--rules", str(english), "--rules", str(french), "--json", str(out), str(stories))
    assert done.returncode == 0, done.stderr
    rules = orjson.loads(out.read_bytes())["rules"]
    assert rules["troop-withdrawal"]["hits"] == 1 and rules["retrait-troupes"]["hits"] == 1
    assert [s["id"] for s in rules["retrait-troupes"]["samples"]] == ["fr1"]
