"""Short commands start without what they do not use: Beam is imported only by the commands that run a Beam
pipeline, and with a warm compiled cache ``enrich`` never loads lemminflect (its lemma tables). Checked by
what lands in ``sys.modules`` of a real child process; not timed (bench/startup.py times them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED

PROBE = """
import sys
from wirewatch.pipelines import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED=" + ",".join(m for m in ("apache_beam", "lemminflect") if m in sys.modules))
"""


def loaded(*args: str, cache: Path) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WIREWATCH_CACHE": str(cache)}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300,
                            env=env)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("LOADED="), result.stdout
    return set(filter(None, line.removeprefix("LOADED=").split(",")))


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("in") / "one.jsonl"
    path.write_bytes(b'{"id": "1", "body": "North Korea fired an ICBM.", "dateline": "SEOUL"}\n')
    return path


def test_help_imports_no_beam(tmp_path):
    assert "apache_beam" not in loaded("--help", cache=tmp_path)


def test_enrich_and_replay_of_small_input_import_no_beam_and_warm_no_lemma_tables(tmp_path, story):
    cache = tmp_path / "cache"
    first = loaded("enrich", str(story), "-o", str(tmp_path / "a.jsonl"), cache=cache)
    assert "apache_beam" not in first
    assert loaded("enrich", str(story), "-o", str(tmp_path / "b.jsonl"), cache=cache) == set()
    assert loaded("replay", str(SEED), "--out", str(tmp_path / "out"), "-q", cache=cache) == set()
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_a_beam_option_still_runs_beam(tmp_path, story):
    out = tmp_path / "c.jsonl"
    assert "apache_beam" in loaded("enrich", str(story), "-o", str(out), "--runner=FnApiRunner", cache=tmp_path)
    assert out.read_bytes()
