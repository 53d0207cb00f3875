"""The command line as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import DATA, ROOT, SEED

SEED_RULES = {"icbm", "troop-withdrawal", "arms-transfer"}


def wirewatch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("wirewatch") or str(Path(sys.executable).with_name("wirewatch"))
    cmd = [exe] if Path(exe).exists() else [sys.executable, "-m", "wirewatch.pipelines.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def rows(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_replay_seed_and_its_copy(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs / SEED.name)
    shutil.copy(DATA / "seed-reuters-copy.txt", inputs / "reuters-copy.txt")
    result = wirewatch("replay", str(inputs), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "stories: 2 in 1 clusters (1 duplicates)" in result.stdout
    stories = rows(tmp_path / "out" / "stories.jsonl")
    assert len({s["cluster"]["id"] for s in stories}) == 1
    alerts = rows(tmp_path / "out" / "alerts.jsonl")
    assert SEED_RULES <= {a["rule"] for a in alerts}
    assert len(alerts) == len({a["rule"] for a in alerts})  # one alert per rule for the one cluster
    assert list((tmp_path / "out" / "archive").rglob("*.parquet"))  # the archive is Parquet unless asked for text


def test_replay_twice_is_identical(tmp_path):
    for name in ("a", "b"):
        assert wirewatch("replay", str(SEED), str(DATA / "seed-reuters-copy.txt"), "--out", str(tmp_path / name)).returncode == 0
    for name in ("stories.jsonl", "alerts.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_bad_inputs_are_dead_lettered_and_the_rest_completes(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs / "seed.txt")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "latin1.txt").write_bytes("Caf\xe9 in S\xe3o Paulo".encode("latin-1"))
    (inputs / "stories.jsonl").write_bytes(
        b'{"id": "ok", "body": "Troops will withdraw from the border, Kyiv said."}\n'
        b"this is not json\n"
        b'{"id": "nobody", "title": "no body"}\n'
        b"\n"
        b'{"id": "ok2", "body": "Markets rose."}\n'
    )
    unreadable = inputs / "locked.txt"
    unreadable.write_text("secret")
    unreadable.chmod(0)
    result = wirewatch("replay", str(inputs), str(tmp_path / "missing.txt"), "--out", str(tmp_path / "out"))
    unreadable.chmod(0o644)
    assert result.returncode == 0, result.stderr
    dead = {d["origin"]: d for d in rows(tmp_path / "out" / "deadletter.jsonl")}
    expected = {
        f"{inputs}/empty.txt:0": "file is empty",
        f"{inputs}/latin1.txt:0": "not UTF-8",
        f"{inputs}/stories.jsonl:2": "not JSON",
        f"{inputs}/stories.jsonl:3": "missing required field(s): body",
        f"{tmp_path}/missing.txt:0": "cannot read file",
    }
    if os.geteuid() != 0:  # root reads a mode-0 file anyway
        expected[f"{unreadable}:0"] = "cannot read file"
    assert set(dead) == set(expected)
    for origin, reason in expected.items():
        assert reason in dead[origin]["reason"]
        assert f"{origin}: " in result.stderr  # a clear message naming the file and line
    ids = {s["id"] for s in rows(tmp_path / "out" / "stories.jsonl")}
    assert {"ok", "ok2"} <= ids and len(ids) == 3 + (os.geteuid() == 0)
    assert "dead letters: " in result.stdout


def test_enrich_keeps_one_line_per_input_line_in_order(tmp_path):
    lines = [
        {"id": "3", "body": "North Korea launched an intercontinental ballistic missile.", "dateline": "SEOUL"},
        {"id": "1", "body": "Coffee prices rose in Brazil.", "title": "COFFEE", "published": "1987-02-26T15:01:01Z"},
        {"id": "2", "body": "North Korea launched an intercontinental ballistic missile.", "source": "copy"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    result = wirewatch("enrich", str(src), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    out = rows(tmp_path / "out.jsonl")
    assert [o["id"] for o in out] == ["3", "1", "2"]
    assert [c["code"] for c in out[0]["countries"]] == ["KR", "KP"]  # the dateline outweighs one mention
    assert out[1]["countries"][0]["code"] == "BR"
    assert out[1]["published"] == "1987-02-26T15:01:01Z"
    assert {o["cluster"]["id"] for o in (out[0], out[2])} == {"2"}
    assert [m["rule"] for m in out[0]["matches"]][:1] == ["icbm"]
    fields = {"id", "title", "body", "dateline", "credit", "publisher", "published", "countries", "regions",
              "matches", "cluster"}
    assert fields <= set(out[0])


def test_a_broken_rule_file_is_a_clear_error(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: x\n    query: missile NEAR/3\n")
    result = wirewatch("replay", str(SEED), "--out", str(tmp_path / "out"), "--rules", str(rules))
    assert result.returncode == 2
    assert f"{rules}:3:" in result.stderr and "query ended" in result.stderr


@pytest.mark.parametrize("command", ["replay", "enrich"])
def test_help(command):
    assert wirewatch(command, "--help").returncode == 0


def test_version_comes_from_the_installed_package():
    from importlib.metadata import version

    result = wirewatch("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"wirewatch {version('wirewatch')}"


@pytest.mark.parametrize("args, usage, extra", [
    (["replay", "x", "--out", "y", "--bogus"], "usage: wirewatch replay ", "--bogus"),
    (["backtest", "--rules", "r.yaml", "x", "--nope", "1"], "usage: wirewatch backtest ", "--nope 1"),
    (["ingest", "--once", "--oops"], "usage: wirewatch ingest ", "--oops"),
])
def test_a_wrong_flag_prints_the_subcommands_usage(args, usage, extra):
    result = wirewatch(*args)
    assert result.returncode == 2
    assert result.stderr.startswith(usage), result.stderr
    assert f"error: unrecognized arguments: {extra}" in result.stderr


def test_backtest_reports_the_files_and_lines_it_could_not_read(tmp_path):
    stories = tmp_path / "s.jsonl"
    stories.write_bytes(b'{"id": "a", "body": "Showers helped the cocoa crop."}\nnot json\n{"id": "c"}\n')
    (tmp_path / "empty.txt").write_bytes(b"")
    report, kept = tmp_path / "report.json", tmp_path / "dead.jsonl"
    result = wirewatch("backtest", "--rules", str(ROOT / "transforms/data/watchlist.yaml"), str(stories),
                       str(tmp_path / "empty.txt"), str(SEED), "--json", str(report), "--deadletter", str(kept))
    assert result.returncode == 0, result.stderr
    expected = [(f"{tmp_path}/empty.txt:0", "file is empty"), (f"{stories}:2", "not JSON"),
                (f"{stories}:3", "missing required field(s): body")]  # in file, then line order
    for origin, reason in expected:
        assert f"wirewatch: {origin}: " in result.stderr and reason in result.stderr
    assert f"dead letters: 3 (see {kept})" in result.stdout
    listed = orjson.loads(report.read_bytes())["dead_letters"]
    assert [(d["origin"], d["reason"][:len(r)]) for d, (_, r) in zip(listed, expected, strict=True)] == expected
    assert [d["origin"] for d in rows(kept)] == [origin for origin, _ in expected]
    assert orjson.loads(report.read_bytes())["stories"] == 2  # the good line and the seed were still scored
