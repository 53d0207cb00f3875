"""Stories/s for the enrich chain over the Reuters-21578 training stories, one core, in-process and through
Beam's FnApiRunner. Prints numbers; asserts nothing.

    .venv/bin/python bench/enrich_speed.py [PATH.jsonl]
"""

from __future__ import annotations

import os
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


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, for the Beam worker threads too
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
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
