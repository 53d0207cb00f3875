"""The watch-list preview: a pasted or uploaded watch list run over the archive's recent stories with the
backtest's arithmetic (``transforms/rulelang/backtest.py``): hits per rule, sample matches in context, and
what each rule gains and loses against the matches the stories were archived with (rules of the same
id; a new rule gains all it finds). A list that does not
parse gives the loader's ``file:line:column: message``."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.query import ArchiveQuery, Filters
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.rulelang import backtest
from wirewatch.transforms.rules import RuleError, load_watchlist

MAX_STORIES = 20_000  # the newest stories of the window a preview reads (it runs while the page waits)
MAX_BYTES = 2 * 1024 * 1024  # a pasted or uploaded list larger than this is refused
SAMPLES = 3


@dataclass(frozen=True)
class Preview:
    source: str
    error: str | None = None
    rules: int = 0
    stories: int = 0
    summary: dict[str, Any] | None = None


def list_name(filename: str | None) -> str:
    """The name errors carry: the uploaded file's own name (no folders), else ``pasted.yaml``."""
    base = re.sub(r"[^\w.\-]", "_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])[:100]
    return base or "pasted.yaml"


def preview(text: str, name: str, archive: ArchiveQuery, since: datetime, *, limit: int = MAX_STORIES) -> Preview:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Preview(name, f"{name}:1:1: the list is over {MAX_BYTES // 1024 // 1024} MiB: preview a part of it")
    try:
        watchlist = load_watchlist(text.replace("\r\n", "\n"), name)
    except RuleError as exc:
        return Preview(name, str(exc))
    matcher = Matcher(watchlist, cache=None)
    ids = {rule.id for rule in watchlist.rules}
    rows = archive.search(Filters(since=since), limit=limit, columns=schema.COLUMNS)
    records = []
    for row in rows:
        story = schema.enriched(row)
        new = dataclasses.replace(story, matches=matcher.match(dataclasses.replace(story, matches=())))
        records.append(backtest.story_record(new, tuple(m for m in story.matches if m.rule in ids)))
    summary = backtest.report(records, SAMPLES)
    none = {"hits": 0, "old_hits": 0, "samples": [], "gained": [], "lost": []}
    summary["rules"] = {r.id: summary["rules"].get(r.id, none) for r in watchlist.rules}  # in file order, 0 hits too
    return Preview(name, None, len(watchlist.rules), len(rows), summary)
