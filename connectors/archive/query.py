"""Questions to the archive, answered by DuckDB over its Parquet files: search with filters and paging, one
story, a story cluster's outlets, and counts per region or rule over a time window. The command line
(``wirewatch archive query``) and the console ask through this one module.

Day folders outside ``since``/``until`` are not opened; the files a compaction replaced are not read (so a
story counts once while it runs). Words of a text search must all appear in the title or body, in any case.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

import duckdb

from wirewatch.connectors.archive import schema
from wirewatch.connectors.archive.layout import archive_files
from wirewatch.records import EnrichedStory

SUMMARY = ("id", "published", "title", "source", "publisher", "credit", "country_codes", "regions", "rules",
           "cluster_id", "duplicate_of", "url", "origin")
OUTLET = ("id", "title", "source", "publisher", "credit", "published", "url", "duplicate_of")
COUNTED = {"regions": "regions", "rules": "rules", "countries": "country_codes"}
RETRIES = 3  # a compaction may remove a file between listing and reading: list again


class ArchiveQueryError(ValueError):
    """A question the archive cannot answer as asked (a bad filter value). Not retriable."""

    retriable = False


@dataclass(frozen=True)
class Filters:
    """What stories to find; empty fields do not filter. Several values of one field: any of them."""

    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes
    regions: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # the feed or file name, the outlet (publisher) or the agency (credit)
    text: str = ""  # words that must all appear in the title or body
    cluster: str | None = None
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ArchiveQueryError(f"--{name} {value.isoformat()} has no timezone")
        if self.since and self.until and self.until <= self.since:
            raise ArchiveQueryError("--until must be after --since")

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition and its named parameters (values are never spliced into the text)."""
        clauses, params = ["TRUE"], {}
        if self.since:
            clauses.append("published >= $since")
            params["since"] = self.since
        if self.until:
            clauses.append("published < $until")
            params["until"] = self.until
        for name, column in (("countries", "country_codes"), ("regions", "regions"), ("rules", "rules")):
            values = getattr(self, name)
            if values:
                clauses.append(f"list_has_any({column}, ${name})")
                params[name] = list(values)
        if self.sources:
            clauses.append("(lower(source) IN $sources OR lower(publisher) IN $sources OR lower(credit) IN $sources)")
            params["sources"] = [s.lower() for s in self.sources]
        for n, word in enumerate(self.text.split()):  # a literal pattern, any case (faster than lower() + contains)
            clauses.append(f"(regexp_matches(title, $word{n}, 'i') OR regexp_matches(body, $word{n}, 'i'))")
            params[f"word{n}"] = re.escape(word)
        if self.cluster:
            clauses.append("cluster_id = $cluster")
            params["cluster"] = self.cluster
        if self.ids:
            clauses.append("id IN $ids")
            params["ids"] = list(self.ids)
        return " AND ".join(clauses), params


class ArchiveQuery:
    """Read-only questions to the archive under ``root``; safe to share between threads."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self._db = duckdb.connect(":memory:")
        self._db.execute("SET TimeZone = 'UTC'")
        self._lock = threading.Lock()

    def search(self, filters: Filters = Filters(), *, limit: int = 50, offset: int = 0,
               columns: Sequence[str] = SUMMARY, newest_first: bool = True) -> list[dict[str, Any]]:
        """Matching stories, newest first (then by id), ``limit`` of them after skipping ``offset``."""
        _check_columns(columns)
        order = "published DESC NULLS LAST, id" if newest_first else "published NULLS LAST, id"
        sql = f"SELECT {', '.join(columns)} FROM {{stories}} ORDER BY {order} LIMIT $limit OFFSET $offset"
        return self._rows(sql, filters, columns, {"limit": max(0, int(limit)), "offset": max(0, int(offset))})

    def page(self, filters: Filters = Filters(), *, limit: int = 50, offset: int = 0,
             columns: Sequence[str] = SUMMARY) -> tuple[list[dict[str, Any]], int]:
        """One page of ``search`` and how many stories match in all. Two queries, not one with a window
        count: the page is a top-N that streams, and a count without filters reads only file metadata; a
        first page that is not full is the total already."""
        rows = self.search(filters, limit=limit, offset=offset, columns=columns)
        if offset <= 0 and len(rows) < limit:
            return rows, len(rows)
        return rows, self.count(filters)

    def count(self, filters: Filters = Filters()) -> int:
        rows = self._rows("SELECT count(*) AS n FROM {stories}", filters, ("id",), {})
        return int(rows[0]["n"]) if rows else 0

    def story(self, story_id: str) -> EnrichedStory | None:
        rows = self.search(Filters(ids=(story_id,)), limit=1, columns=schema.COLUMNS)
        return schema.enriched(rows[0]) if rows else None

    def cluster(self, cluster_id: str, around: datetime | None = None, days: int = 7) -> list[dict[str, Any]]:
        """Every archived story of a cluster (its outlets), earliest first. ``around``: look only ``days``
        either side of that time (clusters form within the dedupe window), which spares reading old folders."""
        window = {} if around is None else {"since": around - timedelta(days=days), "until": around + timedelta(days=days)}
        return self.search(Filters(cluster=cluster_id, **window), limit=10_000, columns=OUTLET, newest_first=False)

    def outlet_counts(self, cluster_ids: Sequence[str]) -> dict[str, int]:
        """How many archived stories each cluster has (each an outlet's copy)."""
        if not cluster_ids:
            return {}
        sql = "SELECT cluster_id, count(*) AS n FROM {stories} GROUP BY cluster_id"
        rows = self._rows(sql, Filters(), ("id", "cluster_id"), {"clusters": list(cluster_ids)},
                          extra="cluster_id IN $clusters")
        return {r["cluster_id"]: int(r["n"]) for r in rows}

    def counts(self, what: str, since: datetime, until: datetime) -> list[tuple[str, int]]:
        """Stories per region, rule or country published in [since, until), most first."""
        column = COUNTED.get(what)
        if column is None:
            raise ArchiveQueryError(f"cannot count by {what!r}: one of {', '.join(COUNTED)}")
        sql = (f"SELECT name, count(*) AS n FROM (SELECT unnest({column}) AS name FROM {{stories}}) "
               "GROUP BY name ORDER BY n DESC, name")
        rows = self._rows(sql, Filters(since=since, until=until), ("id", column), {})
        return [(r["name"], int(r["n"])) for r in rows]

    def _rows(self, sql: str, filters: Filters, columns: Sequence[str], params: dict[str, Any],
              extra: str | None = None) -> list[dict[str, Any]]:
        where, values = filters.where()
        if extra:
            where = f"{where} AND {extra}"
        wanted = sorted(set(columns) | {"id", "published"})
        for attempt in range(RETRIES):
            files = archive_files(self.root, _day(filters.since), _day(filters.until, end=True))
            if not files:
                return []
            stories = f"(SELECT {', '.join(wanted)} FROM read_parquet($files, union_by_name = true) WHERE {where})"
            try:
                with self._lock:
                    cursor = self._db.cursor()
                try:
                    result = cursor.execute(sql.format(stories=stories),
                                            {**values, **params, "files": [str(f) for f in files]})
                    names = [d[0] for d in result.description]
                    return [dict(zip(names, row)) for row in result.fetchall()]
                finally:
                    cursor.close()
            except duckdb.IOException:
                if attempt == RETRIES - 1:
                    raise
        return []


def _day(moment: datetime | None, end: bool = False):
    if moment is None:
        return None
    return (moment - timedelta(microseconds=1)).date() if end else moment.date()


def _check_columns(columns: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in schema.COLUMNS]
    if unknown:
        raise ArchiveQueryError(f"unknown column(s): {', '.join(unknown)}")
