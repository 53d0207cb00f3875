"""Stories/s of the in-process enrich chain (normalize, dedupe, classify, match with the default watch list),
for this checkout and, side by side, another one (say the commit before a change, exported with ``git
archive``), in fresh processes on one core, rounds alternating between the two; medians are printed with
the load average. Also stories/s of this checkout on a multilingual sample: the non-English stories of the
feed and wire corpora in ../shared, each language as identified by the chain. Prints numbers; asserts
nothing.

    git archive <commit> | tar -x -C /tmp/old
    .venv/bin/python bench/enrich_compare.py [--against /tmp/old] [--rounds 5] [--stories 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WIREWATCH_SHARED", ROOT.parent / "shared")) / "corpora"
ENGLISH = SHARED / "geo" / "reuters21578-train.jsonl"
CORPORA = [SHARED / "feeds", SHARED / "wire"]


def _stories(kind: str, limit: int) -> list:
    from wirewatch.records import Story

    if kind == "english":
        from wirewatch.connectors.files.read import parse_jsonl

        return [s for s in parse_jsonl(ENGLISH.read_bytes(), str(ENGLISH)) if isinstance(s, Story)][:limit]
    from wirewatch.connectors.parsing.dispatch import read_document
    from wirewatch.transforms.language import detect

    found = []
    for folder in CORPORA:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".xml", ".rss", ".atom", ".json", ".txt", ".tst", ""):
                for story in read_document(path.read_bytes(), str(path)):
                    if isinstance(story, Story) and len(story.body or "") > 80 and detect(story.title, story.body) not in (
                            None, "en"):
                        found.append(story)
    return found[:limit]


def child(kind: str, limit: int) -> None:
    """One measurement in a fresh process; the checkout to measure is first on sys.path."""
    from wirewatch.transforms.enrich import Enricher, enrich_batch

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    stories = _stories(kind, limit)
    enricher = Enricher.create()
    enrich_batch(stories[:200], enricher)  # warm caches and lazy tables, as a long run has them
    t0 = time.perf_counter()
    enriched, _ = enrich_batch(stories, enricher)
    elapsed = time.perf_counter() - t0
    languages = Counter(getattr(e.story, "language", None) or "?" for e in enriched)
    print(json.dumps({"stories": len(stories), "per_s": len(stories) / elapsed,
                      "languages": dict(languages.most_common(12))}))


def measure(checkout: Path, kind: str, limit: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from bench.checkouts import run_in

    return run_in(checkout, Path(__file__).resolve(), "child", kind, limit)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", help="another checkout to compare with (the English sample)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--stories", type=int, default=3000, help="English stories per round")
    args = ap.parse_args()
    checkouts = {"this": ROOT} | ({"against": Path(args.against).resolve()} if args.against else {})
    runs: dict[str, list[dict]] = {name: [] for name in checkouts}
    multi: list[dict] = []
    for r in range(args.rounds):
        order = list(checkouts) if r % 2 == 0 else list(reversed(checkouts))
        for name in order:
            runs[name].append(measure(checkouts[name], "english", args.stories))
        multi.append(measure(ROOT, "multilingual", 100_000))
    print(f"English (Reuters-21578), {runs['this'][0]['stories']} stories, {args.rounds} alternating rounds, "
          f"1 core, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    medians = {}
    for name, found in runs.items():
        medians[name] = statistics.median(f["per_s"] for f in found)
        every = ", ".join(f"{f['per_s']:,.0f}" for f in found)
        print(f"  {name:>8}: {medians[name]:,.0f} stories/s median (rounds: {every})")
    if "against" in medians:
        print(f"  this / against: {medians['this'] / medians['against']:.3f}")
    print(f"multilingual ({multi[0]['stories']} non-English stories of ../shared feeds and wire files; "
          f"languages {multi[0]['languages']}):")
    rounds = ", ".join(f"{m['per_s']:,.0f}" for m in multi)
    print(f"  this: {statistics.median(m['per_s'] for m in multi):,.0f} stories/s median (rounds: {rounds})")


if __name__ == "__main__":
    main()
