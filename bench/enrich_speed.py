"""Stories/s for the enrich chain over the Reuters-21578 training stories, one core, in-process and through
Beam's FnApiRunner. Prints numbers; asserts nothing.

    .venv/bin/python bench/enrich_speed.py [PATH.jsonl]
    .venv/bin/python bench/enrich_speed.py --against OLD-CHECKOUT [--rounds 5] [--limit 4000] [PATH.jsonl]

With --against, this checkout's in-process chain and OLD-CHECKOUT's (another clone or ``git archive`` of the
project, which must have the same enrich_batch API) run in child processes, one core each, in alternating
order for the given rounds: English (the first --limit stories of PATH) and, where this checkout has it, the
multilingual sample tests/data/geotag/multilingual.jsonl repeated to 2,000 stories. Medians and the load
average are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.connectors.files.read import parse_jsonl  # noqa: E402
from wirewatch.pipelines import bounded  # noqa: E402
from wirewatch.transforms.dedupe import cluster_in_order, fingerprint  # noqa: E402
from wirewatch.transforms.enrich import Enricher, enrich_batch  # noqa: E402
from wirewatch.transforms.geotag import classify  # noqa: E402
from wirewatch.transforms.normalize import normalize  # noqa: E402
from wirewatch.records import Story  # noqa: E402
from wirewatch.transforms.rules import default_watchlist  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "corpora" / "geo" / "reuters21578-train.jsonl"


MULTILINGUAL = ROOT / "tests" / "data" / "geotag" / "multilingual.jsonl"
# Run in a child whose sys.path starts with one checkout: the in-process chain's stories/s on a file.
_TIMED = """
import json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
sys.path.insert(0, sys.argv[1])
from wirewatch.connectors.files.read import parse_jsonl
from wirewatch.records import Story
from wirewatch.transforms.enrich import Enricher, enrich_batch
stories = [s for s in parse_jsonl(open(sys.argv[2], 'rb').read(), sys.argv[2]) if isinstance(s, Story)]
stories = stories[: int(sys.argv[3])]
enricher = Enricher.create()
enrich_batch(stories[:50], enricher)
t0 = time.perf_counter()
enrich_batch(stories, enricher)
print(json.dumps({"n": len(stories), "seconds": time.perf_counter() - t0}))
"""


def _stories_per_second(checkout: Path, path: Path, limit: int) -> float:
    out = subprocess.run([sys.executable, "-c", _TIMED, str(checkout), str(path), str(limit)], cwd=checkout,
                         capture_output=True, text=True, check=True).stdout
    result = orjson.loads(out.strip().splitlines()[-1])
    return result["n"] / result["seconds"]


def against(old: Path, path: Path, rounds: int, limit: int) -> None:
    """Alternating rounds of this checkout and ``old`` on English, then on the multilingual sample."""
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [("English", path, limit)]
        if MULTILINGUAL.exists():
            lines = MULTILINGUAL.read_bytes().splitlines()
            sample = Path(tmp) / "multilingual.jsonl"
            with sample.open("wb") as out:
                for i in range(2000):
                    row = orjson.loads(lines[i % len(lines)])
                    out.write(orjson.dumps({**row, "id": f"{row['id']}-{i}"}) + b"\n")
            inputs.append(("multilingual sample", sample, 2000))
        print(f"this checkout: {ROOT}; against: {old.resolve()}; {rounds} alternating rounds, 1 core each")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, data, n in inputs:
            times: dict[str, list[float]] = {"this": [], "old": []}
            for r in range(rounds):
                order = [("this", ROOT), ("old", old)] if r % 2 == 0 else [("old", old), ("this", ROOT)]
                for label, checkout in order:
                    times[label].append(_stories_per_second(checkout, data, n))
            this, before = statistics.median(times["this"]), statistics.median(times["old"])
            print(f"{name} ({n} stories): this {this:,.0f} stories/s (rounds {', '.join(f'{x:,.0f}' for x in times['this'])}); "
                  f"old {before:,.0f} (rounds {', '.join(f'{x:,.0f}' for x in times['old'])}); this/old {this / before:.3f}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--against", type=Path, metavar="OLD-CHECKOUT", help="compare with another checkout")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=4000, help="English stories per round with --against")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.path, args.rounds, args.limit)
        return
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, for the Beam worker threads too
    path = args.path
    data = path.read_bytes()
    stories = [s for s in parse_jsonl(data, str(path)) if isinstance(s, Story)]
    n = len(stories)
    size_mb = sum(len(s.body) for s in stories) / 1e6
    print(f"input: {path.name}: {n} stories, {size_mb:.1f} M characters of body, 1 core")

    watchlist = default_watchlist()
    t0 = time.perf_counter()
    enricher = Enricher.create(watchlist)
    print(f"setup (gazetteer + rules): {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    enriched, alerts = enrich_batch(stories, enricher)
    elapsed = time.perf_counter() - t0
    print(f"in-process enrich_batch: {elapsed:.2f} s = {n / elapsed:,.0f} stories/s ({len(alerts)} alerts)")

    def timed(name: str, fn):
        t0 = time.perf_counter()
        value = fn()
        stages[name] = time.perf_counter() - t0
        return value

    stages: dict[str, float] = {}
    normalized = timed("normalize", lambda: [normalize(s) for s in stories])
    prints = timed("fingerprint", lambda: [(s, fingerprint(s)) for s in normalized])
    clusters = timed("cluster", lambda: cluster_in_order(prints))
    timed("classify", lambda: [classify(s, enricher.gazetteer) for s in normalized])
    timed("match", lambda: [enricher.matcher.match(s) for s in normalized])
    print("per stage (us/story): " + ", ".join(f"{k} {v / n * 1e6:.0f}" for k, v in stages.items()))
    duplicates = sum(1 for c in clusters.values() if c.duplicate_of)
    print(f"clusters: {len(set(c.id for c in clusters.values()))}, duplicates: {duplicates}")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        outputs = bounded.Outputs(out / "s.jsonl", out / "a.jsonl", out / "d.jsonl")
        t0 = time.perf_counter()
        bounded.run([str(path)], outputs, watchlist, keep_input_order=True)
        elapsed = time.perf_counter() - t0
        written = sum(1 for _ in outputs.stories.open("rb"))
        print(f"Beam FnApiRunner (read, enrich, write): {elapsed:.2f} s = {written / elapsed:,.0f} stories/s")
        beam_rows = [orjson.loads(line) for line in outputs.stories.read_bytes().splitlines()]
    same = [e.to_dict() for e in enriched] == beam_rows
    print(f"Beam output identical to in-process output: {same}")


if __name__ == "__main__":
    main()
