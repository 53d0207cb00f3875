"""Stories/s of the enrich chain (normalize, dedupe, countries, the default watch list), one core: in-process
(``enrich_batch``: stories already read, nothing written), the local engine (``pipelines.bounded.run`` with
``engine="local"``: read, enrich, write, in this process) and through Beam's FnApiRunner (the same run with
``engine="beam"``; local engine / Beam compares the same work), for this checkout and, with --against, another one (an older commit, e.g. ``git worktree add /tmp/old COMMIT``), side
by side. Prints numbers; asserts nothing.

    .venv/bin/python bench/enrich_speed.py [--against OLD-CHECKOUT] [--rounds 5] [--limit 3000] [--warm 200]
        [--warm-from-timed] [--modes in-process,local engine,Beam] [PATH.jsonl]

Every measurement runs in a fresh child process pinned to one core, with the checkout first on its
sys.path; the (checkout, path) pairs take turns in an order that rotates each round, so load from other work
falls on all of them alike. Inputs: the first --limit stories of PATH (default Reuters-21578 train) and the
multilingual sample tests/data/geotag/multilingual.jsonl repeated to 2,000 stories. Each child warms up
first (the gazetteer and compiled rules built, then --warm stories enriched: by default 200 stories of the
same file that are not timed, the English ones from after the first --limit, so no timed story meets a cache
it filled itself and what is built after some use, the compiled gazetteer trie after 200 look-ups, is built
before the clock starts; lingua's models too, by one French text, as a warm-up of stories that are plainly
English or name their language never calls it) and times one full pass. --warm-from-timed --warm 50 is the
earlier warm-up (the first 50 timed stories). Printed: the ratios first (of the medians, and the median of
the ratios within a round), then per run the median and every round's stories/s (by wall, by "quiet wall" =
wall less the timed thread's run-queue wait, and by CPU) and the child's peak RSS, the load average before
and after, and whether this checkout's Beam output equals its in-process output. Rates come by wall time and
by the child's CPU time: on a core that other work shares, the wall time counts their turns too, the CPU time
only the child's own. The children keep the caller's PYTHONPATH behind the checkout, so a private build of the
compiled core there (``PYTHONPATH=FOLDER``) serves a checkout without one of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WIREWATCH_SHARED", ROOT.parent / "shared"))  # the corpora, as bench/geotag_eval.py
DEFAULT = SHARED / "corpora" / "geo" / "reuters21578-train.jsonl"
MULTILINGUAL = ROOT / "tests" / "data" / "geotag" / "multilingual.jsonl"
MODES = ("in-process", "local engine", "Beam")

# Run in a child: argv = checkout, mode, input file, output folder, warm-up file. Prints {"n", "seconds", "cpu",
# "quiet", "rss_mb"}
# (cpu: the process's CPU seconds over the timed pass, all its threads, which other work on the core leaves
# out of the count; seconds: wall time; quiet: wall time less the main thread's run-queue wait from
# /proc/self/task/<tid>/schedstat, the wall the pass would take had nothing else wanted its core: it keeps the
# waits CPU time leaves out, the disk's and Beam's hand-overs between threads, so Beam's wall over in-process
# can be read on a loaded machine).
_CHILD = """
import inspect, json, os, resource, sys, threading, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, for the Beam worker threads too
_SCHEDSTAT = f"/proc/self/task/{threading.get_native_id()}/schedstat"
def runq():  # the main thread's seconds waiting on a run queue so far (None where /proc has no schedstat)
    try:
        with open(_SCHEDSTAT) as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None
checkout, mode, path, out, warm = sys.argv[1:6]
sys.path.insert(0, checkout)
from wirewatch.connectors.files.read import parse_jsonl
from wirewatch.records import Story
stories = [s for s in parse_jsonl(open(path, 'rb').read(), path) if isinstance(s, Story)]
try:  # lingua reads its models at its first answer (~85 ms): before the clock, whatever the warm-up stories
    from wirewatch.transforms.language import detect
    detect(None, "Les prix du sucre montent au Brésil, selon les négociants de la bourse de Paris.")
except ImportError:
    pass
if mode == "in-process":
    from wirewatch.transforms.enrich import Enricher, enrich_batch
    enricher = Enricher.create()
    enrich_batch([s for s in parse_jsonl(open(warm, 'rb').read(), warm) if isinstance(s, Story)], enricher)
    q0, t0, c0 = runq(), time.perf_counter(), time.process_time()
    enrich_batch(stories, enricher)
    seconds, cpu, n, q1 = time.perf_counter() - t0, time.process_time() - c0, len(stories), runq()
else:
    from wirewatch.pipelines import bounded
    from wirewatch.transforms.rules import default_watchlist
    watchlist = default_watchlist()
    options = {"keep_input_order": True}
    if "engine" in inspect.signature(bounded.run).parameters:
        options["engine"] = "local" if mode == "local engine" else "beam"  # never the small-input shortcut
    elif mode == "local engine":
        raise SystemExit("this checkout's bounded.run has no local engine")
    def outputs(name):
        return bounded.Outputs(*(os.path.join(out, f"{name}-{kind}.jsonl") for kind in ("s", "a", "d")))
    bounded.run([warm], outputs("warm"), watchlist, **options)
    q0, t0, c0 = runq(), time.perf_counter(), time.process_time()
    bounded.run([path], outputs("timed"), watchlist, **options)
    seconds, cpu, q1 = time.perf_counter() - t0, time.process_time() - c0, runq()
    n = sum(1 for _ in open(os.path.join(out, "timed-s.jsonl"), "rb"))
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
quiet = None if q0 is None or q1 is None else seconds - (q1 - q0)
print(json.dumps({"n": n, "seconds": seconds, "cpu": cpu, "quiet": quiet, "rss_mb": rss_mb}))
"""

# Run in a child: this checkout's Beam output and in-process output of one file, compared.
_SAME = """
import sys, tempfile, orjson
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from wirewatch.connectors.files.read import parse_jsonl
from wirewatch.pipelines import bounded
from wirewatch.records import Story
from wirewatch.transforms.enrich import Enricher, enrich_batch
from wirewatch.transforms.rules import default_watchlist
path = sys.argv[2]
stories = [s for s in parse_jsonl(open(path, "rb").read(), path) if isinstance(s, Story)]
watchlist = default_watchlist()
enriched, _ = enrich_batch(stories, Enricher.create(watchlist))
with tempfile.TemporaryDirectory() as tmp:
    outputs = bounded.Outputs(Path(tmp) / "s.jsonl", Path(tmp) / "a.jsonl", Path(tmp) / "d.jsonl")
    bounded.run([path], outputs, watchlist, keep_input_order=True, engine="beam")
    rows = [orjson.loads(line) for line in outputs.stories.read_bytes().splitlines()]
print([e.to_dict() for e in enriched] == rows)
"""


def _measure(checkout: Path, mode: str, path: Path, warm: Path, cache: Path) -> dict:
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, WIREWATCH_CACHE=str(cache))  # PYTHONPATH kept: the checkout comes before it
        done = subprocess.run([sys.executable, "-c", _CHILD, str(checkout), mode, str(path), out, str(warm)],
                              cwd=checkout,
                              capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode} in {checkout} failed:\n{done.stderr}")
    result = orjson.loads(done.stdout.strip().splitlines()[-1])
    quiet = result.get("quiet")
    return {"rate": result["n"] / result["seconds"], "cpu_rate": result["n"] / result["cpu"],
            "quiet_rate": result["n"] / quiet if quiet else None, "rss_mb": result["rss_mb"]}


def _inputs(path: Path, limit: int, folder: Path, warm: int, from_timed: bool) -> list[tuple[str, Path, Path]]:
    """(name, timed stories, warm-up stories) per input."""
    english, english_warm = folder / "english.jsonl", folder / "english-warm.jsonl"
    every = path.read_bytes().splitlines()
    lines = every[:limit]
    english.write_bytes(b"\n".join(lines) + b"\n")
    english_warm.write_bytes(b"\n".join(every[:warm] if from_timed else every[limit : limit + warm]) + b"\n")
    found = [(f"English, the first {len(lines):,} stories of {path.name}", english, english_warm)]
    if MULTILINGUAL.exists():
        rows = MULTILINGUAL.read_bytes().splitlines()
        sample, sample_warm = folder / "multilingual.jsonl", folder / "multilingual-warm.jsonl"
        with sample.open("wb") as out:
            for i in range(2000):
                row = orjson.loads(rows[i % len(rows)])
                out.write(orjson.dumps({**row, "id": f"{row['id']}-{i}"}) + b"\n")
        sample_warm.write_bytes(b"".join(sample.read_bytes().splitlines(keepends=True)[:warm]))  # it repeats anyway
        found.append((f"multilingual sample ({len(rows)} stories in 11 languages repeated to 2,000)", sample,
                      sample_warm))
    return found


def _ratio(runs: dict, a: tuple[str, str], b: tuple[str, str], rate: str = "rate") -> str:
    """The ratio of the medians, and the median of the ratios within a round (runs close in time, so the
    load they met was alike); ``rate``: by wall time ("rate") or CPU time ("cpu_rate")."""
    if a not in runs or b not in runs or any(r[rate] is None for r in runs[a] + runs[b]):
        return "n/a"
    of_medians = statistics.median(r[rate] for r in runs[a]) / statistics.median(r[rate] for r in runs[b])
    per_round = statistics.median(x[rate] / y[rate] for x, y in zip(runs[a], runs[b]))
    return f"{of_medians:.2f} (per round {per_round:.2f})"


def compare(checkouts: dict[str, Path], path: Path, rounds: int, limit: int, warm: int = 200,
            from_timed: bool = False, modes: tuple[str, ...] = MODES) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"checkouts: {', '.join(f'{k} = {v.resolve()}' for k, v in checkouts.items())}")
    print(f"{rounds} rounds, order rotated each round, 1 core per child; warm-up: {warm} stories "
          f"{'(the first timed ones)' if from_timed else '(not timed ones)'}; load average before: {load}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        caches = {label: folder / f"cache-{label}" for label in checkouts}
        pairs = [(label, mode) for label in checkouts for mode in modes]
        for name, data, warm_data in _inputs(path, limit, folder, warm, from_timed):
            runs: dict[tuple[str, str], list[dict]] = {pair: [] for pair in pairs}
            for r in range(rounds):
                order = pairs[r % len(pairs):] + pairs[: r % len(pairs)]
                for label, mode in (order if r % 2 == 0 else order[::-1]):
                    runs[(label, mode)].append(_measure(checkouts[label], mode, data, warm_data, caches[label]))
            print(f"\n{name}")
            for rate, clock in (("rate", "wall"), ("quiet_rate", "quiet wall"), ("cpu_rate", "CPU")):
                print(f"  by {clock} time, ratios of the medians (median ratio within a round): " + "; ".join(
                    [f"{mode} / Beam ({label}) {_ratio(runs, (label, mode), (label, 'Beam'), rate)}"
                     for mode in ("in-process", "local engine") if mode in modes and "Beam" in modes
                     for label in checkouts]
                    + [f"this / old {mode} {_ratio(runs, ('this', mode), ('old', mode), rate)}"
                       for mode in modes if "old" in checkouts]))
            for (label, mode), found in runs.items():
                rates, cpu_rates = [x["rate"] for x in found], [x["cpu_rate"] for x in found]
                quiet_rates = [x["quiet_rate"] for x in found]
                quiet = ("by quiet wall n/a" if None in quiet_rates else
                         f"by quiet wall {statistics.median(quiet_rates):,.0f}/s "
                         f"(rounds {', '.join(f'{x:,.0f}' for x in quiet_rates)})")
                print(f"  {label:4} {mode:12}: median {statistics.median(rates):,.0f} stories/s "
                      f"(rounds {', '.join(f'{x:,.0f}' for x in rates)}); {quiet}; by CPU time "
                      f"{statistics.median(cpu_rates):,.0f}/s (rounds {', '.join(f'{x:,.0f}' for x in cpu_rates)}); "
                      f"peak RSS {statistics.median(x['rss_mb'] for x in found):,.0f} MB")
        if "Beam" not in modes:
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            return
        same = subprocess.run([sys.executable, "-c", _SAME, str(ROOT), str(folder / "english.jsonl")], cwd=ROOT,
                              capture_output=True, text=True, env=dict(os.environ))
        print(f"\nthis checkout's Beam output identical to its in-process output (English input): "
              f"{same.stdout.strip() or same.stderr.strip()[-500:]}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--against", type=Path, metavar="OLD-CHECKOUT", help="compare with another checkout")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=3000, help="English stories per run")
    parser.add_argument("--warm", type=int, default=200, help="stories enriched before the timed pass")
    parser.add_argument("--warm-from-timed", action="store_true",
                        help="warm up on the first timed stories (the earlier warm-up, with --warm 50)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of: {', '.join(MODES)}")
    args = parser.parse_args()
    modes = tuple(m.strip() for m in args.modes.split(","))
    if not set(modes) <= set(MODES):
        parser.error(f"--modes: each of {', '.join(MODES)}")
    checkouts = {"this": ROOT}
    if args.against:
        checkouts["old"] = args.against
    compare(checkouts, args.path, args.rounds, args.limit, args.warm, args.warm_from_timed, modes)


if __name__ == "__main__":
    main()
