"""The progress line of bounded runs: files and stories counted by the reading step itself, shown only on a
terminal (so never in captured output)."""

from __future__ import annotations

import io
import pickle
import sys

import pytest

from wirewatch.connectors.files.readtally import ReadTally
from wirewatch.pipelines import bounded
from wirewatch.pipelines import cli
from wirewatch.pipelines import progress
from tests.conftest import DATA, ROOT, SEED


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def inputs(tmp_path):
    stories = tmp_path / "two.jsonl"
    stories.write_bytes(b'{"id": "a", "body": "Troops withdrew."}\n{"id": "b", "body": "Rain fell."}\nnot json\n')
    return [str(SEED), str(DATA / "seed-reuters-copy.txt"), str(stories)]


def last_line(text: str) -> str:
    return text.replace("\n", "\r").rstrip("\r").rsplit("\r", 1)[-1]


def test_the_line_counts_the_files_and_stories_the_run_read(tmp_path, inputs, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    screen = Terminal()
    out = tmp_path / "out"
    with progress.read_progress(len(inputs), "replay", screen) as tally:
        assert tally is not None
        bounded.run(inputs, bounded.Outputs(out / "s.jsonl", out / "a.jsonl", out / "d.jsonl"),
                    cli._watchlist(None), tally=tally)
    line = last_line(screen.getvalue())
    assert line.startswith("replay: 100%") and "3/3" in line and "4 stories, processing" in line, line


def test_no_line_and_no_tally_when_stderr_is_not_a_terminal(tmp_path, inputs, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    captured = io.StringIO()
    with progress.read_progress(len(inputs), "replay", captured) as tally:
        assert tally is None
    assert captured.getvalue() == ""


def test_a_run_shorter_than_the_delay_prints_nothing(monkeypatch):
    monkeypatch.setattr(progress, "DELAY_S", 3600.0)
    screen = Terminal()
    with progress.read_progress(3, "replay", screen) as tally:
        tally.file_done()
    assert screen.getvalue() == ""  # under DELAY_S: no line, not even a cleared one


@pytest.mark.parametrize("command", ["replay", "enrich", "backtest"])
def test_each_bounded_command_shows_the_line_on_a_terminal(tmp_path, inputs, monkeypatch, capsys, command):
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    args = {
        "replay": ["replay", *inputs, "--out", str(tmp_path / "out"), "-q"],
        "enrich": ["enrich", inputs[2], "-o", str(tmp_path / "out.jsonl")],
        "backtest": ["backtest", "--rules", str(ROOT / "transforms/data/watchlist.yaml"), *inputs],
    }[command]
    assert cli.main(args) == 0
    files, stories = (1, 2) if command == "enrich" else (3, 4)
    line = [ln for ln in screen.getvalue().replace("\n", "\r").split("\r") if ln.startswith(f"{command}:")][-1]
    assert f"{files}/{files}" in line and f"{stories} stories" in line, line


def test_the_tally_adds_up_across_pickled_copies(tmp_path):
    tally = ReadTally(tmp_path)
    tally.story()
    copies = [pickle.loads(pickle.dumps(tally)) for _ in range(3)]  # as Beam hands it to workers
    for copy in copies:
        for _ in range(150):
            copy.story()
        copy.file_done()
    assert ReadTally.counts(tmp_path) == (3, 450)  # the unsent count of the original is not copied
