"""The in-process engine for small bounded runs (``wirewatch enrich``, ``wirewatch replay`` of a few files):
the steps of EnrichStories and RaiseAlerts as loops over lists, calling the same step bodies as the Beam
DoFns (transforms/steps.py) and writing the same files in the same order. It never imports Beam, whose
import and per-run set-up cost more than enriching a few stories; bounded.choose_engine says when it runs.

Memory is what the Beam path holds too: the whole input, since clustering and the sorted outputs need it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from wirewatch.connectors.files.read import read_path
from wirewatch.connectors.files.readtally import ReadTally, counted
from wirewatch.connectors.sinks.files import write_archive, write_jsonl
from wirewatch.pipelines.bounded import Outputs, alert_key, dead_key, enriched_order, loaded_gazetteer
from wirewatch.records import DeadLetter, EnrichedStory, Story
from wirewatch.transforms.alerts import alerts_for
from wirewatch.transforms.rules import WatchList
from wirewatch.transforms.steps import (
    dead_letter, first_alerts, matched_alone, read_alone, rule_matcher, settled_in_order,
)


def read(files: Iterable[str], tally: ReadTally | None = None) -> tuple[list[Story], list[DeadLetter]]:
    """The stories and dead letters of saved files (not archive files: those take the Beam path)."""
    stories: list[Story] = []
    dead: list[DeadLetter] = []
    for path in files:
        for item in counted(read_path(path), tally):
            (dead if isinstance(item, DeadLetter) else stories).append(item)
    return stories, dead


def _guarded(items: Iterable[Any], stage: str, fn: Callable[[Any], Any], dead: list[DeadLetter]) -> list[Any]:
    """``fn`` of each item; an item it fails on becomes a dead letter for ``stage`` (as in ptransforms)."""
    out = []
    for item in items:
        try:
            out.append(fn(item))
        except Exception as exc:  # one bad story must not stop the run: it becomes data
            dead.append(dead_letter(item, stage, exc))
    return out


def enrich(stories: Iterable[Story], watchlist: WatchList, gazetteer: Any = None) -> tuple[list[EnrichedStory],
                                                                                            list[DeadLetter]]:
    """EnrichStories with batch dedupe, in the input's order, as the bounded Beam chain runs it
    (EnrichBoundedStories): each story read alone (normalized, fingerprinted, placed and, unless a rule tests
    the spread, matched, its words made once), then all of them settled (clusters, versions, lineage), then
    matched where the rules needed the clusters."""
    alone = matched_alone(watchlist)
    step = read_alone(gazetteer, watchlist if alone else None)
    dead: list[DeadLetter] = []
    read = []
    for story in stories:
        item = step(story)
        (dead if isinstance(item, DeadLetter) else read).append(item)
    enriched = []
    for item in settled_in_order(read):
        (dead if isinstance(item, DeadLetter) else enriched).append(item)
    if not alone:
        enriched = _guarded(enriched, "match", rule_matcher(watchlist), dead)
    return enriched, dead


def run(files: list[str], outputs: Outputs, watchlist: WatchList, *, keep_input_order: bool = False,
        tally: ReadTally | None = None, gazetteer: Any = None) -> None:
    """bounded.run's outputs, computed in this process. ``gazetteer``: the default one, from the compiled
    cache (pipelines/warmstart.py, once per process), when None."""
    stories, dead_read = read(files, tally)
    enriched, dead_enrich = enrich(stories, watchlist, gazetteer if gazetteer is not None else loaded_gazetteer())
    alerts = first_alerts(a for e in enriched for a in alerts_for(e, watchlist))
    write_jsonl(outputs.stories, sorted(enriched, key=enriched_order(keep_input_order)))
    write_jsonl(outputs.alerts, sorted(alerts, key=alert_key))
    write_jsonl(outputs.deadletter, sorted(dead_read + dead_enrich, key=dead_key))
    if outputs.archive is not None and outputs.archive_format == "jsonl":
        write_archive(outputs.archive, enriched)
    elif outputs.archive is not None:
        from wirewatch.connectors.archive.writer import ParquetArchive, input_order  # pyarrow: only when asked

        ParquetArchive(outputs.archive).write(sorted(enriched, key=input_order))
