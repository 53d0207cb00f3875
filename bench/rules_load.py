"""Loading a large watch list: parse (YAML and queries) and compile cold, in fresh processes, for this
checkout and, side by side, another one (say an older commit exported with ``git archive``). Rounds
alternate between the two; medians are printed with the load average. Prints numbers; asserts nothing.

    git archive <commit> | tar -x -C /tmp/old
    .venv/bin/python bench/rules_load.py [--sizes 100000,200000] [--rounds 3] [--against /tmp/old]

The lists are bench/rules_speed.py's generated rules (the Reuters-21578 vocabulary). Nothing is cached.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(rules: str) -> None:
    """One load in a fresh process; the checkout to measure is first on sys.path."""
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rules import load_watchlist_file

    t0 = time.perf_counter()
    watchlist = load_watchlist_file(rules, cache=None)
    parse_s = time.perf_counter() - t0
    parse_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    Matcher(watchlist, cache=None)
    compile_s = time.perf_counter() - t0
    print(json.dumps({"rules": len(watchlist.rules), "parse_s": parse_s, "compile_s": compile_s,
                      "parse_peak_mb": parse_mb,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(checkout: Path, rules: Path) -> dict:
    from bench.checkouts import run_in

    return run_in(checkout, Path(__file__).resolve(), "child", str(rules))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,200000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--against", help="another checkout to compare with")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.rules_speed import DEFAULT, generate, vocabulary
    from wirewatch.connectors.files.read import parse_jsonl
    from wirewatch.records import Story

    stories = [s for s in parse_jsonl(DEFAULT.read_bytes(), str(DEFAULT)) if isinstance(s, Story)]
    vocab = vocabulary(stories)
    checkouts = {"this": ROOT} | ({"against": Path(args.against).resolve()} if args.against else {})
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rules = Path(tmp) / f"rules-{size}.yaml"
            rules.write_text(generate(size, vocab), encoding="utf-8")
            runs: dict[str, list[dict]] = {name: [] for name in checkouts}
            for r in range(args.rounds):
                order = list(checkouts) if r % 2 == 0 else list(reversed(checkouts))
                for name in order:
                    runs[name].append(measure(checkouts[name], rules))
            print(f"{size:,} rules ({rules.stat().st_size / 1e6:.1f} MB YAML), {args.rounds} rounds, "
                  f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            for name, found in runs.items():
                med = {k: statistics.median(f[k] for f in found) for k in ("parse_s", "compile_s", "parse_peak_mb",
                                                                            "peak_mb")}
                every = ", ".join(f"{f['parse_s']:.2f}" for f in found)
                print(f"  {name:>8}: parse {med['parse_s']:.2f} s (all: {every}), "
                      f"compile {med['compile_s']:.2f} s, peak memory {med['parse_peak_mb']:.0f} MB after parsing, "
                      f"{med['peak_mb']:.0f} MB after compiling (medians)")


if __name__ == "__main__":
    main()
