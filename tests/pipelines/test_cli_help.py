"""What a new user met on the command line (found from a fresh clone): help texts that say what each
argument is, errors that say what is wrong, and ``WIREWATCH_CACHE=off`` meaning off for the compiled cache
only."""

from __future__ import annotations

import argparse

import pytest

from wirewatch.pipelines import cli
from wirewatch.pipelines.toolcache import CHECKOUT, tool_cache
from wirewatch.transforms.rulelang.errors import RuleError
from wirewatch.transforms.rules import load_watchlist


def _leaves(p: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {prefix: p}
    found: dict[str, argparse.ArgumentParser] = {}
    for name, child in subs[0].choices.items():
        found.update(_leaves(child, f"{prefix} {name}".strip()))
    return found


COMMANDS = _leaves(cli.parser())


@pytest.mark.parametrize("value, expected", [
    ("off", CHECKOUT / ".cache"), ("", CHECKOUT / ".cache"), (None, CHECKOUT / ".cache"),
    ("/some/cache", "/some/cache"),
])
def test_off_switches_off_the_compiled_cache_only(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("WIREWATCH_CACHE", raising=False)
    else:
        monkeypatch.setenv("WIREWATCH_CACHE", value)
    assert str(tool_cache()) == str(expected)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_argument_says_what_it_is(command):
    bare = [a.option_strings[0] if a.option_strings else a.metavar or a.dest
            for a in COMMANDS[command]._actions if not a.help and not isinstance(a, argparse._HelpAction)]
    assert bare == [], f"wirewatch {command}: no help for {bare}"


def test_replay_is_not_called_a_beam_run(capsys):
    with pytest.raises(SystemExit):
        cli.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "bounded Beam run" not in text
    assert "bounded run over saved files and folders (in-process, or Beam)" in text


@pytest.mark.parametrize("command, formats", [
    ("replay", ("wire text", "JSON Lines", "RSS/Atom/JSON Feed", "NewsML-G2", "ninjs", "NITF", "ANPA-1312",
                "IPTC 7901", "Parquet archives")),
    ("backtest", ("wire text", "JSON Lines", "RSS/Atom/JSON Feed", "NewsML-G2", "ninjs", "NITF", "ANPA-1312",
                  "IPTC 7901")),
    ("clusters", ("wire text", "JSON Lines", "RSS/Atom/JSON Feed", "NewsML-G2", "ninjs", "NITF", "ANPA-1312",
                  "IPTC 7901")),
])
def test_paths_name_the_formats_read(command, formats):
    (paths,) = [a for a in COMMANDS[command]._actions if a.dest == "paths"]
    assert all(f in paths.help for f in formats), paths.help


def test_deliver_needs_its_subscriptions_file_as_its_usage_says(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.parse_args(["deliver"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "the following arguments are required: --subscriptions" in err
    assert "[--subscriptions FILE]" not in err and "--subscriptions FILE" in err


@pytest.mark.parametrize("argv", [["archive", "query"], ["console", "--no-live"]])
def test_a_missing_archive_is_an_error(tmp_path, capsys, monkeypatch, argv):
    from wirewatch.pipelines.console import cli as console

    def serve(*_args, **_kwargs):
        raise AssertionError("a console was served over no archive")

    monkeypatch.setattr(console, "serve", serve)  # instead of serving until stopped
    missing = str(tmp_path / "nonexistent")
    assert cli.main([*argv, missing]) == 2
    assert f"no archive at {missing}" in capsys.readouterr().err


def _error(text: str) -> str:
    with pytest.raises(RuleError) as caught:
        load_watchlist(text, "w.yaml")
    return str(caught.value)


def test_an_unclosed_paren_is_placed_in_the_files_columns():
    # '(' at file column 13 (after "    query: '"), the end of the query at column 30
    assert _error("rules:\n  - id: a\n    query: '(missile AND test'\n") == (
        "w.yaml:3:30: expected ')' to close the '(' at column 13 (rule 'a')")
    folded = "rules:\n  - id: a\n    query: >-\n      nuclear AND\n      (missile OR\n      test\n"
    assert _error(folded) == "w.yaml:6:11: expected ')' to close the '(' at line 5, column 7 (rule 'a')"
