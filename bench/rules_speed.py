"""Speed of the rule engine at 1k, 10k and 100k generated rules over Reuters-21578 training stories, one
core, in one run: the compiled core, the pure-Python engine and a raw Hyperscan scan of the same key streams,
each in a process of its own, measured in alternating rounds (medians of ``--rounds``, at least 5), with the
load average and peak memory. Ratios first. Prints numbers; asserts nothing.

    .venv/bin/python bench/rules_speed.py [--sizes 1000,10000,100000] [--rounds 5] [--stories 4000] [--against OLD]

- compiled: ``Matcher.match`` per story with the compiled core (story view, scan, candidates, evaluation,
  records): what the pipeline pays;
- shared: the same with each story's words already split (``transforms.tokens.StoryWords``, made before the
  rounds), as in the enrichment chain, where fingerprinting and the country tagger split them first (the
  compiled core splits the texts itself, ``Core.match_texts``, and does not read them);
- core: the compiled core's part of it alone (``Engine.records`` on story views made before the rounds: with
  ``Core.match_texts``, splitting, key look-ups, scan, evaluation and records; with an older core, from the
  views' key lines made before);
- python: ``Matcher.match`` with ``WIREWATCH_NATIVE=0``;
- before (with ``--against OLD``, another checkout, say ``git archive <commit> | tar -x -C OLD``, with its own
  build of the compiled core as ``OLD/wirewatch_native.abi3.so``): ``Matcher.match`` of that checkout;
- raw: Hyperscan alone over the same key lines (the stem and form lines of each story view) with the
  engine's literal patterns and a no-op callback per hit: the floor of any literal matcher.

Rates are counted in each process's CPU time (the machine is shared; wall-clock rates are printed beside
them). Compile is measured cold (nothing cached, in a process of its own, with its peak memory), then the
measured processes load from the cache. Rules are generated from the corpus's own vocabulary, drawn
uniformly over distinct words and word pairs (so most are specific, as analysts' terms are; a word alone is
never one of the words found in more than 1% of stories, while word pairs may be made of such words), in nine
shapes: phrases, alias sets shared by many rules, prefixes, NEAR/ONEAR, field scopes, NOT, weights with
thresholds, exact-case names, and country/region predicates.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import pickle
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT.parent / "shared" / "corpora" / "geo" / "reuters21578-train.jsonl"
STOP = set("the and for that with from this have were which their said will would been also after about "
           "into more than other they year last there when over some such under these those what while "
           "could should between against among until where".split())
COUNTRIES = "US JP GB DE FR CN KP KR RU BR CA AU IN IT NL BE CH SE NO ES MX AR ZA NG EG SA IR IQ IL TR UA PL ID MY TH PH VN".split()


def vocabulary(stories: list) -> tuple[list[str], list[str], list[str]]:
    from wirewatch.transforms.rulelang.words import split

    words, pairs, names = set(), set(), set()
    seen_in: Counter[str] = Counter()
    for s in stories:
        seen_in.update({w.lower() for w in split(f"{s.title or ''} {s.body}")})
    common = {w for w, n in seen_in.items() if n > len(stories) // 100}  # in more than 1% of stories
    for s in stories:
        for text in (s.title or "", s.body):
            ws = split(text)
            for a, b in zip(ws, ws[1:]):
                la, lb = a.lower(), b.lower()
                if la.isalpha() and lb.isalpha() and len(la) > 2 and len(lb) > 2 and la not in STOP and lb not in STOP:
                    pairs.add(f"{la} {lb}")
            for w in ws:
                if w.isalpha() and len(w) >= 4 and w.lower() not in STOP and w.lower() not in common:
                    words.add(w.lower())
                    if w[0].isupper() and w[1:].islower() and text is s.body and w.lower() not in common:
                        names.add(w)
    return sorted(words), sorted(pairs), sorted(names)


def generate(n: int, vocab: tuple[list[str], list[str], list[str]], seed: int = 5) -> str:
    words, pairs, names = vocab
    rng = random.Random(seed)
    w = lambda: rng.choice(words)  # noqa: E731
    p = lambda: rng.choice(pairs)  # noqa: E731
    regions = ["Western Europe", "Eastern Asia", "Northern America", "Western Asia", "South-eastern Asia"]
    long_names = [x for x in names if len(x) >= 6]
    n_alias = max(20, n // 100)
    lines = ["version: 1", "aliases:"]
    for a in range(n_alias):
        terms = [p() for _ in range(rng.randint(2, 4))] + [w() for _ in range(rng.randint(1, 3))]
        lines.append(f"  a{a}: " + json.dumps(" | ".join(f'"{t}"' for t in terms)))
    lines.append("rules:")
    for i in range(n):
        al = f"@a{rng.randrange(n_alias)}"
        shape = i % 9
        threshold = None
        if shape == 0:
            q = f'"{p()}"'
        elif shape == 1:
            q = f'"{p()}" OR "{p()}" OR {rng.choice(long_names)}*'
        elif shape == 2:
            q = f'{al} NEAR/5 "{p()}"'
        elif shape == 3:
            q = f"({w()} ONEAR/3 {w()}) AND country:{rng.choice(COUNTRIES)}"
        elif shape == 4:
            q = f'title:"{p()}" OR (body:"{p()}" AND NOT {w()})'
        elif shape == 5:
            q, threshold = f'"{p()}"^2 OR {w()}^1 OR {al}^0.5', 2
        elif shape == 6:
            q = f'{al} AND region:"{rng.choice(regions)}"'
        elif shape == 7:
            q = f'({w()} OR {w()}) NEAR/8 ({w()} OR "{p()}")'
        else:
            q = f'case:{rng.choice(names)} OR "{p()}"'
        lines.append(f"  - id: r{i}")
        lines.append(f"    severity: {rng.choice(['low', 'medium', 'high'])}")
        lines.append(f"    query: {json.dumps(q)}")
        if threshold is not None:
            lines.append(f"    threshold: {threshold}")
    return "\n".join(lines) + "\n"


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not the parent's peak inherited over
    fork and exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def compile_cold(rules: str, cache_dir: str) -> None:
    """Parse and compile with nothing cached (then cache it): seconds and peak memory."""
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rulelang.cache import CompiledCache
    from wirewatch.transforms.rules import load_watchlist_file

    cache = CompiledCache(cache_dir)
    t0 = time.perf_counter()
    Matcher(load_watchlist_file(rules, cache=cache), cache=cache)
    print(json.dumps({"compile_s": time.perf_counter() - t0, "peak_mb": peak_mb()}))


def serve(kind: str, rules: str, cache_dir: str, stories_path: str) -> None:
    """Load once, then time one round over every story for each line read from stdin (the round's kind:
    match, core or raw); one JSON line back per round."""
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rulelang.cache import CompiledCache
    from wirewatch.transforms.rulelang.view import StoryView
    from wirewatch.transforms.rules import load_watchlist_file

    logging.getLogger("wirewatch.match").setLevel(logging.ERROR)  # the stories over a cap, every round
    enriched = pickle.loads(Path(stories_path).read_bytes())
    cache = CompiledCache(cache_dir)
    t0 = time.perf_counter()
    watchlist = load_watchlist_file(rules, cache=cache)
    matcher = Matcher(watchlist, cache=cache)
    load_s = time.perf_counter() - t0
    engine = matcher.engine
    rounds: dict = {}
    if kind == "raw":
        rounds["raw"] = raw_round(engine, enriched)
    else:
        for e in enriched:  # the first pass: word and stem caches fill, rules compile to closures on first use
            matcher.match(e)
        rounds["match"] = lambda: sum(len(matcher.match(e)) for e in enriched)
        if engine.native is not None and hasattr(engine, "records"):  # (an older checkout has no records)
            views = [StoryView(e) for e in enriched]
            caps = (matcher.caps.matches, matcher.caps.spans_per_match, matcher.caps.spans)
            args = (caps,) if "ids" not in inspect.signature(engine.records).parameters else (
                [r.id for r in watchlist.rules], caps)  # (an older checkout passes the rule ids)
            for v in views:
                engine.records(v, *args)  # the key lines are made here, outside the rounds

            def core() -> int:
                found = 0
                for v in views:
                    made = engine.records(v, *args)
                    found += len(made) if isinstance(made, tuple) else len(engine.fire_sets(v, spans=True)[0])
                return found

            rounds["core"] = core
            from wirewatch.transforms.rulelang.syntax import FIELDS
            from wirewatch.transforms.tokens import StoryWords

            shared = [StoryWords(e.story) for e in enriched]
            for w in shared:
                for field in FIELDS:
                    w.of(field)
            rounds["shared"] = lambda: sum(len(matcher.match(e, w)) for e, w in zip(enriched, shared, strict=True))
    print(json.dumps({"ready": True, "load_s": load_s, "engine": "compiled" if engine.native is not None else "python",
                      "patterns": engine.size, "peak_mb": peak_mb()}), flush=True)
    for line in sys.stdin:
        fn = rounds[line.strip()]
        w0, c0 = time.perf_counter(), time.process_time()
        found = fn()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        print(json.dumps({"cpu_s": cpu, "wall_s": wall, "found": found, "stories": len(enriched),
                          "peak_mb": peak_mb()}), flush=True)


def raw_round(engine, enriched: list):  # noqa: ANN001, ANN201
    """Hyperscan alone over the key lines the engine scans (stem and form), the engine's literal patterns per
    stream, a no-op callback per hit."""
    import hyperscan

    from wirewatch.transforms.rulelang.syntax import FORM, STEM
    from wirewatch.transforms.rulelang.view import StoryView

    program = engine.program
    dbs = []
    for stream in (STEM, FORM):
        patterns = [p.encode() for p in program.patterns[stream]]
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns), flags=0, literal=True)
        dbs.append(db)
    lines = [(v.line(STEM).encode(), v.line(FORM).encode()) for v in map(StoryView, enriched)]
    hits = [0]

    def on_hit(*_: object) -> None:
        hits[0] += 1

    def scan() -> int:
        hits[0] = 0
        stem, form = dbs
        for a, b in lines:
            stem.scan(a, match_event_handler=on_hit)
            form.scan(b, match_event_handler=on_hit)
        return hits[0]

    return scan


class Child:
    """A measuring process: started, loaded, then asked for rounds."""

    def __init__(self, kind: str, rules: Path, cache: Path, stories: Path, checkout: Path = ROOT) -> None:
        env = dict(os.environ, WIREWATCH_NATIVE="0" if kind == "python" else os.environ.get("WIREWATCH_NATIVE", "1"),
                   PYTHONPATH="")
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(rules), str(cache), str(stories),
                                      "--checkout", str(checkout)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=checkout)
        self.info = self._read()

    def _read(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"a measuring process ended (exit {self.proc.wait()})")
        return json.loads(line)

    def round(self, kind: str) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(kind + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()
        return self.info


def run_cold(rules: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--cold", str(rules), str(cache)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(size: int, rules: Path, cache: Path, stories: Path, rounds: int, against: Path | None) -> None:
    cold = run_cold(rules, cache)
    children = {"compiled": Child("compiled", rules, cache, stories), "python": Child("python", rules, cache, stories),
                "raw": Child("raw", rules, cache, stories)}
    if against is not None:
        children["before"] = Child("compiled", rules, cache, stories, against)
    if any(children[name].info["engine"] != "compiled" for name in ("compiled", "before") if name in children):
        raise SystemExit("the compiled core is not built (scripts/bootstrap; for --against, OLD/wirewatch_native.abi3.so)")
    # (what is measured, in which process, the round it runs there)
    kinds = [("compiled", "compiled", "match"), ("shared", "compiled", "shared"), ("core", "compiled", "core"),
             ("python", "python", "match"),
             ("raw", "raw", "raw")] + ([("before", "before", "match")] if against is not None else [])
    found: dict[str, list[dict]] = {label: [] for label, _, _ in kinds}
    for r in range(rounds):
        for label, name, kind in (kinds if r % 2 == 0 else kinds[::-1]):
            found[label].append(children[name].round(kind))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for c in children.values():
        c.close()
    n = found["compiled"][0]["stories"]
    rate = {label: statistics.median(n / x["cpu_s"] for x in runs) for label, runs in found.items()}
    low = {label: min(n / x["cpu_s"] for x in runs) for label, runs in found.items()}
    high = {label: max(n / x["cpu_s"] for x in runs) for label, runs in found.items()}
    wall = {label: statistics.median(n / x["wall_s"] for x in runs) for label, runs in found.items()}
    peak = {name: max([c.info["peak_mb"]] + [x["peak_mb"] for label, who, _ in kinds if who == name for x in found[label]])
            for name, c in children.items()}

    def rates(label: str) -> str:
        return f"{rate[label]:,.0f} ({low[label]:,.0f}-{high[label]:,.0f}; wall {wall[label]:,.0f})"

    print(f"{size:>7,} rules ({children['compiled'].info['patterns']:,} patterns, {rules.stat().st_size / 1e6:.1f} MB "
          f"YAML), {n:,} stories, {rounds} alternating rounds, load average {load}")
    print(f"        ratios: compiled match / raw Hyperscan scan time = {rate['raw'] / rate['compiled']:.1f}x (with the "
          f"words shared {rate['raw'] / rate['shared']:.1f}x), the compiled core alone / raw = "
          f"{rate['raw'] / rate['core']:.1f}x; compiled / pure Python speed = "
          f"{rate['compiled'] / rate['python']:.1f}x" + (f"; compiled / {against} (its compiled core) = "
                                                          f"{rate['compiled'] / rate['before']:.2f}x" if against else ""))
    print(f"        stories/s, median by CPU time (min-max; wall clock): compiled {rates('compiled')}, with the words "
          f"shared {rates('shared')}, the core alone "
          f"{rates('core')}, pure Python {rates('python')}, raw Hyperscan {rates('raw')}"
          + (f", before {rates('before')} (peak memory {peak['before']:,.0f} MB)" if against else ""))
    print(f"        matches {found['compiled'][0]['found']:,} (with the words shared {found['shared'][0]['found']:,}, "
          f"pure Python {found['python'][0]['found']:,}, the core "
          f"alone {found['core'][0]['found']:,}); compile {cold['compile_s']:.1f} s cold (peak {cold['peak_mb']:,.0f} MB), "
          f"cached load {children['compiled'].info['load_s']:.2f} s; peak memory: compiled {peak['compiled']:,.0f} MB, "
          f"pure Python {peak['python']:,.0f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--stories", type=int, default=4000, help="the first N stories of the corpus")
    ap.add_argument("--corpus", default=str(DEFAULT))
    ap.add_argument("--serve", nargs=4, metavar=("KIND", "RULES", "CACHE", "STORIES"))
    ap.add_argument("--cold", nargs=2, metavar=("RULES", "CACHE"))
    ap.add_argument("--against", type=Path, help="another checkout to measure beside this one")
    ap.add_argument("--checkout", type=Path, default=ROOT, help=argparse.SUPPRESS)  # whose code --serve measures
    args = ap.parse_args()
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # one core: the processes take turns
    if args.serve:
        sys.path.insert(0, str(args.checkout.resolve()))
        serve(*args.serve)
        return
    if args.cold:
        compile_cold(*args.cold)
        return
    from wirewatch.connectors.files.read import parse_jsonl
    from wirewatch.records import EnrichedStory, Story
    from wirewatch.transforms.gazetteer import default_gazetteer
    from wirewatch.transforms.geotag import classify

    path = Path(args.corpus)
    stories = [s for s in parse_jsonl(path.read_bytes(), str(path)) if isinstance(s, Story)]
    gazetteer = default_gazetteer()
    enriched = [EnrichedStory(s, *classify(s, gazetteer)) for s in stories[: args.stories]]
    vocab = vocabulary(stories)
    print(f"corpus: {path.name}: {len(stories)} stories (vocabulary from all; {len(enriched)} matched); "
          f"vocabulary: {len(vocab[0])} words, {len(vocab[1])} word pairs, {len(vocab[2])} names; 1 core (cpu {cpu})")
    with tempfile.TemporaryDirectory() as tmp:
        stories_path = Path(tmp) / "stories.pickle"
        stories_path.write_bytes(pickle.dumps(enriched))
        for size in (int(s) for s in args.sizes.split(",")):
            rules = Path(tmp) / f"rules-{size}.yaml"
            rules.write_text(generate(size, vocab), encoding="utf-8")
            measure(size, rules, Path(tmp) / f"cache-{size}", stories_path, max(args.rounds, 1),
                    args.against.resolve() if args.against else None)


if __name__ == "__main__":
    main()
