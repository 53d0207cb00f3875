"""Watch-list concepts against labelled headlines + leads: recall and false flags per rule, for each
evaluation file on its own (the frozen half, written before the rules changed, and the second half).
Prints a table per file; asserts nothing.

    .venv/bin/python bench/concept_eval.py [--rules FILE ...] [--misses] [EVAL.jsonl ...]

Each line of an evaluation file is ``{"id", "title", "body", "rules": [...]}``: the rules the story is about
(tests/data/concepts/README.md). A rule's recall is the share of its stories it fired on; a false flag is a
story it fired on that does not list it. ``--misses`` prints the ids of both kinds of error.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.records import Story  # noqa: E402
from wirewatch.transforms.enrich import Enricher, enrich_batch  # noqa: E402
from wirewatch.transforms.rules import default_watchlist, load_watchlist_files  # noqa: E402

CONCEPTS = ROOT / "tests" / "data" / "concepts"
DEFAULT = (CONCEPTS / "frozen.jsonl", CONCEPTS / "second.jsonl")


def evaluate(path: Path, enricher: Enricher) -> tuple[dict[str, Counter[str]], dict[str, list[str]], int]:
    """Per rule: positives, found, false flags; and the ids of misses (``-rule``) and false flags."""
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    stories = [Story(id=r["id"], title=r.get("title"), body=r["body"], language=r.get("language")) for r in rows]
    enriched, _ = enrich_batch(stories, enricher)
    counts: dict[str, Counter[str]] = {rule.id: Counter() for rule in enricher.matcher.watchlist.rules}
    errors: dict[str, list[str]] = {rule: [] for rule in counts}
    for row, story in zip(rows, enriched, strict=True):
        fired = {m.rule for m in story.matches}
        for rule in counts:
            wanted = rule in row["rules"]
            counts[rule]["positives"] += wanted
            counts[rule]["found"] += wanted and rule in fired
            counts[rule]["false"] += rule in fired and not wanted
            if wanted and rule not in fired:
                errors[rule].append(f"-{row['id']}")
            elif rule in fired and not wanted:
                errors[rule].append(f"+{row['id']}")
    return counts, errors, len(rows)


def report(path: Path, enricher: Enricher, misses: bool) -> None:
    counts, errors, n = evaluate(path, enricher)
    total = Counter[str]()
    print(f"\n{path.name}: {n} stories")
    print(f"{'rule':<22} {'positives':>9} {'found':>6} {'recall':>7} {'false flags':>12}")
    for rule, c in counts.items():
        total.update(c)
        recall = f"{c['found'] / c['positives']:.2f}" if c["positives"] else "-"
        print(f"{rule:<22} {c['positives']:>9} {c['found']:>6} {recall:>7} {c['false']:>12}"
              + (f"   {' '.join(errors[rule])}" if misses and errors[rule] else ""))
    recall = total["found"] / max(1, total["positives"])
    print(f"{'all rules':<22} {total['positives']:>9} {total['found']:>6} {recall:>7.2f} {total['false']:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="evaluation files (default: frozen, then second)")
    parser.add_argument("--rules", action="append", help="watch list file(s) (default: the shipped list)")
    parser.add_argument("--misses", action="store_true", help="list the ids of misses (-) and false flags (+)")
    args = parser.parse_args()
    watchlist = load_watchlist_files(args.rules, cache=None) if args.rules else default_watchlist()
    enricher = Enricher.create(watchlist)
    print(f"watch list: {watchlist.source} ({len(watchlist.rules)} rules)")
    for path in args.files or [p for p in DEFAULT if p.exists()]:
        report(path, enricher, args.misses)


if __name__ == "__main__":
    main()
