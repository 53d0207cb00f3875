"""Where archive files live: one folder per day (``dt=YYYY-MM-DD``, ``dt=undated`` for stories without a
date), Parquet files inside. Only finished files are visible: a file is written under a hidden temporary
name and renamed into place, so a reader that lists ``*.parquet`` never sees half a file. A compaction first
writes ``<merged>.replaces`` (the names of the files it merges), then the merged file: from the moment the
merged file appears, readers skip the files it replaced, so no story is ever seen twice."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from wirewatch.records import EnrichedStory

SUFFIX = ".parquet"
REPLACES = ".replaces"  # beside a compacted file, until the files it replaced are removed: their names
UNDATED = "dt=undated"


def partition_of(story: EnrichedStory) -> str:
    """The day folder of a story: its publication day (UTC), else the day it entered Kafka, else undated."""
    s = story.story
    when = s.published or s.produced
    return f"dt={when.date().isoformat()}" if when else UNDATED


def partition_day(name: str) -> date | None:
    """The day a folder name stands for (None for ``dt=undated`` or a name that is not a day folder)."""
    try:
        return date.fromisoformat(name.removeprefix("dt="))
    except ValueError:
        return None


def is_visible(name: str) -> bool:
    return name.endswith(SUFFIX) and not name.startswith(".")


def partitions(root: str | os.PathLike) -> list[Path]:
    """The day folders under ``root``, oldest first (``dt=undated`` last)."""
    base = Path(root)
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith("dt="))


def visible_files(folder: str | os.PathLike) -> list[Path]:
    """The finished Parquet files of one day folder, by name, less those a finished compaction replaced
    (each story is then in exactly one visible file, even before the replaced files are removed)."""
    return [Path(folder) / n for n in sorted(visible_names(folder))]


def visible_names(folder: str | os.PathLike) -> frozenset[str]:
    """``visible_files``' names, unordered: what a writer compares with its last listing on every write, in a
    folder that holds one file per bundle of the day until it is compacted (so no Path made per name)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return frozenset()
    visible = frozenset(filter(is_visible, names))
    manifests = [n for n in names if n.endswith(REPLACES)]
    if not manifests:
        return visible
    replaced: set[str] = set()
    for manifest in manifests:
        if manifest.removesuffix(REPLACES) + SUFFIX in visible:
            replaced.update(replaced_by(Path(folder) / manifest))
    return visible - replaced


def replaced_by(manifest: Path) -> list[str]:
    """The file names a compaction's manifest lists (nothing, if it is gone meanwhile)."""
    try:
        return manifest.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return []


def archive_files(root: str | os.PathLike, since: date | None = None, until: date | None = None,
                  undated: bool = True) -> list[Path]:
    """Every finished file under ``root``; with ``since``/``until`` only the day folders in that range (and
    ``dt=undated`` only when ``undated``)."""
    found = []
    for folder in partitions(root):
        day = partition_day(folder.name)
        if day is None:
            if not undated or since or until:
                continue
        elif (since and day < since) or (until and day > until):
            continue
        found.extend(visible_files(folder))
    return found


def is_archive(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a Parquet archive folder: it holds at least one day folder with a Parquet file."""
    return any(visible_files(folder) for folder in partitions(path))
