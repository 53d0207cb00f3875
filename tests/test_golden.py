"""Replaying seeds/ must give exactly the checked-in output. After a deliberate change, regenerate with
WIREWATCH_UPDATE_GOLDEN=1 pytest tests/test_golden.py and review the diff like code."""

from __future__ import annotations

import os

import orjson

from pipelines import bounded
from tests.conftest import ROOT, SEEDS
from transforms.rules import default_watchlist

GOLDEN = ROOT / "tests" / "golden"


def test_replay_of_seeds_matches_golden(tmp_path):
    outputs = bounded.Outputs(tmp_path / "stories.jsonl", tmp_path / "alerts.jsonl", tmp_path / "dead.jsonl")
    bounded.run([str(SEEDS)], outputs, default_watchlist())
    for name, path in (("seeds.stories.json", outputs.stories), ("seeds.alerts.json", outputs.alerts)):
        got = [orjson.loads(line) for line in path.read_bytes().splitlines()]
        expected_path = GOLDEN / name
        if os.environ.get("WIREWATCH_UPDATE_GOLDEN"):
            expected_path.write_bytes(orjson.dumps(got, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        assert got == orjson.loads(expected_path.read_bytes()), f"{name} differs from the golden file"
    assert outputs.deadletter.read_bytes() == b""
