"""What a new user reads must hold: the README's command list names only subcommands and options the
command line has, and lists every subcommand; every option of every subcommand is mentioned somewhere in
the README; the ports and versions it states are the code's; and every repository path it, docs/ and the
example files name exists."""

from __future__ import annotations

import argparse
import re

import pytest

from tests.conftest import ROOT
from wirewatch.pipelines.cli import parser

README = (ROOT / "README.md").read_text(encoding="utf-8")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
LONG_MENTIONED = set(OPTION.findall(README))

# Options the README does not mention yet (told to the README's owner); a new undocumented option fails.
UNDOCUMENTED: set[tuple[str, str]] = set()


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every leaf command by its words ("archive query"), with its parser."""
    leaves: dict[str, argparse.ArgumentParser] = {}

    def walk(prefix: str, p: argparse.ArgumentParser) -> None:
        try:
            children = _subparsers(p)
        except StopIteration:
            leaves[prefix] = p
            return
        for name, child in children.items():
            walk(f"{prefix} {name}".strip(), child)

    walk("", parser())
    return leaves


def _options(p: argparse.ArgumentParser) -> set[str]:
    return {s for a in p._actions for s in a.option_strings if s.startswith("--")}


def _mentioned(action: argparse.Action) -> bool:
    """The README names the option by its long form or its short one (`-o OUT.jsonl`, `[-q]`)."""
    return any(s in LONG_MENTIONED or re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", README)
               for s in action.option_strings)


def _command_list() -> dict[str, set[str]]:
    """The README's "Command line" block: each entry's command words and the options on its lines."""
    block = README.split("## Command line", 1)[1].split("```", 2)[1]
    entries: dict[str, set[str]] = {}
    current = None
    for line in block.splitlines():
        if line.startswith("wirewatch "):
            words = [w for w in line.split()[1:] if re.fullmatch(r"[a-z]+", w)]
            current = " ".join(words[:2]) if words[:1] in (["archive"], ["subscribers"]) else " ".join(words[:1])
            entries.setdefault(current, set())
        if current is None:
            continue
        # the left column only: the description after a wide gap may quote other commands' options
        entries[current] |= set(OPTION.findall(re.split(r"\S\s{3,}(?=[A-Za-z.])", line)[0]))
    entries.pop("", None)  # `wirewatch --version`
    return entries


def test_the_command_list_names_every_subcommand():
    assert set(_command_list()) == set(_commands())


@pytest.mark.parametrize("command", sorted(_command_list()))
def test_each_option_in_the_command_list_exists(command):
    listed = _command_list()[command]
    assert listed <= _options(_commands()[command]), f"wirewatch {command}: not in --help: {listed - _options(_commands()[command])}"


def test_every_option_is_mentioned_in_the_readme():
    missing = {(c, a.option_strings[-1]) for c, p in _commands().items() for a in p._actions
               if a.option_strings and a.dest != "help" and not _mentioned(a)}
    assert missing <= UNDOCUMENTED, sorted(missing - UNDOCUMENTED)


def _default(command: str, option: str):
    p = _commands()[command]
    return next(a.default for a in p._actions if option in a.option_strings)


def test_the_ports_the_readme_states_are_the_defaults():
    assert "http://127.0.0.1:9108/metrics" in README
    assert _default("run", "--metrics-port") == _default("process", "--metrics-port") == 9108
    assert "on port 9109" in README and _default("deliver", "--metrics-port") == 9109
    assert "(port 8108)" in README and _default("console", "--port") == 8108


def test_kafka_versions_agree():
    """README, scripts/kafka and the compose file's image run one Kafka version."""
    script = re.search(r"VERSION=\$\{WIREWATCH_KAFKA_VERSION:-([0-9.]+)\}", (ROOT / "scripts/kafka").read_text())
    image = re.search(r"image: apache/kafka:([0-9.]+)", (ROOT / "docker-compose.yml").read_text())
    assert script and image
    assert f"Kafka {script[1]}" in README
    assert image[1] == script[1]


def test_beam_versions_agree():
    """The Prism runner the image builds and the one scripts/bootstrap builds are the pinned Beam's."""
    pinned = re.search(r'"apache-beam[^"]*==([0-9.]+)', (ROOT / "pyproject.toml").read_text())
    boot = re.search(r"BEAM_VERSION=([0-9.]+)", (ROOT / "scripts/bootstrap").read_text())
    image = re.search(r"cmd/prism@v([0-9.]+)", (ROOT / "Dockerfile").read_text())
    assert pinned and boot and image
    assert pinned[1] == boot[1] == image[1]


PATH = re.compile(r"\b(?:connectors|transforms|pipelines|wirewatch|bench|scripts|tests|native|docs|seeds)/[\w./-]*\w")
DOCS = ["README.md", "docs/rules.md", "feeds.example.yaml", "subscribers.example.yaml", "Dockerfile",
        "docker-compose.yml", "scripts/up"]


@pytest.mark.parametrize("name", DOCS)
def test_every_repository_path_named_exists(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    missing = sorted({p for p in PATH.findall(text) if not (ROOT / p).exists()})
    assert not missing, f"{name} names paths that do not exist: {missing}"


def test_scripts_up_archives_apart_from_the_readmes_replay():
    """The README's quick replay (`replay seeds --out out`) writes out/archive; had scripts/up archived there
    too, the service's console and `archive query` would show the seed story twice (dated and `undated`)."""
    up = re.search(r'--archive "\$REPO/([^"]+)"', (ROOT / "scripts/up").read_text())
    replay = re.search(r"wirewatch replay seeds --out (\S+?)`", README)
    assert up and replay
    assert not (up[1] + "/").startswith(replay[1].rstrip("/") + "/archive/")


def test_the_records_table_names_the_golden_storys_fields():
    """The README's "Records" table and alert paragraph against the golden replay of seeds/."""
    import json

    section = README.split("## Records", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `([a-z_]+)`", section, re.M))
    table |= {f for row in re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)+) \|", section, re.M)
              for f in re.findall(r"`([a-z_]+)`", row)}
    stories = json.loads((ROOT / "tests/golden/seeds.stories.json").read_text())
    assert set().union(*(s.keys() for s in stories)) <= table
    alert_paragraph = section.split("An alert line has", 1)[1].split("A dead letter has", 1)[0]
    alerts = json.loads((ROOT / "tests/golden/seeds.alerts.json").read_text())
    named = set(re.findall(r"`([a-z_]+)`", alert_paragraph))
    assert set().union(*(a.keys() for a in alerts)) <= named
