"""The Parquet archive at scale: write rate (stories/s) of ``ParquetArchive.write`` in bundle-sized batches,
compaction time, and query latency over N generated stories (default 1,000,000 over 30 days), each query
timed in alternating rounds on the archive as written (many small files) and compacted (one file a day).

    .venv/bin/python bench/archive_speed.py [--stories 1000000] [--batch 1000] [--rounds 5] [--keep DIR]

Stories are made up here (words drawn from a fixed vocabulary, countries, regions, rules and clusters drawn
at random with a fixed seed); generating them is not timed. Prints the load average beside the numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.connectors.archive.layout import archive_files  # noqa: E402
from wirewatch.connectors.archive.query import ArchiveQuery, Filters  # noqa: E402
from wirewatch.connectors.archive.writer import ParquetArchive  # noqa: E402
from wirewatch.records import Cluster, CountryTag, EnrichedStory, Origin, RuleMatch, Span, Story  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAYS = 30
WORDS = ("government minister said officials talks border troops missile launch army capital president election "
         "vote market trade deal oil gas prices rain floods drought court ruling police protest city region "
         "security council meeting summit agreement sanctions economy bank rates inflation report week month "
         "year spokesman statement agency news conference visit delegation foreign defense ministry").split()
RARE = ("hwasong", "kursk", "orbiter", "cholera", "tariff")
COUNTRIES = [("KP", "Eastern Asia"), ("KR", "Eastern Asia"), ("JP", "Eastern Asia"), ("UA", "Eastern Europe"),
             ("RU", "Eastern Europe"), ("FR", "Western Europe"), ("DE", "Western Europe"), ("NG", "Sub-Saharan Africa"),
             ("BR", "Latin America and the Caribbean"), ("IN", "Southern Asia"), ("US", "Northern America"),
             ("EG", "Northern Africa"), ("AU", "Australia and New Zealand")]
RULES = ("icbm", "troop-withdrawal", "arms-transfer", "missile-launch", "satellite-launch", "cyberattack")
OUTLETS = ("VOA", "Reuters", "AFP", "Yonhap", "AP", "BBC", "NHK", "DW")


def story(n: int, total: int, rng: random.Random) -> EnrichedStory:
    words = rng.choices(WORDS, k=140)
    if rng.random() < 0.01:
        words[rng.randrange(len(words))] = rng.choice(RARE)
    body = " ".join(words).capitalize() + "."
    title = " ".join(words[:9]).capitalize()
    places = rng.sample(COUNTRIES, rng.choice((1, 1, 2, 3)))
    rules = rng.sample(RULES, 1) if rng.random() < 0.08 else []
    span = Span("body", 0, len(words[0]), body[: len(words[0])])
    cluster = f"s{n - rng.randrange(1, 50)}" if n > 50 and rng.random() < 0.15 else f"s{n}"
    return EnrichedStory(
        Story(id=f"s{n}", body=body, title=title, source="bench-feed", publisher=rng.choice(OUTLETS), language="en",
              published=T0 + timedelta(seconds=DAYS * 86400 * n / total), origin=Origin.kafka("wirewatch.stories", n % 3, n)),
        countries=tuple(CountryTag(code, 1.0, (span,)) for code, _ in places),
        regions=tuple(dict.fromkeys(region for _, region in places)),
        matches=tuple(RuleMatch(rule, 2.0, (span,), "bench") for rule in rules),
        cluster=Cluster(cluster, None if cluster == f"s{n}" else cluster),
    )


def write(root: Path, total: int, batch: int) -> tuple[float, int]:
    rng = random.Random(7)
    archive = ParquetArchive(root)
    spent, files = 0.0, 0
    for start in range(0, total, batch):
        stories = [story(n, total, rng) for n in range(start, min(start + batch, total))]
        began = time.perf_counter()
        files += len(archive.write(stories))
        spent += time.perf_counter() - began
        if start and start % (total // 10 or 1) < batch:
            print(f"  written {start:,} stories ({start / spent:,.0f}/s)", file=sys.stderr)
    return spent, files


def queries(total: int) -> dict[str, callable]:
    end = T0 + timedelta(days=DAYS)
    last_day, last_week = end - timedelta(days=1), end - timedelta(days=7)
    middle = f"s{total // 2}"
    return {
        "country KP, last day: page 1 (25) and total": lambda q: q.page(Filters(since=last_day, countries=("KP",)), limit=25),
        "rule + region, last 7 days: page 1 and total": lambda q: q.page(
            Filters(since=last_week, rules=("icbm",), regions=("Eastern Asia",)), limit=25),
        "text 'hwasong', all 30 days: page 1 and total": lambda q: q.page(Filters(text="hwasong"), limit=25),
        "everything: newest page and total": lambda q: q.page(limit=25),
        "everything: page 1,000 and total": lambda q: q.page(limit=25, offset=25_000),
        "one story by id (all days)": lambda q: q.story(middle),
        "a cluster's outlets (±7 days of its time)": lambda q: q.cluster(middle, around=T0 + timedelta(days=DAYS / 2)),
        "counts per region, last day": lambda q: q.counts("regions", last_day, end),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000, help="stories per write (a bundle)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="build the archives here and keep them (default: a temporary folder)")
    args = parser.parse_args()
    base = Path(args.keep or tempfile.mkdtemp(prefix="wirewatch-archive-bench-"))
    written, compacted = base / "written", base / "compacted"
    try:
        print(f"writing {args.stories:,} stories over {DAYS} days in batches of {args.batch:,} ...", file=sys.stderr)
        spent, files = write(written, args.stories, args.batch)
        size = sum(p.stat().st_size for p in archive_files(written))
        print(f"write: {args.stories / spent:,.0f} stories/s ({spent:.1f} s; {files:,} files, {size / 2**20:,.0f} MiB; "
              f"each file written, fsynced and renamed)")
        shutil.copytree(written, compacted, copy_function=os.link)  # the compaction replaces the links only
        began = time.perf_counter()
        merged = ParquetArchive(compacted).compact()
        print(f"compact: {time.perf_counter() - began:.1f} s ({files:,} files -> {len(merged)})")
        sides = {"as written": ArchiveQuery(written), "compacted": ArchiveQuery(compacted)}
        timings: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for name, run in queries(args.stories).items():
                for side, query in sides.items():  # alternating: the two archives see the same conditions
                    began = time.perf_counter()
                    run(query)
                    timings.setdefault((name, side), []).append(time.perf_counter() - began)
        print(f"query latency, median of {args.rounds} rounds (as written / compacted), "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}:")
        for name in queries(args.stories):
            a, b = (statistics.median(timings[(name, side)]) * 1000 for side in sides)
            print(f"  {name:<46} {a:8.0f} ms {b:8.0f} ms")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
