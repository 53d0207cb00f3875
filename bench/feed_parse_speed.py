"""Entries per second through connectors.feeds.parse_feed (feedparser) over the shared feed corpus.

Fair measure: every file is parsed once to warm up and find the files that give stories; then only
those files are timed, over several rounds, and the best round counts. Reading files is not timed.
Run: .venv/bin/python bench/feed_parse_speed.py [CORPUS_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.feeds import parse_feed  # noqa: E402
from connectors.sniff import sniff  # noqa: E402

ROUNDS = 3


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "corpora" / "feeds"
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file()]
    bodies = [(p, p.read_bytes()) for p in files]
    feeds = [(p, b) for p, b in bodies if sniff(b, p.name) in ("feed", "jsonfeed", "xml")]
    usable = [(p, b) for p, b in feeds if parse_feed(b, origin=str(p)).items]
    best = float("inf")
    entries = 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        entries = sum(len(parse_feed(b, origin=str(p)).items) for p, b in usable)
        best = min(best, time.perf_counter() - started)
    size = sum(len(b) for _, b in usable)
    print(f"corpus: {corpus}")
    print(f"files: {len(files)}, feed-like: {len(feeds)}, giving stories (timed): {len(usable)} ({size / 1e6:.1f} MB)")
    print(f"entries: {entries} in {best:.2f} s (best of {ROUNDS}) = {entries / best:,.0f} entries/s, "
          f"{len(usable) / best:,.0f} files/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
