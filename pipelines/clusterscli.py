"""``wirewatch clusters PATH...``: the story clusters in saved files, each with its members (outlet, link,
first seen, version) and what changed between versions; in process, like a small replay."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import orjson

from wirewatch.records import EnrichedStory


def add_commands(sub: argparse._SubParsersAction) -> None:
    from wirewatch.pipelines.cli import PATHS_HELP

    c = sub.add_parser("clusters", help="story clusters in saved files: members, versions, what changed")
    c.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    c.add_argument("--min-size", type=int, default=2, metavar="N", help="clusters of at least N stories (default 2)")
    c.add_argument("--json", action="store_true", help="one JSON object per cluster and line")
    c.set_defaults(func=cmd_clusters)


def cmd_clusters(args: argparse.Namespace) -> int:
    from wirewatch.connectors.files.read import expand_paths
    from wirewatch.pipelines import local
    from wirewatch.transforms.rules import WatchList

    stories, dead = local.read(expand_paths(args.paths))
    enriched, dead_enrich = local.enrich(stories, WatchList(rules=(), source="<none>"))  # clusters need no rules
    reports = cluster_reports(enriched, args.min_size)
    for report in reports:
        if args.json:
            sys.stdout.buffer.write(orjson.dumps(report) + b"\n")
        else:
            print_report(report, sys.stdout)
    sys.stdout.flush()
    for letter in dead + dead_enrich:
        print(f"wirewatch: {letter.message()}", file=sys.stderr)
    return 0


def cluster_reports(enriched: list[EnrichedStory], min_size: int = 2) -> list[dict[str, Any]]:
    """One report per cluster of at least ``min_size`` stories, largest first: its lineage as its last story
    saw it, and its spread."""
    by_cluster: dict[str, list[EnrichedStory]] = {}
    for e in enriched:
        by_cluster.setdefault(e.cluster.id if e.cluster else e.id, []).append(e)
    reports = []
    for cluster_id, members in by_cluster.items():
        if len(members) < min_size:
            continue
        last = max(members, key=lambda e: len(e.lineage))
        first = next((e for e in members if e.id == cluster_id), members[0])
        spread = last.spread
        reports.append({
            "cluster": cluster_id, "title": first.story.title, "stories": len(members),
            "outlets": spread.outlets if spread else None, "regions": list(spread.regions) if spread else [],
            "members": [m.to_dict() for m in last.lineage],
        })
    return sorted(reports, key=lambda r: (-r["stories"], r["cluster"]))


def print_report(report: dict[str, Any], out: TextIO) -> None:
    regions = ", ".join(report["regions"]) or "none"
    out.write(f"cluster {report['cluster']}: {report['stories']} stories, {report['outlets']} outlets, "
              f"regions: {regions}\n  {report['title'] or '(no title)'}\n")
    for m in report["members"]:
        version = "" if m["version"] is None else f"v{m['version']}"
        if m["correction"]:
            version = f"{version} correction".strip()
        line = f"  {m['seen'] or '-':<20}  {m['outlet'] or '-':<24}  {version:<14}  {m['url'] or m['story_id']}"
        out.write(line.rstrip() + "\n")
        if m["changes"]:
            out.write(f"      changed: {m['changes']}\n")
    if len(report["members"]) < report["stories"]:
        out.write(f"  ... and {report['stories'] - len(report['members'])} more\n")
    out.write("\n")
