"""Regenerates the golden replay of seeds/ (tests/golden/) after a deliberate change:

    scripts/update-golden        (or: python -m tests.golden_update)

then review the diff like code. tests/test_golden.py only compares; it never writes, so no setting can turn
a changed output into a passing test."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = ROOT / "tests" / "golden"
NAMES = ("seeds.stories.json", "seeds.alerts.json")


def replay(workdir: Path) -> tuple[dict[str, list], bytes]:
    """The stories and alerts of a bounded replay of seeds/ with the default watch list, by golden file name,
    and the dead letters (JSON lines) it wrote, which must be none."""
    from wirewatch.pipelines import bounded
    from wirewatch.transforms.rules import default_watchlist

    outputs = bounded.Outputs(workdir / "stories.jsonl", workdir / "alerts.jsonl", workdir / "dead.jsonl")
    bounded.run([str(SEEDS)], outputs, default_watchlist())
    got = {name: [orjson.loads(line) for line in path.read_bytes().splitlines()]
           for name, path in zip(NAMES, (outputs.stories, outputs.alerts))}
    return got, outputs.deadletter.read_bytes()


def render(records: list) -> bytes:
    """A golden file's bytes: indented, keys sorted, one final newline."""
    return orjson.dumps(records, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wirewatch-golden-") as workdir:
        got, dead = replay(Path(workdir))
    if dead:
        print(f"the replay of seeds/ wrote dead letters; golden files left as they are:\n{dead.decode()}",
              file=sys.stderr)
        return 1
    for name, records in got.items():
        path = GOLDEN / name
        data = render(records)
        if path.exists() and path.read_bytes() == data:
            print(f"{path.relative_to(ROOT)}: unchanged")
            continue
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}: rewritten ({len(records)} records); review the diff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
