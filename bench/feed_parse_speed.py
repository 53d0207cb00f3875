"""Entries per second over the shared feed corpus, side by side in one run: ours (connectors.feeds.parse_feed:
the compiled reader, then the fastfeedparser reader, then feedparser for the rest, Stories out), our
feedparser path alone (``fast=False``), feedparser itself and fastfeedparser itself (their dictionaries out, no Stories). For the real-world folders and the whole
corpus (feedparser-tests is mostly odd fragments).

Fair measure: every file is parsed once to warm up and find the feed files our feedparser path gets stories
from; only those are timed. Each round times every contender once, in an order that rotates, so a change in
the machine's load falls on all; the median of the rounds counts, in wall time and in CPU time (which the
load moves less). Reading files is not timed. Entries are each
contender's own count (fastfeedparser refuses a few files: they count as none, their time still counts).
Peak RSS is measured in a child process per contender (one pass over the whole corpus, after the same imports
and file loading): the growth of the high-water mark, reset just before the pass, over the resident set then. On the files the
compiled reader answers, the CPU time of fastfeedparser alone, of the compiled reader alone, of its answer in
feedparser's keys and of our Stories is printed.
``--against OLD`` adds another tree's parse_feed (an export of an older commit) as a contender: it runs in a
child process that times one pass whenever its turn in the rounds comes.
With ``--against``, parse_feed's own work (Stories) is also timed side by side on the files the compiled reader
answers, with each tree's parser answers made beforehand, so the difference is not lost in the parsers' time;
and so are the readers' answers on those files (each tree's ``_read``: whichever reader answers there), in the
same children.
Run: .venv/bin/python bench/feed_parse_speed.py [--rounds N] [--against OLD_TREE] [CORPUS_DIR]
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import fastfeedparser  # noqa: E402
import feedparser  # noqa: E402

from wirewatch.connectors.feeds import compiled_reader, fastfeedparser_path  # noqa: E402
from wirewatch.connectors.feeds.feedparser_path import parse_feed, tame_head  # noqa: E402
from wirewatch.connectors.parsing.sniff import sniff  # noqa: E402

REAL_WORLD = ("rss-parser", "feed-rs", "miniflux", "node-feedparser")
Files = list[tuple[Path, bytes]]


def _ours(body: bytes) -> int:
    return len(parse_feed(body).items)


def _ours_feedparser(body: bytes) -> int:
    return len(parse_feed(body, fast=False).items)


def _feedparser(body: bytes) -> int:
    return len(feedparser.parse(io.BytesIO(body)).entries)


def _fastfeedparser(body: bytes) -> int:
    try:
        return len(fastfeedparser.parse(body).entries)
    except ValueError:
        return 0


CONTENDERS: dict[str, Callable[[bytes], int]] = {
    "ours": _ours, "ours, feedparser only": _ours_feedparser, "feedparser": _feedparser,
    "fastfeedparser": _fastfeedparser,
}


def _timed(parse: Callable[[bytes], int], files: Files) -> tuple[int, float, float]:
    """Entries, wall seconds and CPU seconds of one pass (the CPU time moves less with others' load)."""
    started, cpu = time.perf_counter(), time.process_time()
    entries = sum(parse(body) for _, body in files)
    return entries, time.perf_counter() - started, time.process_time() - cpu


class _Old:
    """Another tree's parse_feed in a child process (``--serve``), timed there one pass per request."""

    def __init__(self, tree: Path, corpus: Path) -> None:
        self.corpus = corpus
        self.child = subprocess.Popen([sys.executable, __file__, "--serve", str(tree), str(corpus)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def close(self) -> None:
        assert self.child.stdin
        self.child.stdin.close()
        self.child.wait()

    def timed(self, files: Files) -> tuple[int, float, float]:
        assert self.child.stdin and self.child.stdout
        self.child.stdin.write("\n".join(str(p) for p, _ in files) + "\n\n")
        self.child.stdin.flush()
        entries, seconds, cpu = self.child.stdout.readline().split()
        return int(entries), float(seconds), float(cpu)

    def answers_cpu(self, files: Files) -> float:
        """The child's ``_answers_cpu`` over ``files`` (named as loaded; it tames them itself)."""
        assert self.child.stdin and self.child.stdout
        self.child.stdin.write("@answers\n" + "\n".join(str(p) for p, _ in files) + "\n\n")
        self.child.stdin.flush()
        return float(self.child.stdout.readline())

    def stories_cpu(self, files: Files) -> float:
        """The child's ``_stories_cpu`` over ``files`` (named as loaded; it tames them itself)."""
        assert self.child.stdin and self.child.stdout
        self.child.stdin.write("@stories\n" + "\n".join(str(p) for p, _ in files) + "\n\n")
        self.child.stdin.flush()
        return float(self.child.stdout.readline())


def _serve(tree: Path, corpus: Path) -> None:
    """Child mode: ``tree``'s parse_feed times one pass over the files named on each request (a blank line
    ends one) and answers with the entries, wall seconds and CPU seconds."""
    sys.path.insert(0, str(tree))
    for name in [n for n in sys.modules if n == "wirewatch" or n.startswith("wirewatch.")]:
        del sys.modules[name]
    from wirewatch.connectors.feeds import feedparser_path as old_path  # noqa: PLC0415

    bodies = {str(p): b for p, b in _feeds(corpus)}
    names: list[str] = []
    for line in sys.stdin:
        if line.strip():
            names.append(line.strip())
            continue
        if names[:1] == ["@stories"]:  # Stories from answers made beforehand (_stories_cpu)
            tamed = [tame_head(bodies[n]) or b"" for n in names[1:]]
            print(_stories_cpu(old_path, tamed), flush=True)
        elif names[:1] == ["@answers"]:  # the readers' answers (_answers_cpu)
            tamed = [tame_head(bodies[n]) or b"" for n in names[1:]]
            print(_answers_cpu(old_path._read, tamed), flush=True)
        else:
            entries, seconds, cpu = _timed(lambda body: len(old_path.parse_feed(body).items),
                                           [(Path(n), bodies[n]) for n in names])
            print(entries, seconds, cpu, flush=True)
        names = []


def _report(label: str, files: Files, rounds: int, old: _Old | None = None) -> None:
    names = list(CONTENDERS) + (["old tree"] if old else [])
    times: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    entries: dict[str, int] = {}
    for turn in range(rounds):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            entries[name], seconds, cpu = (old.timed(files) if name == "old tree" and old
                                           else _timed(CONTENDERS[name], files))
            times[name].append(seconds)
            cpus[name].append(cpu)
    rate = {name: entries[name] / statistics.median(times[name]) for name in names}
    cpu_rate = {name: entries[name] / statistics.median(cpus[name]) for name in names}
    print(f"\n{label}: {len(files)} files, {entries['ours']} entries (ours)")
    for kind, rates in (("wall", rate), ("CPU", cpu_rate)):
        print(f"  ratios ({kind}): fastfeedparser / ours {rates['fastfeedparser'] / rates['ours']:.2f}x, "
              f"ours / feedparser {rates['ours'] / rates['feedparser']:.2f}x, "
              f"ours / our feedparser path {rates['ours'] / rates['ours, feedparser only']:.2f}x"
              + (f", ours / old tree {rates['ours'] / rates['old tree']:.2f}x" if old else ""))
    for name in names:
        spread = f"{min(times[name]):.3f}-{max(times[name]):.3f} s"
        print(f"  {name:<22} {rate[name]:>9,.0f} entries/s  ({entries[name]} entries, median of {rounds}: "
              f"{statistics.median(times[name]):.3f} s, range {spread}; CPU {cpu_rate[name]:,.0f} entries/s)")
    answered = [body for _, body in files if not isinstance(_answer(body), str)]
    share = sum(map(_ours, answered)) / max(entries["ours"], 1)
    print(f"  the compiled reader answers {len(answered)} of {len(files)} files ({share:.0%} of the entries)")
    rest = [body for _, body in files if isinstance(_answer(body), str)]
    taken = [body for body in rest if not isinstance(_fast_answer(body), str)]
    print(f"  the fastfeedparser reader {len(taken)} more ({sum(map(_ours, taken)) / max(entries['ours'], 1):.0%});"
          f" feedparser the other {len(rest) - len(taken)}")
    _declines(files)
    _stages([tame_head(body) or b"" for body in answered], rounds)
    if old:
        _stories_side_by_side([(p, body) for p, body in files if not isinstance(_answer(body), str)], rounds, old)


def _stories_side_by_side(files: Files, rounds: int, old: _Old) -> None:
    """This tree's and the old tree's Stories from answers made beforehand (_stories_cpu), each in a child
    process of the same kind (this process holds far more objects, which makes its garbage collection
    dearer), alternating, medians."""
    children = {"ours": _Old(ROOT, old.corpus), "old": old}
    cpus: dict[str, list[float]] = {"ours": [], "old": []}
    for turn in range(rounds):
        for name in (("ours", "old") if turn % 2 == 0 else ("old", "ours")):
            cpus[name].append(children[name].stories_cpu(files))
    read: dict[str, list[float]] = {"ours": [], "old": []}
    for turn in range(rounds):
        for name in (("ours", "old") if turn % 2 == 0 else ("old", "ours")):
            read[name].append(children[name].answers_cpu(files))
    children["ours"].close()
    mine, before = statistics.median(cpus["ours"]), statistics.median(cpus["old"])
    print(f"  on the files it answers, parse_feed with the parsers' answers made beforehand (Stories), CPU "
          f"(median of {rounds}, each tree in a child process): ours {mine * 1e3:.0f} ms, old tree "
          f"{before * 1e3:.0f} ms (ours / old tree {mine / before:.2f}x)")
    mine, before = statistics.median(read["ours"]), statistics.median(read["old"])
    print(f"  on the same files, the readers' answers in feedparser's keys (each tree's _read), CPU (median "
          f"of {rounds}, the same children): ours {mine * 1e3:.0f} ms, old tree {before * 1e3:.0f} ms "
          f"(ours / old tree {mine / before:.2f}x)")


# On the files the compiled reader answers: fastfeedparser alone (its dictionaries out), then our stages, each
# adding one step to the one before, so the differences of the medians are what each step costs. (The
# documents are the tamed ones parse_feed gives the reader.)
STAGES: dict[str, Callable[[bytes], object]] = {
    "fastfeedparser alone": _fastfeedparser,
    "compiled reader alone": lambda body: compiled_reader.compiled_pass(body),
    "answer in feedparser's keys": lambda body: compiled_reader.answer(body, {}),
    "all, Stories out": _ours,
}


def _stories_cpu(path: Any, bodies: list[bytes]) -> float:
    """CPU seconds of one ``path.parse_feed`` pass over ``bodies`` (``path``: a tree's feedparser_path module)
    with the parsers' answers made beforehand: what is left is parse_feed's own work, nearly all of it
    building Stories (cleaning fields, ids, records). The module's ``_read`` is swapped for a look-up for a
    warm-up pass that fills it and the timed pass."""
    read, made = path._read, {}

    def remembered(data: bytes, headers: Any, fast: bool) -> Any:
        key = (data, tuple(sorted(headers.items())), fast)
        if key not in made:
            made[key] = read(data, headers, fast)
        return made[key]

    path._read = remembered
    try:
        for body in bodies:
            path.parse_feed(body)
        started = time.process_time()
        for body in bodies:
            path.parse_feed(body)
        return time.process_time() - started
    finally:
        path._read = read


def _answers_cpu(read: Callable[[bytes, Any, bool], object], bodies: list[bytes]) -> float:
    """CPU seconds of one pass of a tree's readers (``read``: connectors.feeds.feedparser_path._read, fast)
    over ``bodies``, after a warm-up pass."""
    for body in bodies:
        read(body, {}, True)
    started = time.process_time()
    for body in bodies:
        read(body, {}, True)
    return time.process_time() - started


def _stages(bodies: list[bytes], rounds: int) -> None:
    """CPU seconds of each stage over ``bodies`` (process time: less moved by other work on the machine),
    alternating as the contenders do; the bridge is the answer less the check and fastfeedparser."""
    names = list(STAGES)
    times: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(rounds):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            started = time.process_time()
            for body in bodies:
                STAGES[name](body)
            times[name].append(time.process_time() - started)
    cost = {name: statistics.median(times[name]) for name in names}
    alone = cost["fastfeedparser alone"]
    reader = cost["compiled reader alone"]
    glue = cost["answer in feedparser's keys"] - reader
    stories = cost["all, Stories out"] - cost["answer in feedparser's keys"]
    print(f"  on the files it answers, CPU (median of {rounds}): fastfeedparser alone {alone * 1e3:.0f} ms; "
          f"ours: the compiled reader {reader * 1e3:.0f} ms, its answer in feedparser's keys {glue * 1e3:.0f} ms, "
          f"Stories {stories * 1e3:.0f} ms; all {cost['all, Stories out'] * 1e3:.0f} ms "
          f"({cost['all, Stories out'] / alone:.2f}x fastfeedparser alone)")


def _answer(body: bytes) -> object:
    """The compiled reader's answer for ``body`` as parse_feed asks it (after taming the head), or its reason."""
    return compiled_reader.answer(tame_head(body) or b"", {})


def _fast_answer(body: bytes) -> object:
    """The fastfeedparser reader's answer for ``body`` as parse_feed asks it, or its reason."""
    return fastfeedparser_path.answer(tame_head(body) or b"", {})


def _declines(files: Files) -> None:
    """Files both fast readers leave to feedparser and their entries, by the fastfeedparser reader's reason,
    most entries first."""
    counts: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    for _, body in files:
        reason = _answer(body)
        reason = _fast_answer(body) if isinstance(reason, str) else reason
        if isinstance(reason, str):
            reason = reason[:90]
            counts[reason] += 1
            entries[reason] += _ours(body)
    for reason, count in entries.most_common(8):
        print(f"    to feedparser: {count:>5} entries in {counts[reason]:>3} files: {reason}")


def _feeds(corpus: Path) -> Files:
    files = [p for p in sorted(corpus.rglob("*")) if p.is_file()]
    return [(p, b) for p in files if sniff(b := p.read_bytes(), p.name) in ("feed", "xml")]


def _usable(corpus: Path) -> Files:
    return [(p, b) for p, b in _feeds(corpus) if parse_feed(b, fast=False).items]


def _vm(field: str) -> int:
    """A kB figure of this process from /proc/self/status (VmRSS: resident now; VmHWM: its high-water mark)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _peak(name: str, corpus: Path) -> None:
    """Child mode: one pass of one contender over the corpus' feed files; prints the growth of the resident
    set's high-water mark over the pass (MB), the peak during the pass and the resident set before it.
    Every child makes the same imports and loads the same files first; that start-up peak (a big read of
    the whole corpus) is cleared by ``5 > /proc/self/clear_refs`` so the figure is the pass's own."""
    files = _feeds(corpus)
    Path("/proc/self/clear_refs").write_text("5")
    before = _vm("VmRSS")
    _timed(CONTENDERS[name], files)
    peak = _vm("VmHWM")
    print(f"{(peak - before) / 1024:.1f} {peak / 1024:.1f} {before / 1024:.1f}")


def main(argv: list[str]) -> int:
    args = argv[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if args[:1] == ["--peak"]:
        _peak(args[1], Path(args[2]))
        return 0
    if args[:1] == ["--serve"]:
        _serve(Path(args[1]), Path(args[2]))
        return 0
    rounds, against = 5, None
    while args[:1] in (["--rounds"], ["--against"]):
        if args[0] == "--rounds":
            rounds = int(args[1])
        else:
            against = Path(args[1])
        args = args[2:]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpora" / "feeds"
    if not corpus.is_dir():
        raise SystemExit(f"no feed corpus folder at {corpus} (give CORPUS_DIR, or put ../shared beside the checkout)")
    usable = _usable(corpus)
    if not usable:
        raise SystemExit(f"no feed file in {corpus} gives stories: nothing to time")
    print(f"corpus: {corpus}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start")
    print(f"feed files giving stories (timed): {len(usable)} ({sum(len(b) for _, b in usable) / 1e6:.1f} MB)")
    old = _Old(against, corpus) if against else None
    _report("real-world folders", [(p, b) for p, b in usable if p.relative_to(corpus).parts[0] in REAL_WORLD],
            rounds, old)
    _report("whole corpus", usable, rounds, old)
    print("\npeak RSS of one pass over the whole corpus, each contender in a child process of its own after the same"
          "\nimports and file loading, the high-water mark reset before the pass (VmHWM, clear_refs):"
          "\n  growth of the peak over the resident set before the pass; in brackets the peak and the set before (MB)")
    for name in CONTENDERS:
        out = subprocess.run([sys.executable, __file__, "--peak", name, str(corpus)], capture_output=True,
                             text=True, check=True).stdout.split()
        print(f"  {name:<22} {out[0]:>6} MB  (peak {out[1]}, before {out[2]})")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
