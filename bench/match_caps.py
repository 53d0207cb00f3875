"""How many matches and evidence spans stories carry, to choose ``transforms.match.Caps``: the generated
100,000-rule list of bench/rules_speed.py and the default watch list over the Reuters-21578 training
stories, with the caps out of reach. Prints percentiles and how many stories each cap would cut; asserts
nothing.

    .venv/bin/python bench/match_caps.py [--rules 100000] [--corpus PATH.jsonl]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=100_000)
    ap.add_argument("--corpus", default=None)
    args = ap.parse_args()
    from bench.rules_speed import DEFAULT, generate, vocabulary
    from wirewatch.connectors.files.read import parse_jsonl
    from wirewatch.transforms.gazetteer import default_gazetteer
    from wirewatch.transforms.geotag import classify
    from wirewatch.transforms.match import CAPS, Caps, Matcher
    from wirewatch.records import EnrichedStory, Story
    from wirewatch.transforms.rules import default_watchlist, load_watchlist_file

    path = Path(args.corpus) if args.corpus else DEFAULT
    stories = [s for s in parse_jsonl(path.read_bytes(), str(path)) if isinstance(s, Story)]
    gazetteer = default_gazetteer()
    enriched = [EnrichedStory(s, *classify(s, gazetteer)) for s in stories]
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "rules.yaml"
        generated.write_text(generate(args.rules, vocabulary(stories)), encoding="utf-8")
        lists = {f"{args.rules:,} generated rules": load_watchlist_file(generated, cache=None),
                 "the default watch list": default_watchlist()}
        out_of_reach = Caps(10**9, 10**9, 10**9)
        print(f"{len(enriched):,} stories of {path.name}; caps now: {CAPS}")
        for name, watchlist in lists.items():
            matcher = Matcher(watchlist, cache=None, caps=out_of_reach)
            per_story, spans_per_story, spans_per_match = [], [], []
            for e in enriched:
                matches = matcher.match(e)
                per_story.append(len(matches))
                spans_per_story.append(sum(len(m.spans) for m in matches))
                spans_per_match.extend(len(m.spans) for m in matches)
            for label, values in (("matches a story", per_story), ("spans a story", spans_per_story),
                                  ("spans a match", spans_per_match)):
                print(f"  {name}: {label}: median {percentile(values, 0.5)}, 99th percentile "
                      f"{percentile(values, 0.99)}, 99.9th {percentile(values, 0.999)}, max {max(values, default=0)}")
            print(f"  {name}: {sum(per_story):,} matches; over the caps: {sum(n > CAPS.matches for n in per_story)} "
                  "stories by matches, "
                  f"{sum(n > CAPS.spans for n in spans_per_story)} by spans, "
                  f"{sum(n > CAPS.spans_per_match for n in spans_per_match)} matches by spans")


if __name__ == "__main__":
    main()
