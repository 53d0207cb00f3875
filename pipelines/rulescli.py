"""``wirewatch backtest`` and ``wirewatch explain``: try a watch list on saved stories before it goes live."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import orjson

from wirewatch.connectors.files.readtally import ReadTally


def add_commands(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("backtest", help="run a watch list over saved files: hits per rule, samples, diff")
    b.add_argument("paths", nargs="+", metavar="PATH", help="wire-text files, JSONL files, or folders of them")
    b.add_argument("--rules", required=True, metavar="FILE", action="append",
                   help="the watch list to test (repeatable: several files are one list)")
    b.add_argument("--against", metavar="OLD", action="append", help="an older watch list to compare with (repeatable)")
    b.add_argument("--samples", type=int, default=3, help="sample matches shown per rule (default 3)")
    b.add_argument("--json", metavar="OUT", help="also write the full report as JSON here")
    b.add_argument("--deadletter", metavar="FILE",
                   help="also keep the dead letters (inputs that could not be read or scored) here as JSONL")
    b.set_defaults(func=cmd_backtest)

    e = sub.add_parser("explain", help="why each rule did or did not fire for one story")
    e.add_argument("--rules", metavar="FILE", action="append",
                   help="watch list YAML, repeatable (default: the built-in list)")
    e.add_argument("--story", required=True, metavar="ID|FILE", help="a story file, or a story id found in PATHs")
    e.add_argument("paths", nargs="*", metavar="PATH", help="where to look the story id up")
    e.add_argument("--all", action="store_true", help="show the clause tree of every evaluated rule")
    e.set_defaults(func=cmd_explain)


def _watchlist(paths: list[str] | None):
    from wirewatch.transforms.rules import default_watchlist, load_watchlist_files

    return load_watchlist_files(paths) if paths else default_watchlist()


def cmd_backtest(args: argparse.Namespace) -> int:
    from wirewatch.connectors.files.read import expand_paths
    from wirewatch.pipelines.cli import report_dead_letters
    from wirewatch.pipelines.progress import read_progress
    from wirewatch.transforms.rulelang import backtest

    new = _watchlist(args.rules)
    old = _watchlist(args.against) if args.against else None
    files = expand_paths(args.paths)
    with tempfile.TemporaryDirectory(prefix="wirewatch-backtest-") as tmp:
        out, dead_path = Path(tmp) / "matches.jsonl", Path(tmp) / "deadletter.jsonl"
        with read_progress(len(files), "backtest") as tally:
            run_backtest(files, new, old, out, dead_path, tally)
        records = [orjson.loads(line) for line in out.read_bytes().splitlines() if line.strip()]
        dead = [orjson.loads(line) for line in dead_path.read_bytes().splitlines() if line.strip()]
        report_dead_letters(dead_path)  # each on stderr, as replay lists them
        if args.deadletter:
            Path(args.deadletter).write_bytes(dead_path.read_bytes())
    summary = backtest.report(records, args.samples)
    print(f"rules: {new.source} ({len(new.rules)} rules)" + (
        f" against {old.source} ({len(old.rules)} rules)" if old else "") + f"; files: {len(files)}")
    print(backtest.render(summary, args.samples))
    print(f"dead letters: {len(dead)}" + (f" (see {args.deadletter})" if dead and args.deadletter else ""))
    if args.json:
        summary["dead_letters"] = [{k: d.get(k) for k in ("origin", "stage", "reason")} for d in dead]
        Path(args.json).write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    return 0


def run_backtest(files: list[str], new, old, out: Path, dead_out: Path, tally: ReadTally | None = None) -> None:
    """The bounded Beam run: read, normalize, geotag, match with both lists, one record per story; every
    input that could not be read or scored goes to ``dead_out``. ``tally`` counts what was read."""
    import apache_beam as beam

    from wirewatch.connectors.files.beamio import ReadStories, WriteJsonLines
    from wirewatch.pipelines import bounded
    from wirewatch.transforms.ptransforms import ClassifyRegions, MatchRules, NormalizeStories
    from wirewatch.records import Cluster
    from wirewatch.transforms.rulelang.backtest import story_record

    with beam.Pipeline(options=bounded.options()) as p:
        stories, dead_read = p | "ReadStories" >> ReadStories(files, tally)
        normalized, dead_normalize = stories | "NormalizeStories" >> NormalizeStories()
        pairs = normalized | "OwnCluster" >> beam.Map(lambda s: (s, Cluster(s.id)))
        classified, dead_classify = pairs | "ClassifyRegions" >> ClassifyRegions()
        dead = [dead_read, dead_normalize, dead_classify]
        if old is not None:
            old_matched, dead_old = classified | "MatchOldRules" >> MatchRules(old)
            dead.append(dead_old)
            olds = old_matched | "OldById" >> beam.Map(lambda e: (e.id, e.matches))
            keyed = old_matched | "ClearOldMatches" >> beam.Map(lambda e: dataclasses.replace(e, matches=()))
        else:
            keyed, olds = classified, None
        matched, dead_new = keyed | "MatchNewRules" >> MatchRules(new)
        dead.append(dead_new)
        if olds is not None:
            records = (
                {"new": matched | "NewById" >> beam.Map(lambda e: (e.id, e)), "old": olds}
                | "JoinById" >> beam.CoGroupByKey()
                | "Record" >> beam.Map(lambda kv: story_record(kv[1]["new"][0], tuple(kv[1]["old"][0])))
            )
        else:
            records = matched | "Record" >> beam.Map(lambda e: story_record(e, None))
        _ = records | "WriteRecords" >> WriteJsonLines(str(out), lambda r: str(r["id"]))
        _ = (
            tuple(dead)
            | "FlattenDeadLetters" >> beam.Flatten()
            | "WriteDeadLetters" >> WriteJsonLines(str(dead_out), _dead_order)
        )


def _dead_order(dead) -> tuple:
    """File, then line number as a number (``a.jsonl:10`` after ``a.jsonl:9``), then stage and reason."""
    path, _, line = dead.origin.rpartition(":")
    where = (path, int(line)) if line.isdigit() else (dead.origin, 0)
    return (where, dead.stage, dead.reason)


def _find_stories(story: str, paths: list[str]):
    from wirewatch.connectors.files.read import expand_paths, read_path
    from wirewatch.records import Story

    target = Path(story)
    if target.is_file():
        found = [s for s in read_path(str(target)) if isinstance(s, Story)]
        if not found:
            raise SystemExit(f"wirewatch: {story}: no story could be read from this file")
        return found
    if not paths:
        raise SystemExit(f"wirewatch: {story!r} is not a file; give the PATHs to look the id up in")
    for path in expand_paths(paths):
        for s in read_path(path):
            if isinstance(s, Story) and s.id == story:
                return [s]
    raise SystemExit(f"wirewatch: no story with id {story!r} in {', '.join(paths)}")


def cmd_explain(args: argparse.Namespace) -> int:
    from wirewatch.transforms.gazetteer import default_gazetteer
    from wirewatch.transforms.geotag import classify
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.normalize import normalize
    from wirewatch.records import EnrichedStory
    from wirewatch.transforms.rulelang.explain import explain, render
    from wirewatch.transforms.rulelang.view import StoryView

    watchlist = _watchlist(args.rules)
    matcher = Matcher(watchlist)
    gazetteer = default_gazetteer()
    for raw in _find_stories(args.story, args.paths):
        story = normalize(raw)
        countries, regions = classify(story, gazetteer)
        enriched = EnrichedStory(story, countries, regions)
        print(f"story {story.id}: {story.title or story.body[:80]!r}")
        print(f"  countries: {', '.join(c.code for c in countries) or '-'}; regions: {', '.join(regions) or '-'}; "
              f"source: {story.source or '-'}; credit: {story.credit or '-'}; lang: {story.language or '-'}")
        explanations = explain(matcher.engine, StoryView(enriched))
        shown = None if args.all else {e.rule for e in explanations if e.fired or e.score is not None}
        print(render(explanations, shown))
    for problem in watchlist.problems:
        print(f"wirewatch: skipped: {problem}", file=sys.stderr)
    return 0
