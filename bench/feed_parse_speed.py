"""Entries per second through connectors.feeds.parse_feed over the shared feed corpus: feedparser alone
(``fast=False``) and with the lxml fast path (connectors.fastfeed, falling back to feedparser), for the
whole corpus and for the real-world folders only (feedparser-tests is mostly odd fragments).

Fair measure: every file is parsed once to warm up and find the files that give stories; then only
those files are timed, over several rounds alternating feedparser and the fast path, and each one's best
round counts. Reading files is not timed.
Run: .venv/bin/python bench/feed_parse_speed.py [CORPUS_DIR]
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.connectors.feeds.fast import path as fastfeed
from wirewatch.connectors.feeds.feedparser_path import parse_feed
from wirewatch.connectors.parsing.sniff import sniff

ROUNDS = 5
REAL_WORLD = ("rss-parser", "feed-rs", "miniflux", "node-feedparser")


def _speeds(usable: list[tuple[Path, bytes]]) -> tuple[int, float, float]:
    """Entries, and the best time of feedparser alone and of the fast path with its fallback; the rounds of
    the two alternate, so a change in the machine's load falls on both."""
    best = {False: float("inf"), True: float("inf")}
    entries = 0
    for _ in range(ROUNDS):
        for fast in (False, True):
            started = time.perf_counter()
            entries = sum(len(parse_feed(b, origin=str(p), fast=fast).items) for p, b in usable)
            best[fast] = min(best[fast], time.perf_counter() - started)
    return entries, best[False], best[True]


def _report(label: str, usable: list[tuple[Path, bytes]]) -> None:
    accepted = {p for p, b in usable if fastfeed.parse(b, {}) is not None}
    entries, slow, fast = _speeds(usable)
    taken = sum(len(parse_feed(b, fast=True).items) for p, b in usable if p in accepted)
    print(f"{label}: {len(usable)} files, {entries} entries; fast path accepts {len(accepted)} files "
          f"({len(accepted) / len(usable):.0%}) holding {taken} entries ({taken / entries:.0%})")
    print(f"  feedparser only : {entries / slow:>9,.0f} entries/s ({slow:.2f} s, best of {ROUNDS})")
    print(f"  fast + fallback : {entries / fast:>9,.0f} entries/s ({fast:.2f} s)  speed-up {slow / fast:.2f}x")
    if accepted:  # what the fast path does where it answers: the ceiling as acceptance grows
        count, slow, fast = _speeds([(p, b) for p, b in usable if p in accepted])
        print(f"  accepted files only: feedparser {count / slow:,.0f}, fast path {count / fast:,.0f} entries/s, "
              f"speed-up {slow / fast:.2f}x")
    _declines(usable)


def _declines(usable: list[tuple[Path, bytes]]) -> None:
    """Declined files and their entries by the fast path's reason (namespaces elided), most entries first."""
    files: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    for _, body in usable:
        reason = fastfeed.decline_reason(body, {})
        if reason is not None:
            reason = re.sub(r"\{[^}]*\}", "", reason)
            files[reason] += 1
            entries[reason] += len(parse_feed(body, fast=False).items)
    for reason, count in entries.most_common(12):
        print(f"    declined: {count:>5} entries in {files[reason]:>3} files: {reason}")


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "corpora" / "feeds"
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file()]
    bodies = [(p, p.read_bytes()) for p in files]
    feeds = [(p, b) for p, b in bodies if sniff(b, p.name) in ("feed", "jsonfeed", "xml")]
    usable = [(p, b) for p, b in feeds if parse_feed(b, origin=str(p)).items]
    size = sum(len(b) for _, b in usable)
    print(f"corpus: {corpus}")
    print(f"files: {len(files)}, feed-like: {len(feeds)}, giving stories (timed): {len(usable)} ({size / 1e6:.1f} MB)")
    _report("whole corpus", usable)
    _report("real-world folders", [(p, b) for p, b in usable if p.relative_to(corpus).parts[0] in REAL_WORLD])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
