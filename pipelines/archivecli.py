"""``wirewatch archive query|import|compact`` and ``wirewatch console``: the Parquet archive from the command
line, and the analysts' web console over it."""

from __future__ import annotations

import argparse
import csv
import re
import sys
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import orjson

IMPORT_BATCH = 5_000  # stories per write: one file per day folder each, merged by the compaction at the end
TABLE_WIDTHS = (("published", 20), ("id", 18), ("title", 60), ("countries", 12), ("rules", 24), ("outlet", 16))


def add_commands(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("archive", help="the Parquet story archive: query, import, compact")
    verbs = a.add_subparsers(dest="verb", required=True)

    q = verbs.add_parser("query", help="find archived stories (DuckDB over the Parquet files)")
    q.add_argument("archive", metavar="ARCHIVE", help="the archive folder")
    filter_args(q)
    q.add_argument("--format", choices=("table", "jsonl", "csv"), default="table",
                   help="table (default), jsonl (whole enriched stories, which replay and backtest read) or csv")
    q.add_argument("--limit", type=_count, default=50, help="stories to print, newest first (default 50; 0: all)")
    q.add_argument("--offset", type=_count, default=0, help="skip this many first (paging)")
    q.set_defaults(func=cmd_query)

    i = verbs.add_parser("import", help="add enriched stories from JSON to the Parquet archive")
    i.add_argument("sources", nargs="+", metavar="SRC",
                   help="the service's JSON archive, a replay's stories.jsonl or JSONL archive (files or folders)")
    i.add_argument("--to", required=True, metavar="ARCHIVE", help="the Parquet archive folder")
    i.set_defaults(func=cmd_import)

    c = verbs.add_parser("compact", help="merge each day's small archive files into one")
    c.add_argument("archive", metavar="ARCHIVE", help="the Parquet archive folder")
    c.set_defaults(func=cmd_compact)

    from wirewatch.pipelines.console.cli import console_args

    console_args(sub)


def filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=moment, metavar="TIME",
                   help="published at or after: ISO 8601 (2026-03-01, 2026-03-01T09:00Z) or an age (90m, 6h, 7d)")
    p.add_argument("--until", type=moment, metavar="TIME", help="published before (same forms as --since)")
    p.add_argument("--country", action="append", default=[], metavar="CC", help="ISO country code (repeatable: any)")
    p.add_argument("--region", action="append", default=[], metavar="NAME", help="UN M49 sub-region (repeatable: any)")
    p.add_argument("--rule", action="append", default=[], metavar="ID", help="matched rule id (repeatable: any)")
    p.add_argument("--source", action="append", default=[], metavar="NAME",
                   help="feed or file name, outlet or agency, any case (repeatable: any)")
    p.add_argument("--text", default="", metavar="WORDS", help="words that must all be in the title or body")
    p.add_argument("--cluster", metavar="ID", help="stories of this cluster")


_AGE = re.compile(r"^(\d+)([mhd])$")


def moment(text: str, now: datetime | None = None) -> datetime:
    """A time on the command line: ISO 8601 with a timezone (a date alone is midnight UTC, a trailing Z is
    UTC), or an age before now (``90m``, ``6h``, ``7d``)."""
    age = _AGE.match(text.strip())
    if age:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[age[2]]
        return (now or datetime.now(timezone.utc)) - timedelta(**{unit: int(age[1])})
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), timezone.utc)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time (2026-03-01, 2026-03-01T09:00Z, 6h, 7d)") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no timezone (add Z for UTC)")
    return parsed.astimezone(timezone.utc)


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def filters_from(args: argparse.Namespace):
    from wirewatch.connectors.archive.query import Filters

    return Filters(since=args.since, until=args.until, countries=tuple(c.upper() for c in args.country),
                   regions=tuple(args.region), rules=tuple(args.rule), sources=tuple(args.source), text=args.text,
                   cluster=args.cluster)


def cmd_query(args: argparse.Namespace) -> int:
    from wirewatch.connectors.archive import schema
    from wirewatch.connectors.archive.query import SUMMARY, ArchiveQuery
    from wirewatch.pipelines.console.cli import no_archive

    if no_archive(args.archive, "archive query"):
        return 2
    query = ArchiveQuery(args.archive)
    filters = filters_from(args)
    limit = args.limit or query.count(filters)
    whole = args.format == "jsonl"
    rows = query.search(filters, limit=limit, offset=args.offset, columns=schema.COLUMNS if whole else SUMMARY)
    out = sys.stdout
    if whole:
        for row in rows:
            out.write(orjson.dumps(story_json(row)).decode() + "\n")
    elif args.format == "csv":
        writer = csv.writer(out)
        writer.writerow(SUMMARY)
        writer.writerows([_cell(row[c]) for c in SUMMARY] for row in rows)
    else:
        out.write(render_table(rows) + "\n")
    return 0


def story_json(row: dict[str, Any]) -> dict[str, Any]:
    """A whole archive row as the enriched story's JSON shape, with the origin (the Kafka position) kept."""
    from wirewatch.connectors.archive import schema

    enriched = schema.enriched(row)
    return {**enriched.to_dict(), "origin": row["origin"]}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(map(str, value))
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return str(value)


def render_table(rows: list[dict[str, Any]]) -> str:
    def fit(text: str, width: int) -> str:
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = ["  ".join(f"{name:<{width}}" for name, width in TABLE_WIDTHS)]
    for r in rows:
        cells = {
            "published": _cell(r["published"])[:16].replace("T", " ") or "-",
            "id": r["id"], "title": r["title"] or "", "countries": _cell(r["country_codes"]),
            "rules": _cell(r["rules"]), "outlet": r["publisher"] or r["credit"] or r["source"] or "",
        }
        lines.append("  ".join(f"{fit(cells[name], width):<{width}}" for name, width in TABLE_WIDTHS).rstrip())
    lines.append(f"({len(rows)} {'story' if len(rows) == 1 else 'stories'})")
    return "\n".join(lines)


def cmd_import(args: argparse.Namespace) -> int:
    from wirewatch.connectors.archive.imports import read_enriched
    from wirewatch.connectors.archive.writer import ParquetArchive
    from wirewatch.connectors.files.read import expand_paths
    from wirewatch.records import DeadLetter

    archive = ParquetArchive(args.to)
    batch: list = []
    stories = dead = 0
    for item in read_enriched(expand_paths(args.sources)):
        if isinstance(item, DeadLetter):
            dead += 1
            print(f"wirewatch: {item.message()}", file=sys.stderr)
            continue
        stories += 1
        batch.append(item)
        if len(batch) >= IMPORT_BATCH:
            archive.write(batch)
            batch = []
    archive.write(batch)
    merged = archive.compact()
    print(f"imported {stories} stories into {args.to} (each id once; {len(merged)} day folders compacted); "
          f"dead letters: {dead}")
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from wirewatch.connectors.archive.writer import ParquetArchive

    merged = ParquetArchive(args.archive).compact()
    print(f"compacted {len(merged)} day folders" + "".join(f"\n  {p}" for p in merged))
    return 0


