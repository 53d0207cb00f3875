"""How soon and how falsely ``spreading`` events fire (transforms/spread.py), on replayed timestamped stories.

Two inputs:
- synthetic: a steady background (story clusters of heavy-tailed sizes whose outlets come over hours, drawn
  from a pool of outlets of unequal output, copies from one outlet repeating) with bursts laid over it
  (stories that 15 to 40 outlets carry within the hour). Reported per policy: bursts detected, the delay
  from the burst's k-th independent outlet to its first spreading event (negative: before the k-th), and
  spreading events per day on background clusters, by kind (growth, each outlet threshold).
- the UCI news aggregator sample (../shared/corpora/neardup/uci-news-aggregator-head.csv): 999 headlines
  of 18 story clusters with their publishers and links. Its TIMESTAMP column holds one rounded value for
  every row, so no arrival time can come from it: the rows are replayed in ID order, and what is reported
  is how many rows were independent outlets (sites' registered domains) and after how many rows of a cluster
  each outlet threshold fired.

Usage: .venv/bin/python bench/spread_eval.py [--days 7] [--per-day 3000] [--bursts 60] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from wirewatch.records import Story
from wirewatch.transforms.lineage import outlet_of
from wirewatch.transforms.spread import SpreadPolicy, Track, observe

SHARED = Path(os.environ.get("WIREWATCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
UCI = SHARED / "corpora" / "neardup" / "uci-news-aggregator-head.csv"
DAY = 86400.0
REGIONS = ("Eastern Asia", "Western Europe", "Northern America", "Southern Asia", "Western Asia", "Sub-Saharan Africa")


@dataclass(frozen=True)
class Event:
    when: float
    cluster: str
    outlet: str
    regions: tuple[str, ...]


def synthetic(days: int, per_day: int, bursts: int, seed: int) -> tuple[list[Event], dict[str, list[float]]]:
    """Background and burst stories in time order, and each burst's independent-outlet arrival times."""
    rng = random.Random(seed)
    pool = [f"outlet{n}.example" for n in range(400)]
    weights = [1.0 / (n + 1) ** 0.8 for n in range(len(pool))]  # a few outlets publish most of the stories
    events: list[Event] = []
    made, c = 0, 0
    while made < days * per_day:
        # most stories run once; a tenth of them are picked up by a few outlets, a few by dozens over a day
        size = 1 if rng.random() < 0.6 else min(1 + int(rng.paretovariate(1.1)), 60)
        start = rng.uniform(0, days * DAY)
        regions = (rng.choice(REGIONS),)
        when = start
        for _ in range(size):
            events.append(Event(when, f"bg{c}", rng.choices(pool, weights)[0], regions))
            when += rng.expovariate(1 / 5400.0)  # ~90 minutes apart: a story that travels slowly
        made += size
        c += 1
    arrivals: dict[str, list[float]] = {}
    for b in range(bursts):
        when = rng.uniform(DAY / 4, days * DAY - DAY / 4)
        outlets = rng.sample(pool, rng.randint(15, 40))
        regions = tuple(rng.sample(REGIONS, 2))
        seen: list[float] = []
        for outlet in outlets:
            events.append(Event(when, f"burst{b}", outlet, regions))
            seen.append(when)
            if rng.random() < 0.3:  # the same outlet again (an update, a second section): counts once
                events.append(Event(when + 60, f"burst{b}", outlet, regions))
            when += rng.expovariate(1 / 150.0)  # ~2.5 minutes apart
        arrivals[f"burst{b}"] = seen
    return sorted(events, key=lambda e: (e.when, e.cluster)), arrivals


def replay(events: list[Event], policy: SpreadPolicy) -> tuple[list[tuple[float, str, str]], list[int]]:
    """(time, cluster, threshold) of every spreading event, replaying the stories in time order; and the
    outlets new within the window that each background story saw (what the baseline is about)."""
    tracks: dict[str, Track] = {}
    fired = []
    window = []
    for n, e in enumerate(events):
        story = Story(f"{e.cluster}-{n}", "", url=f"https://{e.outlet}/{n}")
        track, _, spread = observe(tracks.get(e.cluster), story, (), e.regions, e.when, policy)
        tracks[e.cluster] = replace(track, members=track.members[:1])  # the bench needs no lineage
        fired.extend((e.when, e.cluster, t) for t in spread.crossed)
        if e.cluster.startswith("bg"):
            window.append(spread.window_outlets)
    return fired, window


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_synthetic(args: argparse.Namespace, policies: dict[str, SpreadPolicy]) -> None:
    events, arrivals = synthetic(args.days, args.per_day, args.bursts, args.seed)
    background = [e for e in events if e.cluster.startswith("bg")]
    sizes = Counter(e.cluster for e in background)
    outlets = defaultdict(set)
    for e in background:
        outlets[e.cluster].add(e.outlet)
    print(f"synthetic: {args.days} days, {len(background)} background stories in {len(sizes)} clusters "
          f"(largest {max(sizes.values())} stories; {sum(len(o) >= 5 for o in outlets.values())} reach 5 outlets, "
          f"{sum(len(o) >= 10 for o in outlets.values())} reach 10), {args.bursts} bursts of 15-40 outlets")
    results = {name: replay(events, policy) for name, policy in policies.items()}
    window = next(iter(results.values()))[1]
    print(f"background: outlets new within the hour at each story: median {statistics.median(window):.0f}, "
          f"p99 {_pct(window, 0.99):.0f}, p99.9 {_pct(window, 0.999):.0f}, max {max(window)}")
    print(f"{'policy':<36} {'detected':>8}  {'delay after the k-th outlet, minutes (median / p90)':<56} "
          f"events per day on background clusters")
    for name, (fired, _) in results.items():
        first: dict[str, float] = {}
        for when, cluster, _ in fired:
            first.setdefault(cluster, when)
        delays = {k: [(first[b] - times[k - 1]) / 60 for b, times in arrivals.items() if b in first and len(times) >= k]
                  for k in (3, 5, 10)}
        detected = sum(b in first for b in arrivals)
        kinds = Counter(t.split(">=")[0] if t.startswith("growth") else t for _, c, t in fired if c.startswith("bg"))
        delay_text = "  ".join(f"k={k}: {statistics.median(d):6.1f} / {_pct(d, 0.9):6.1f}" for k, d in delays.items() if d)
        false_text = ", ".join(f"{kind} {count / args.days:.1f}" for kind, count in sorted(kinds.items())) or "none"
        print(f"{name:<36} {detected:>4}/{len(arrivals):<3}  {delay_text:<56} {false_text}")


def report_uci(policy: SpreadPolicy) -> None:
    if not UCI.is_file():
        print(f"UCI sample: {UCI} is absent; skipped")
        return
    with UCI.open(newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["ID"]))
    stamps = Counter(r["TIMESTAMP"] for r in rows)
    tracks: dict[str, Track] = {}
    crossed: dict[str, list[str]] = defaultdict(list)
    seen_rows: Counter[str] = Counter()
    publishers: dict[str, set[str]] = defaultdict(set)
    for n, row in enumerate(rows):
        cluster = row["STORY"]
        seen_rows[cluster] += 1
        publishers[cluster].add(row["PUBLISHER"])
        story = Story(f"uci{row['ID']}", row["TITLE"], url=row["URL"], publisher=row["PUBLISHER"])
        track, _, spread = observe(tracks.get(cluster), story, (), (), float(n), replace(policy, growth=1e9))
        tracks[cluster] = replace(track, members=())
        crossed[cluster].extend(f"{t}@{seen_rows[cluster]}" for t in spread.crossed)
    print(f"\nUCI sample: {len(rows)} rows, {len(tracks)} clusters; TIMESTAMP values: {dict(stamps)} "
          f"(replayed in ID order: rows, not minutes)")
    print(f"{'cluster':<31} {'rows':>5} {'publishers':>10} {'outlets':>8}   thresholds fired @ the cluster's row")
    for cluster, track in sorted(tracks.items(), key=lambda kv: -seen_rows[kv[0]]):
        print(f"{cluster:<31} {seen_rows[cluster]:>5} {len(publishers[cluster]):>10} {len(track.outlets):>8}   "
              f"{' '.join(crossed[cluster])}")
    copies = sum(seen_rows.values()) - sum(len(t.outlets) for t in tracks.values())
    print(f"rows that were another copy from an outlet already counted: {copies} of {len(rows)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--per-day", type=int, default=3000)
    p.add_argument("--bursts", type=int, default=60)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
          f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)")
    default = SpreadPolicy()
    policies = {
        "default (outlets 25/50, growth 6/h)": default,
        "growth only, 6 per hour": replace(default, outlets=()),
        "growth only, 4 per hour": replace(default, outlets=(), growth=4.0, min_window=4),
        "growth only, 4 per 30 min": replace(default, outlets=(), growth=4.0, min_window=4, window_s=1800.0),
        "outlets 5/10/20 only": replace(default, outlets=(5, 10, 20), growth=1e9),
    }
    report_synthetic(args, policies)
    report_uci(replace(default, outlets=(5, 10, 25, 50)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
