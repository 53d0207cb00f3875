"""Speed of the rule engine at 1k, 10k and 100k generated rules over the Reuters-21578 training stories,
one core: compile cold and from the cache, stories/s, memory, and the ratio to a raw Hyperscan scan of
the same texts with the same literal terms. Prints numbers; asserts nothing. Stories/s are counted in
the process's CPU time (the development machine is shared); the wall-clock rate is printed beside it.

    .venv/bin/python bench/rules_speed.py [--sizes 1000,10000,100000] [--corpus PATH.jsonl]

Rules are generated from the corpus's own vocabulary, drawn uniformly over distinct words and word pairs
(so most are specific, as analysts' terms are; a word alone is never one of the words found in more than
1% of stories, while word pairs may be made of such words), in nine shapes: phrases, alias sets
shared by many rules, prefixes, NEAR/ONEAR, field scopes, NOT, weights with thresholds, exact-case
names, and country/region predicates. Each size runs in fresh processes (cold, then from the cache).
The rule engine's compiled core is used when built (scripts/bootstrap); WIREWATCH_NATIVE=0 measures the
pure-Python engine.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
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


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(rules: str, cache_dir: str, stories_path: str) -> None:
    """One measurement in a fresh process: compile (cold or cached), then match every story."""
    import hyperscan

    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rulelang.cache import CompiledCache
    from wirewatch.transforms.rules import load_watchlist_file

    enriched = pickle.loads(Path(stories_path).read_bytes())
    base = rss_mb()
    cache = CompiledCache(cache_dir)
    t0 = time.perf_counter()
    watchlist = load_watchlist_file(rules, cache=cache)
    matcher = Matcher(watchlist, cache=cache)
    compile_s = time.perf_counter() - t0
    compiled_mb = rss_mb() - base
    matches = candidates = 0
    c0 = time.process_time()
    for e in enriched:  # first pass: word and stem caches fill, rules compile to closures on first use
        matcher.match(e)
    first_s = time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    for e in enriched:  # second pass: the steady state of a long-running job
        matches += len(matcher.match(e))
    match_wall_s, match_s = time.perf_counter() - t0, time.process_time() - c0
    engine = matcher.engine
    from wirewatch.transforms.rulelang.view import StoryView

    for e in enriched[:2000]:
        view = StoryView(e)
        candidates += len(engine.candidates(engine.hits(view), view.facts))
    # the per-story scan of the key lines: the compiled core's key-trie walk and Hyperscan's scan (the
    # Python engine's prefilter, with its per-hit callback), the same lines, the same patterns
    from wirewatch.transforms.rulelang.syntax import FORM, STEM

    lines = [(v.line(STEM), v.line(FORM)) for v in map(StoryView, enriched)]
    scan = {}
    if engine.native is not None:
        c0 = time.process_time()
        found = sum(engine.native.scan_count(a, b) for a, b in lines)
        scan["trie_us"], scan["trie_hits"] = (time.process_time() - c0) / len(lines) * 1e6, found
    engine._load()
    scanners = engine.scanners
    c0 = time.process_time()
    found = sum(len(scanners[STEM].scan(a)) + len(scanners[FORM].scan(b)) for a, b in lines)
    scan["hyperscan_us"], scan["hyperscan_hits"] = (time.process_time() - c0) / len(lines) * 1e6, found
    # the floor: Hyperscan alone, the same literal terms, the same texts, a no-op callback per hit
    literals = sorted({p.strip().encode() for s in engine.program.patterns.values() for p in s})
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=literals, ids=list(range(len(literals))), elements=len(literals), flags=0, literal=True)
    texts = ["\n".join(x for x in (e.story.title, e.story.dateline, e.story.body) if x).lower().encode()
             for e in enriched]
    raw_hits = [0]

    def on_hit(*_: object) -> None:
        raw_hits[0] += 1

    c0 = time.process_time()
    for t in texts:
        db.scan(t, match_event_handler=on_hit)
    raw_s = time.process_time() - c0
    print(json.dumps({
        "engine": "compiled core" if matcher.engine.native is not None else "python",
        "rules": len(watchlist.rules), "patterns": sum(len(p) for p in engine.program.patterns.values()),
        "compile_s": compile_s, "match_s": match_s, "match_wall_s": match_wall_s, "first_s": first_s, "stories": len(enriched),
        "stories_per_s": len(enriched) / match_s, "matches": matches,
        "candidates_per_story": candidates / min(2000, len(enriched)), "raw_s": raw_s, "raw_hits": raw_hits[0],
        "rss_compiled_mb": compiled_mb, "rss_mb": rss_mb(), "scan": scan,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--corpus", default=str(DEFAULT))
    ap.add_argument("--child", nargs=3, metavar=("RULES", "CACHE", "STORIES"))
    args = ap.parse_args()
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # one core
    if args.child:
        child(*args.child)
        return
    from wirewatch.connectors.files.read import parse_jsonl
    from wirewatch.transforms.gazetteer import default_gazetteer
    from wirewatch.transforms.geotag import classify
    from wirewatch.records import EnrichedStory, Story

    path = Path(args.corpus)
    stories = [s for s in parse_jsonl(path.read_bytes(), str(path)) if isinstance(s, Story)]
    gazetteer = default_gazetteer()
    enriched = [EnrichedStory(s, *classify(s, gazetteer)) for s in stories]
    vocab = vocabulary(stories)
    print(f"corpus: {path.name}: {len(stories)} stories; vocabulary: {len(vocab[0])} words, {len(vocab[1])} "
          f"word pairs, {len(vocab[2])} names; 1 core (cpu {cpu})")
    with tempfile.TemporaryDirectory() as tmp:
        stories_path = Path(tmp) / "stories.pickle"
        stories_path.write_bytes(pickle.dumps(enriched))
        for size in (int(s) for s in args.sizes.split(",")):
            rules = Path(tmp) / f"rules-{size}.yaml"
            rules.write_text(generate(size, vocab), encoding="utf-8")
            cache = Path(tmp) / f"cache-{size}"
            runs = []
            for label in ("cold", "cached"):
                out = subprocess.run([sys.executable, __file__, "--child", str(rules), str(cache), str(stories_path)],
                                     capture_output=True, text=True)
                if out.returncode != 0:
                    raise SystemExit(f"measurement failed:\n{out.stderr}")
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            cold, warm = runs
            ratio = warm["match_s"] / warm["raw_s"] if warm["raw_s"] else float("nan")
            print(f"{size:>7} rules, {warm['engine']} ({cold['patterns']} patterns, {rules.stat().st_size / 1e6:.1f} MB YAML): "
                  f"compile {cold['compile_s']:.1f} s cold, {warm['compile_s']:.2f} s cached; "
                  f"{warm['stories_per_s']:,.0f} stories/s by CPU time, steady state ({warm['stories'] / warm['match_wall_s']:,.0f} "
                  f"by wall clock; first pass {warm['stories'] / warm['first_s']:,.0f}); "
                  f"{warm['matches']} matches, {warm['candidates_per_story']:.1f} candidate rules/story; "
                  f"raw hyperscan {warm['stories'] / warm['raw_s']:,.0f} stories/s ({warm['raw_hits']} hits), "
                  f"matching/raw = {ratio:.1f}x; memory: +{warm['rss_compiled_mb']:.0f} MB for the compiled "
                  f"rules (cached load), +{cold['rss_compiled_mb']:.0f} MB cold, peak RSS {cold['maxrss_mb']:.0f} MB")
            sc = warm["scan"]
            print(f"{'':>7} per-story scan of the key lines: Hyperscan {sc['hyperscan_us']:.1f} µs "
                  f"({sc['hyperscan_hits']} hits)" + (f", the compiled core's key trie {sc['trie_us']:.1f} µs "
                                                      f"({sc['trie_hits']} hits)" if "trie_us" in sc else ""))


if __name__ == "__main__":
    main()
