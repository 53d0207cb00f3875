"""``wirewatch backtest`` and ``wirewatch explain``: try a watch list on saved stories before it goes live."""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import orjson

from wirewatch.connectors.files.readtally import ReadTally
from wirewatch.records import DeadLetter


def add_commands(sub: argparse._SubParsersAction) -> None:
    from wirewatch.pipelines.cli import PATHS_HELP, runner_arg

    b = sub.add_parser("backtest", help="run a watch list over saved files: hits per rule, samples, diff")
    b.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    b.add_argument("--rules", required=True, metavar="FILE", action="append",
                   help="the watch list to test (repeatable: several files are one list)")
    b.add_argument("--against", metavar="OLD", action="append", help="an older watch list to compare with (repeatable)")
    b.add_argument("--samples", type=int, default=3, help="sample matches shown per rule (default 3)")
    b.add_argument("--json", metavar="OUT", help="also write the full report as JSON here")
    b.add_argument("--deadletter", metavar="FILE",
                   help="also keep the dead letters (inputs that could not be read or scored) here as JSONL")
    runner_arg(b, "FnApiRunner")
    b.set_defaults(func=cmd_backtest)

    e = sub.add_parser("explain", help="why each rule did or did not fire for one story")
    e.add_argument("--rules", metavar="FILE", action="append",
                   help="watch list YAML, repeatable (default: the built-in list)")
    e.add_argument("--story", required=True, metavar="ID|FILE", help="a story file, or a story id found in PATHs")
    e.add_argument("paths", nargs="*", metavar="PATH", help="where to look the story id up")
    e.add_argument("--all", action="store_true", help="show the clause tree of every evaluated rule")
    runner_arg(e, "FnApiRunner")
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
            run_backtest(files, new, old, out, dead_path, tally, args.pipeline_args)
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


def run_backtest(files: list[str], new, old, out: Path, dead_out: Path, tally: ReadTally | None = None,
                 pipeline_args: Sequence[str] = ()) -> None:
    """The bounded Beam run: read, enrich (each story its own cluster) with the new list, match the old one
    too, one record per story; every input that could not be read or scored goes to ``dead_out``. ``tally``
    counts what was read."""
    import apache_beam as beam

    from wirewatch.connectors.files.beamio import ReadStories, WriteJsonLines
    from wirewatch.pipelines import bounded
    from wirewatch.transforms.ptransforms import NO_DEDUPE, EnrichStories, MatchRules
    from wirewatch.transforms.rulelang.backtest import story_record

    with beam.Pipeline(options=bounded.options(pipeline_args)) as p:
        stories, dead_read = p | "ReadStories" >> ReadStories(files, tally)
        matched, dead_enrich = stories | "EnrichStories" >> EnrichStories(new, NO_DEDUPE)
        dead = [dead_read, dead_enrich]
        if old is not None:
            cleared = matched | "ClearNewMatches" >> beam.Map(lambda e: dataclasses.replace(e, matches=()))
            old_matched, dead_old = cleared | "MatchOldRules" >> MatchRules(old)
            dead.append(dead_old)
            records = (
                {"new": matched | "NewById" >> beam.Map(lambda e: (e.id, e)),
                 "old": old_matched | "OldById" >> beam.Map(lambda e: (e.id, e.matches))}
                | "JoinById" >> beam.CoGroupByKey()
                | "Record" >> beam.FlatMap(_joined_record)
            )
        else:
            records = matched | "Record" >> beam.Map(lambda e: story_record(e, None))
        _ = records | "WriteRecords" >> WriteJsonLines(str(out), lambda r: str(r["id"]))
        _ = (
            tuple(dead)
            | "FlattenDeadLetters" >> beam.Flatten()
            | "WriteDeadLetters" >> WriteJsonLines(str(dead_out), bounded.dead_key)
        )


def _joined_record(kv: tuple) -> list[dict]:
    """A story scored by both lists; one the old list failed on (a dead letter already) is not compared."""
    from wirewatch.transforms.rulelang.backtest import story_record

    new, old = kv[1]["new"], kv[1]["old"]
    return [story_record(new[0], tuple(old[0]))] if new and old else []


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
    from wirewatch.transforms.match import Matcher
    from wirewatch.transforms.rulelang.explain import explain, render
    from wirewatch.transforms.rulelang.view import StoryView

    watchlist = _watchlist(args.rules)
    stories = _find_stories(args.story, args.paths)
    enriched, dead = _enrich(stories, watchlist, getattr(args, "pipeline_args", ()))
    for letter in dead:
        print(f"wirewatch: {letter.message()}", file=sys.stderr)
    matcher = Matcher(watchlist)
    for e in enriched:
        story = e.story
        print(f"story {story.id}: {story.title or story.body[:80]!r}")
        print(f"  countries: {', '.join(c.code for c in e.countries) or '-'}; regions: {', '.join(e.regions) or '-'}; "
              f"source: {story.source or '-'}; credit: {story.credit or '-'}; lang: {story.language or '-'}")
        explanations = explain(matcher.engine, StoryView(dataclasses.replace(e, matches=())))
        shown = None if args.all else {x.rule for x in explanations if x.fired or x.score is not None}
        print(render(explanations, shown))
    for problem in watchlist.problems:
        print(f"wirewatch: skipped: {problem}", file=sys.stderr)
    return 0 if enriched else 1


def _keep(items: list, path: str) -> None:
    Path(path).write_bytes(pickle.dumps(items))


def _enrich(stories: list, watchlist, pipeline_args: Sequence[str]) -> tuple[list, list]:
    """The stories through the same EnrichStories chain as every other mode (each its own cluster)."""
    import apache_beam as beam

    from wirewatch.pipelines import bounded
    from wirewatch.transforms.ptransforms import NO_DEDUPE, EnrichStories

    with tempfile.TemporaryDirectory(prefix="wirewatch-explain-") as tmp:
        from wirewatch.connectors.files.beamio import WriteJsonLines

        out, dead_out = Path(tmp) / "enriched.pickle", Path(tmp) / "dead.jsonl"
        with beam.Pipeline(options=bounded.options(pipeline_args)) as p:
            enriched, dead = (p | "Stories" >> beam.Create(stories)
                              | "EnrichStories" >> EnrichStories(watchlist, NO_DEDUPE))
            _ = enriched | "Collect" >> beam.combiners.ToList() | "Keep" >> beam.Map(_keep, str(out))
            _ = dead | "WriteDeadLetters" >> WriteJsonLines(str(dead_out), bounded.dead_key)
        found = pickle.loads(out.read_bytes()) if out.exists() else []
        letters = [DeadLetter(**d) for d in map(orjson.loads, dead_out.read_bytes().splitlines())] \
            if dead_out.exists() else []
    order = {s.id: i for i, s in enumerate(stories)}
    return sorted(found, key=lambda e: order.get(e.id, 0)), letters
