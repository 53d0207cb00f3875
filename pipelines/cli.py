"""The ``wirewatch`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

# Only the error type here: the watch list's modules load when a command needs them, so --help stays quick.
from wirewatch.transforms.rulelang.errors import RuleError

if TYPE_CHECKING:
    from wirewatch.transforms.rules import WatchList


def _watchlist(paths: list[str] | None) -> WatchList:
    from wirewatch.pipelines import warmstart  # parsed once, then loaded from the compiled cache

    return warmstart.watchlist(paths)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def report_dead_letters(path: Path) -> int:
    """Each dead letter in ``path`` on stderr as ``wirewatch: origin: stage: reason``; returns how many."""
    dead = _read_jsonl(path)
    for d in dead:
        print(f"wirewatch: {d['origin']}: {d['stage']}: {d['reason']}", file=sys.stderr)
    return len(dead)


def summarize(stories_path: Path, alerts_path: Path, dead_path: Path, show_alerts: bool) -> str:
    stories = _read_jsonl(stories_path)
    alerts = _read_jsonl(alerts_path)
    duplicates = sum(1 for s in stories if (s.get("cluster") or {}).get("duplicate_of"))
    clusters = len({(s.get("cluster") or {}).get("id", s["id"]) for s in stories})
    dead = report_dead_letters(dead_path)
    lines = [
        f"stories: {len(stories)} in {clusters} clusters ({duplicates} duplicates)",
        f"alerts: {len(alerts)}",
    ]
    for rule, count in sorted(Counter(a["rule"] for a in alerts).items()):
        lines.append(f"  {rule}: {count}")
    if show_alerts:
        for a in alerts:
            where = ",".join(a["countries"][:6]) or "-"
            evidence = "; ".join(s["text"] for s in a["spans"][:3])
            lines.append(f"[{a['severity']}] {a['rule']} [{where}] {a['title'][:100]} | {evidence}")
    lines.append(f"dead letters: {dead}" + (f" (see {dead_path})" if dead else ""))
    return "\n".join(lines)


def cmd_replay(args: argparse.Namespace) -> int:
    from wirewatch.connectors.files.read import expand_paths
    from wirewatch.pipelines import bounded
    from wirewatch.pipelines.progress import read_progress

    out = Path(args.out)
    outputs = bounded.Outputs(out / "stories.jsonl", out / "alerts.jsonl", out / "deadletter.jsonl", out / "archive",
                              args.archive_format)
    watchlist = _watchlist(args.rules)
    with read_progress(len(expand_paths(args.paths)), "replay") as tally:
        bounded.run(args.paths, outputs, watchlist, tally=tally, pipeline_args=args.pipeline_args, engine=args.engine)
    print(summarize(outputs.stories, outputs.alerts, outputs.deadletter, show_alerts=not args.quiet))
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from wirewatch.pipelines import bounded
    from wirewatch.pipelines.progress import read_progress

    out = Path(args.output)
    alerts = out.with_name(out.name.removesuffix(".jsonl") + ".alerts.jsonl")
    dead = out.with_name(out.name.removesuffix(".jsonl") + ".deadletter.jsonl")
    watchlist = _watchlist(args.rules)
    with read_progress(1, "enrich") as tally:
        bounded.run([args.input], bounded.Outputs(out, alerts, dead), watchlist, keep_input_order=True, tally=tally,
                    pipeline_args=args.pipeline_args, engine=args.engine)
    print(summarize(out, alerts, dead, show_alerts=False), file=sys.stderr)
    return 0


# What the commands that take files read, sniffed by content (connectors/parsing/sniff.py; Parquet archives:
# connectors/files/read.py).
READ_FORMATS = ("plain wire text (as in seeds/), JSON Lines stories, RSS/Atom/JSON Feed, NewsML-G2, ninjs, NITF, "
                "ANPA-1312, IPTC 7901, Parquet archives")
PATHS_HELP = f"files in any of these formats, sniffed by content: {READ_FORMATS}; or folders of them"


def _kafka_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bootstrap", metavar="HOST:PORT", help="Kafka broker (default: $WIREWATCH_KAFKA)")
    p.add_argument("--topic-prefix", metavar="PREFIX",
                   help="put PREFIX before every topic and group name (default: $WIREWATCH_TOPIC_PREFIX, else none)")


def _topics(args: argparse.Namespace):
    from wirewatch.connectors.kafka.topics import Topics

    return Topics.from_env(args.topic_prefix)


def cmd_ingest(args: argparse.Namespace) -> int:
    from wirewatch.connectors.kafka.topics import Publisher, bootstrap_servers, ensure_topics
    from wirewatch.connectors.files.read import expand_paths
    from wirewatch.pipelines.ingest import ingest_files

    if not args.paths and not args.config and not args.watch:
        print("wirewatch ingest: give PATH..., --watch DIR or --config FILE", file=sys.stderr)
        return 2
    if args.once and args.watch:
        print("wirewatch ingest: --once applies to --config only; a drop folder is watched until stopped",
              file=sys.stderr)
        return 2
    bootstrap = bootstrap_servers(args.bootstrap)
    from wirewatch.connectors.kafka.topics import topic_specs

    topics = _topics(args)
    ensure_topics(bootstrap, topic_specs(topics=topics))
    with Publisher(bootstrap, client_id="wirewatch-ingest", topics=topics) as publisher:
        if args.paths:
            counts = ingest_files(expand_paths(args.paths), publisher)
            print(f"ingested {counts.stories} stories from {counts.files} files into Kafka at {bootstrap}; "
                  f"dead letters: {counts.dead_letters}")
        if args.config and args.once:
            from wirewatch.pipelines import logs
            from wirewatch.pipelines.feedloop import FeedLoop

            logs.setup()
            FeedLoop(args.config, args.state, publisher).cycle()
        elif args.config or args.watch:
            _run_loops(args, publisher)
    return 0


def _run_loops(args: argparse.Namespace, publisher) -> None:
    """Drop-folder watching and feed polling, each in its thread, until SIGTERM or SIGINT."""
    import signal
    import threading

    from wirewatch.pipelines import logs
    from wirewatch.pipelines.ingest import FolderWatcher

    logs.setup()
    loops: list = []
    if args.watch:
        loops.append(FolderWatcher(args.watch, publisher, quiet=args.quiet_period, state_dir=args.drop_state))
    if args.config:
        from wirewatch.pipelines.feedloop import FeedLoop

        loops.append(FeedLoop(args.config, args.state, publisher))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=loop.run, name=type(loop).__name__, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    stop.wait()
    for loop in loops:
        loop.stop()
    for thread in threads:
        thread.join()


def cmd_process(args: argparse.Namespace) -> int:
    if args.engine == "flink":  # the same chain as a Flink job: submitted, then the cluster runs it
        from wirewatch.pipelines.flink.cli import run

        return run(args)
    from wirewatch.connectors.files.dropfolder import DEFAULT_QUIET_S

    args.paths, args.watch, args.config, args.quiet_period, args.drop_state = [], [], None, DEFAULT_QUIET_S, None
    return cmd_run(args)


def cmd_run(args: argparse.Namespace) -> int:
    from wirewatch.connectors.kafka.topics import bootstrap_servers
    from wirewatch.pipelines import logs
    from wirewatch.pipelines import service
    from wirewatch.pipelines.console.cli import read_token
    from wirewatch.pipelines.prismworkers import check_workers

    logs.setup(held=True)
    config = service.ServiceConfig(
        bootstrap=bootstrap_servers(args.bootstrap),
        watchlist=_watchlist(args.rules),
        archive=args.archive,
        archive_format=args.archive_format,
        paths=args.paths,
        watch=args.watch,
        feeds=args.config,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        prism=args.prism,
        drop_quiet=args.quiet_period,
        drop_state=args.drop_state,
        topics=_topics(args),
        pipeline_args=args.pipeline_args,
        workers=check_workers(args.workers),
        console_token=read_token(args.console_token_file),
        subscriptions=getattr(args, "subscriptions", None),
        delivery_state=getattr(args, "delivery_state", None),
        delivery_unhealthy_after=getattr(args, "unhealthy_after", 900.0),
        compact_every=args.compact_every,
    )
    return service.run(config)


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 86400 seconds")
    return value


def _compact_every(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: seconds between compactions, or 0 for none")
    return value


def _drop_args(p: argparse.ArgumentParser) -> None:
    from wirewatch.connectors.files.dropfolder import DEFAULT_QUIET_S

    p.add_argument("--watch", action="append", default=[], metavar="DIR",
                   help="drop folder to watch until stopped (repeatable); see the README for how to drop files")
    p.add_argument("--quiet-period", type=_seconds, default=DEFAULT_QUIET_S, metavar="SECONDS",
                   help=f"a dropped file is taken once unchanged this long (default {DEFAULT_QUIET_S:g})")
    p.add_argument("--drop-state", metavar="DIR",
                   help="where to remember what each drop folder delivered (default: a dot-file in the folder)")


def engine_arg(p: argparse.ArgumentParser) -> None:
    """``--engine`` of the bounded commands (pipelines/bounded.py choose_engine)."""
    p.add_argument("--engine", choices=("auto", "local", "beam"), default="auto",
                   help="local: in this process, without Beam; beam: a Beam pipeline; auto (default): beam when "
                        "a Beam option or an archive file is given, else local. Both write the same bytes")


def runner_arg(p: argparse.ArgumentParser, default: str) -> None:
    """``--runner``; any other Beam pipeline option (``--name=value``) is passed through to the pipeline too."""
    p.add_argument("--runner", metavar="NAME",
                   help=f"Beam runner (default: {default}); other Beam options (--name=value) pass through")


def _service_args(p: argparse.ArgumentParser) -> None:
    from wirewatch.connectors.archive.compactor import DEFAULT_EVERY_S as DEFAULT_COMPACT_EVERY_S

    _kafka_args(p)
    p.add_argument("--rules", metavar="FILE", action="append",
                   help="watch list YAML, repeatable (e.g. one per language; default: the built-in list)")
    p.add_argument("--archive", default="archive", metavar="DIR", help="where enriched stories are archived")
    p.add_argument("--archive-format", choices=("parquet", "json"), default="parquet",
                   help="Parquet (queryable by the console and `archive query`, the default) or JSON, one file per "
                        "story named by its Kafka position (the Flink engine writes JSON)")
    p.add_argument("--compact-every", type=_compact_every, default=DEFAULT_COMPACT_EVERY_S, metavar="SECONDS",
                   help="merge each day's small archive files into one at the start and then this often "
                        f"(Parquet archive; default {DEFAULT_COMPACT_EVERY_S:g}; 0: never)")
    p.add_argument("--metrics-port", type=int, default=9108, help="port for /metrics and /health (0: any free port)")
    p.add_argument("--metrics-host", default="127.0.0.1", help="address for /metrics and /health (0.0.0.0 in containers)")
    p.add_argument("--console-token-file", metavar="FILE",
                   help="token for the web console on the metrics port, needed off 127.0.0.1 (default: $WIREWATCH_CONSOLE_TOKEN)")
    p.add_argument("--prism", metavar="PATH", help="Beam Prism runner binary (default: built by scripts/bootstrap)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="Python workers of the Prism job, 1-3: this process's, and worker processes for the "
                        "per-story steps (normalize, fingerprint, countries, rules), each its own core")
    runner_arg(p, "PrismRunner on a Prism the service starts; with --job_endpoint=HOST:PORT, that job service")


def _version() -> str:
    """The installed distribution's version (pyproject.toml), as pip recorded it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wirewatch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wirewatch", description="News monitoring: dedupe, geotag, watch-list alerts.")
    p.add_argument("--version", action="version", version=f"wirewatch {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("replay", help="bounded run over saved files and folders (in-process, or Beam)")
    r.add_argument("paths", nargs="+", metavar="PATH",
                   help=PATHS_HELP)
    r.add_argument("--out", required=True, metavar="DIR", help="writes stories.jsonl, alerts.jsonl, archive/ here")
    r.add_argument("--rules", metavar="FILE", action="append",
                   help="watch list YAML, repeatable (e.g. one per language; default: the built-in list)")
    r.add_argument("-q", "--quiet", action="store_true", help="print counts only, not each alert")
    r.add_argument("--archive-format", choices=("parquet", "jsonl"), default="parquet",
                   help="the archive under DIR/archive: Parquet (queryable, the default) or JSON Lines (text)")
    runner_arg(r, "FnApiRunner")
    engine_arg(r)
    r.set_defaults(func=cmd_replay)

    e = sub.add_parser("enrich", help="enrich JSONL stories: one output line per input line, same id")
    e.add_argument("input", metavar="IN.jsonl", help="JSON Lines stories, one a line")
    e.add_argument("-o", "--output", required=True, metavar="OUT.jsonl",
                   help="the enriched stories; alerts and dead letters beside it (OUT.alerts.jsonl, "
                        "OUT.deadletter.jsonl)")
    e.add_argument("--rules", metavar="FILE", action="append",
                   help="watch list YAML, repeatable (e.g. one per language; default: the built-in list)")
    runner_arg(e, "FnApiRunner")
    engine_arg(e)
    e.set_defaults(func=cmd_enrich)

    i = sub.add_parser("ingest", help="publish stories from files, folders or polled feeds to Kafka")
    i.add_argument("paths", nargs="*", metavar="PATH", help=f"publish these once: {PATHS_HELP}")
    i.add_argument("--config", metavar="FILE", help="feed list YAML: poll these feeds until stopped")
    i.add_argument("--state", metavar="FILE", help="poll state file (default: next to --config)")
    i.add_argument("--once", action="store_true", help="with --config: one poll cycle, then exit")
    _drop_args(i)
    _kafka_args(i)
    i.set_defaults(func=cmd_ingest)

    pr = sub.add_parser("process", help="the streaming pipeline: Kafka stories -> alerts, archive, dead letters")
    _service_args(pr)
    from wirewatch.pipelines.flink.cli import add_engine_args

    add_engine_args(pr)  # --engine flink --flink-master HOST:PORT
    pr.set_defaults(func=cmd_process)

    r = sub.add_parser("run", help="ingest and process in one always-on service")
    r.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ingest at start")
    r.add_argument("--config", metavar="FILE", help="feed list YAML to poll")
    _drop_args(r)
    _service_args(r)
    from wirewatch.pipelines.subscriberscli import add_service_args

    add_service_args(r)  # --subscriptions: the delivery step runs in the service too
    r.set_defaults(func=cmd_run)
    from wirewatch.pipelines import rulescli  # backtest, explain

    rulescli.add_commands(sub)
    from wirewatch.pipelines import subscriberscli  # subscribers check/test, deliver

    subscriberscli.add_commands(sub)
    from wirewatch.pipelines import archivecli  # archive query/import/compact, console

    archivecli.add_commands(sub)
    from wirewatch.pipelines import clusterscli  # clusters: members, versions, what changed

    clusterscli.add_commands(sub)
    return p


PIPELINE_COMMANDS = {"replay", "enrich", "backtest", "explain", "process", "run"}


def beam_option_names() -> set[str]:
    """Every option Beam's pipeline options know (``--runner``, ``--direct_num_workers``, ...)."""
    from apache_beam.options.pipeline_options import PipelineOptions

    beam_parser = argparse.ArgumentParser(add_help=False)
    seen, todo = set(), [PipelineOptions]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
                try:
                    sub._add_argparse_args(beam_parser)
                except argparse.ArgumentError:  # an option two views both declare
                    pass
    return {s for action in beam_parser._actions for s in action.option_strings}


def _beam_args(extra: list[str]) -> list[str] | None:
    """``extra`` if every option in it is one of Beam's (passed through to the pipeline), else None."""
    names = beam_option_names()
    flags = [a.split("=", 1)[0] for a in extra if a.startswith("--")]
    return extra if flags and all(f in names for f in flags) and extra[0].startswith("--") else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Like ``parse_args``, with two twists. Commands that run a pipeline pass Beam's own options through
    to it (``--runner=...``, ``--direct_num_workers=2``, as Beam's examples do). Any other unknown option
    is reported with the subcommand's usage: argparse hands a subcommand's leftovers back to the top-level
    parser, whose usage says nothing about the subcommand's options."""
    top = parser()
    args, extra = top.parse_known_args(argv)
    args.pipeline_args = [f"--runner={args.runner}"] if getattr(args, "runner", None) else []
    if extra:
        passed = _beam_args(extra) if args.command in PIPELINE_COMMANDS else None
        if passed is None:
            sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
            sub.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")  # exits 2
        args.pipeline_args += passed
    return args


def main(argv: list[str] | None = None) -> int:
    # Beam's import warns about optional Google Cloud clients we never use; keep stderr for real problems.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    try:
        return args.func(args)
    except RuleError as exc:
        print(f"wirewatch: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if hasattr(exc, "retriable"):  # our errors carry a message a person can act on
            print(f"wirewatch: {exc}", file=sys.stderr)
            return 3 if exc.retriable else 2
        raise


if __name__ == "__main__":
    sys.exit(main())
