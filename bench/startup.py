"""Start-up of the short commands, this checkout against another, side by side: wall time and peak RSS of
``wirewatch --help``, ``wirewatch enrich`` of one story and ``wirewatch replay seeds/``, each a fresh process.
Prints ratios first, then medians; asserts nothing.

    .venv/bin/python bench/startup.py --against COMMIT-OR-CHECKOUT [--rounds 5] [--cold]

``--against`` is another checkout's folder, or a commit of this repository (exported with ``git archive``
into a temporary folder). Rounds alternate which side runs first; each command's median of ``--rounds``
is reported, with the load average before and after. Each side gets its own compiled cache, filled by one
untimed run first (a warm start: what every run after the first one sees); ``--cold`` adds this checkout
with the cache off (``WIREWATCH_CACHE=off``: what a first run after a change to transforms/ costs).
Peak RSS and CPU time (user + system, every thread) are each child's own, from ``os.wait4`` (the rusage of
that child alone). The in-process engine runs on one thread, so its CPU time is close to what its wall time
is on an idle core; beside other work, wall time stretches with the load average and CPU time far less."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 1.2  # issue 17: enrich of one story and replay of seeds/ each under this, wall


@dataclass
class Side:
    name: str
    checkout: Path
    cache: str  # WIREWATCH_CACHE for its runs
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user + system seconds of the child
    rss: dict[str, list[int]] = field(default_factory=dict)


def export(commit: str, into: Path) -> Path:
    """``commit`` of this repository as files under ``into`` (git archive: no work tree registered)."""
    archive = into / "tree.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit], stdout=fh, check=True)
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="tar")
    return tree


def commands(work: Path) -> dict[str, list[str]]:
    story = work / "one.jsonl"
    seed = next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    story.write_bytes(orjson.dumps({"id": "seed", "title": seed.splitlines()[0], "body": seed}) + b"\n")
    return {
        "--help": ["--help"],
        "enrich one story": ["enrich", str(story), "-o", str(work / "out.jsonl")],
        "replay seeds/": ["replay", str(ROOT / "seeds"), "--out", str(work / "replay"), "-q"],
    }


def run_once(side: Side, args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of ``wirewatch ARGS`` run with ``side``'s code and cache."""
    env = dict(os.environ, PYTHONPATH=str(side.checkout), WIREWATCH_CACHE=side.cache)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "wirewatch.pipelines.cli", *args], cwd=side.checkout, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{side.name}: wirewatch {' '.join(args)} failed:\n{err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", required=True, metavar="COMMIT-OR-CHECKOUT")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cold", action="store_true", help="also this checkout with the compiled cache off")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirewatch-startup-") as tmp:
        work = Path(tmp)
        against = Path(args.against)
        old = against.resolve() if against.is_dir() else export(args.against, work)
        sides = [Side("before", old, str(work / "cache-before")), Side("after", ROOT, str(work / "cache-after"))]
        if args.cold:
            sides.append(Side("after, cache off", ROOT, "off"))
        cmds = commands(work)
        for side in sides:  # fill each side's cache (and the OS's file cache) once, untimed
            for argv in cmds.values():
                run_once(side, argv)
        load_before = load()
        for r in range(args.rounds):
            for side in (sides if r % 2 == 0 else sides[::-1]):
                for label, argv in cmds.items():
                    wall, cpu, rss = run_once(side, argv)
                    side.wall.setdefault(label, []).append(wall)
                    side.cpu.setdefault(label, []).append(cpu)
                    side.rss.setdefault(label, []).append(rss)
        report(sides, args.rounds, args.against, load_before, load())
    return 0


def report(sides: list[Side], rounds: int, against: str, load_before: str, load_after: str) -> None:
    before, after = sides[0], sides[1]
    med = statistics.median
    print(f"start-up, this checkout against {against}: median of {rounds} alternating rounds")
    print(f"load average (1, 5, 15 min) before: {load_before}; after: {load_after}; cpus: {os.cpu_count()}")
    print("ratios (before / after; > 1: this checkout is faster):")
    for label in after.wall:
        print(f"  {label:18s} {med(before.wall[label]) / med(after.wall[label]):5.2f}x wall   "
              f"{med(before.cpu[label]) / med(after.cpu[label]):5.2f}x CPU   "
              f"{med(before.rss[label]) / med(after.rss[label]):5.2f}x peak RSS")
    print(f"goal: enrich of one story and replay of seeds/ under {GOAL_S} s wall (this checkout, warm cache);")
    print("  CPU (user + system): close to the wall time on an idle core for the one-thread in-process engine")
    print(f"{'command':18s} " + " ".join(f"{s.name + ': wall [range], CPU, peak RSS':>42s}" for s in sides))
    for label in after.wall:
        cells = []
        for s in sides:
            w = s.wall[label]
            cells.append(f"{med(w):5.2f} s [{min(w):.2f}-{max(w):.2f}] {med(s.cpu[label]):5.2f} s "
                         f"{med(s.rss[label]) / 1024:4.0f} MB")
        print(f"{label:18s} " + " ".join(f"{c:>42s}" for c in cells))


if __name__ == "__main__":
    sys.exit(main())
