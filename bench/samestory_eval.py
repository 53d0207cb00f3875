"""Same story or not: pairwise precision and recall of the batch dedupe on synthetic syndication built from the
Reuters-21578 training stories, this checkout against another (the tree before a change) in one run.

    .venv/bin/python bench/samestory_eval.py [--against OLD-CHECKOUT] [--seed 1987] [--sources 800] [PATH.jsonl]

Each source story (at least three paragraphs, none repeating another source) gets one to three copies as
outlets make them: page furniture added, the lede cut to its first sentence, the last paragraph or two
dropped, the headline rewritten, words lightly edited, and combinations (a lede cut plus a dropped tail is the
common trimmed copy). The other sources are the same-topic non-duplicates (the corpus is mostly earnings,
acquisitions, grain and oil). Stories with several figures also get a templated twin: the same text with
every figure changed (next week's report), a different story, and sometimes a trimmed copy of that twin.
Everything is drawn from one seeded generator, so a seed gives the same stories in every checkout.

Truth: two stories are the same story when they come from the same source (or the same twin). Predicted:
the same cluster after normalize and the batch dedupe (``cluster_in_order``). Counts are over all pairs.
Each checkout also clusters the whole training file as it is and says how many stories joined another's
cluster (the corpus repeats some stories, often a shorter take of a longer one: no truth, a count to read).
Prints numbers; asserts nothing. The last line is the JSON of the last checkout measured.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "corpora" / "geo" / "reuters21578-train.jsonl"

HEADERS = ["LONDON (Reuters) -", "By Staff Writer", "Advertisement", "Share this article", "Listen to this story"]
FOOTERS = [
    "Subscribe to our newsletter for the latest news.", "Reporting by Jane Doe; Editing by John Smith",
    "Read more: Markets in brief", "(c) Copyright Thomson Reuters 1987. Click For Restrictions",
    "Related coverage", "Our Standards: The Thomson Reuters Trust Principles.",
]
EDITS = [(" said ", " says "), (" the company ", " the firm "), (" per cent", " pct"), (" pct", " percent"),
         (" million", " mln"), (" mln ", " million ")]
KINDS = ["furniture", "lede", "tail", "headline", "lede+tail", "edit", "tail2", "lede+tail+furniture"]
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"\w+")


def paragraphs(body: str) -> list[str]:
    """A Reuters body's paragraphs (indented lines start one), each joined onto one line."""
    paras = re.split(r"\n\s{2,}", body.strip())
    return [" ".join(p.split()) for p in paras if p.strip()]


def first_sentence(text: str) -> str:
    match = re.search(r"^.+?[.!?](?=\s+[A-Z\"(])", text)
    return match.group(0) if match else text


def _shingles(text: str) -> set[int]:
    words = _WORD.findall(text.casefold())
    return {hash(tuple(words[i : i + 5])) for i in range(max(1, len(words) - 4))}


def choose_sources(rows: list[dict], rng: random.Random, count: int) -> list[dict]:
    """``count`` stories with three or more paragraphs, none sharing a fifth of its word 5-shingles with one
    chosen before (the corpus repeats some stories, and those must not count as different ones)."""
    pool = [r for r in rows if len(paragraphs(r["body"])) >= 3 and len(r["body"].split()) >= 60]
    rng.shuffle(pool)
    seen: dict[int, int] = {}
    chosen: list[dict] = []
    for row in pool:
        shingles = _shingles(row["body"])
        shared = Counter(seen[s] for s in shingles if s in seen)
        if shared and shared.most_common(1)[0][1] >= 0.2 * len(shingles):
            continue
        for s in shingles:
            seen.setdefault(s, len(chosen))
        chosen.append(row)
        if len(chosen) == count:
            break
    return chosen


def copy_of(paras: list[str], title: str, kind: str, rng: random.Random) -> tuple[list[str], str]:
    """An outlet's copy of a story: paragraphs and headline."""
    paras = list(paras)
    if "lede" in kind:
        paras[0] = first_sentence(paras[0])
    if "tail2" in kind and len(paras) > 3:
        paras = paras[:-2]
    elif "tail" in kind:
        paras = paras[:-1]
    if "edit" in kind:
        for old, new in rng.sample(EDITS, 2):
            paras = [p.replace(old, new, 1) for p in paras]
    if "furniture" in kind:
        paras = rng.sample(HEADERS, 1) + paras + rng.sample(FOOTERS, 2)
    if "headline" in kind or rng.random() < 0.5:
        title = rng.choice(["UPDATE 1-", "WRAPUP-", "", "Analysis: "]) + title.title() + rng.choice(["", " - report"])
    return paras, title


def templated(paras: list[str], rng: random.Random) -> list[str]:
    """The same text with every figure changed: next week's report from one template."""
    def other(match: re.Match[str]) -> str:
        digits = match.group(0)
        while True:
            new = "".join(rng.choice("0123456789") for _ in digits)
            if new != digits and (len(new) == 1 or new[0] != "0"):
                return new
    return [_NUMBER.sub(other, p) for p in paras]


def build(path: Path, seed: int, count: int) -> list[dict]:
    """The evaluation stories: dicts with id, title, body, published, truth (the story they tell) and kind."""
    rng = random.Random(seed)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = datetime(1987, 3, 1, tzinfo=timezone.utc)
    items: list[dict] = []

    def add(ident: str, paras: list[str], title: str, when: datetime, truth: str, kind: str) -> None:
        items.append({"id": ident, "title": title, "body": "\n".join(paras), "published": when.isoformat(),
                      "truth": truth, "kind": kind})

    for n, row in enumerate(choose_sources(rows, rng, count)):
        paras, title, when = paragraphs(row["body"]), row["title"], start + timedelta(minutes=7 * n)
        source = f"r{row['id']}"
        add(source, paras, title, when, source, "source")
        for k in range(rng.choice([1, 1, 2, 3])):
            kind = rng.choice(KINDS)
            cparas, ctitle = copy_of(paras, title, kind, rng)
            delay = timedelta(minutes=rng.randint(1, 600)) * (-1 if rng.random() < 0.1 else 1)
            add(f"{source}-c{k}", cparas, ctitle, when + delay, source, kind)
        if len(set(_NUMBER.findall(row["body"]))) >= 4 and rng.random() < 0.5:
            twin, tparas = f"{source}-t", templated(paras, rng)
            add(twin, tparas, title, when + timedelta(days=7), twin, "templated")
            if rng.random() < 0.3:
                cparas, ctitle = copy_of(tparas, title, "lede+tail", rng)
                add(f"{twin}-c0", cparas, ctitle, when + timedelta(days=7, minutes=30), twin, "lede+tail")
    return items


def measure(path: str, seed: int, count: int) -> dict:
    """Cluster the evaluation stories with the checkout first on sys.path; pairwise counts and the misses."""
    from wirewatch.records import Story
    from wirewatch.transforms.dedupe import cluster_in_order, fingerprint
    from wirewatch.transforms.normalize import normalize

    items = build(Path(path), seed, count)
    stories = [normalize(Story(id=i["id"], body=i["body"], title=i["title"],
                               published=datetime.fromisoformat(i["published"]))) for i in items]
    clusters = cluster_in_order([(s, fingerprint(s)) for s in stories])
    predicted = {s.id: clusters[s.id].id for s in stories}
    tp = fp = fn = 0
    missed: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    kinds = {i["id"]: i["kind"] for i in items}
    by_truth: dict[str, list[str]] = defaultdict(list)
    for i in items:
        by_truth[i["truth"]].append(i["id"])
    truth = {i["id"]: i["truth"] for i in items}
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for ident, cluster in predicted.items():
        by_cluster[cluster].append(ident)
    for members in by_truth.values():
        for a, b in combinations(members, 2):
            if predicted[a] == predicted[b]:
                tp += 1
            else:
                fn += 1
                missed["+".join(sorted((kinds[a], kinds[b])))] += 1
    for members in by_cluster.values():
        for a, b in combinations(members, 2):
            if truth[a] != truth[b]:
                fp += 1
                wrong["+".join(sorted((kinds[a], kinds[b])))] += 1
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = [normalize(Story(id=str(r["id"]), body=r["body"], title=r["title"])) for r in rows]
    joined = sum(1 for c in cluster_in_order([(s, fingerprint(s)) for s in corpus]).values() if c.duplicate_of)
    return {
        "corpus": len(corpus), "corpus_joined": joined,
        "stories": len(items), "sources": sum(1 for i in items if i["kind"] == "source"),
        "templated": sum(1 for i in items if i["kind"] == "templated"),
        "true_pairs": tp + fn, "tp": tp, "fp": fp, "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
        "missed": dict(missed.most_common()), "wrong": dict(wrong.most_common()),
    }


def _report(name: str, result: dict) -> None:
    print(f"{name}: precision {result['precision']:.4f}, recall {result['recall']:.4f} "
          f"(pairs: {result['tp']} found, {result['fp']} wrong, {result['fn']} missed of {result['true_pairs']})")
    if result["missed"]:
        print("  missed pairs by kind: " + ", ".join(f"{k} {v}" for k, v in result["missed"].items()))
    if result["wrong"]:
        print("  wrong pairs by kind: " + ", ".join(f"{k} {v}" for k, v in result["wrong"].items()))
    print(f"  the training file as it is: {result['corpus_joined']} of {result['corpus']} stories joined another's cluster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--against", type=Path, help="another checkout (the tree before a change)")
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--sources", type=int, default=800)
    args = parser.parse_args()
    if not args.path.exists():
        raise SystemExit(f"{args.path}: not found (the shared corpora)")
    sys.path.insert(0, str(ROOT))
    from bench.checkouts import run_in

    script = Path(__file__).resolve()
    result: dict = {}
    first = True
    for name, checkout in (("before", args.against), ("this checkout", ROOT)):
        if checkout is None:
            continue
        result = run_in(checkout, script, "_print_measure", str(args.path), args.seed, args.sources)
        if first:
            print(f"{result['stories']} stories from {result['sources']} Reuters-21578 training stories "
                  f"({result['templated']} templated twins), seed {args.seed}; {result['true_pairs']} same-story pairs")
            first = False
        _report(f"{name} ({checkout.resolve()})", result)
    print(json.dumps(result))


def _print_measure(path: str, seed: int, count: int) -> None:
    print(json.dumps(measure(path, seed, count)))


if __name__ == "__main__":
    main()
