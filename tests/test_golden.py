"""Replaying seeds/ must give exactly the checked-in output. This test only compares: after a deliberate
change, regenerate with scripts/update-golden (tests/golden_update.py) and review the diff like code."""

from __future__ import annotations

import os

import orjson
import pytest

from tests.golden_update import GOLDEN, replay


def test_replay_of_seeds_matches_golden(tmp_path):
    if os.environ.get("WIREWATCH_UPDATE_GOLDEN"):
        pytest.fail("WIREWATCH_UPDATE_GOLDEN no longer updates golden files: run scripts/update-golden", pytrace=False)
    got, dead = replay(tmp_path)
    for name, records in got.items():
        assert records == orjson.loads((GOLDEN / name).read_bytes()), f"{name} differs from the golden file"
    assert dead == b""
