"""The in-process engine for small bounded runs (``wirewatch enrich``, ``wirewatch replay`` of a few files):
the steps of EnrichStories and RaiseAlerts as loops over lists, calling the same step bodies as the Beam
DoFns (transforms/steps.py) and writing the same files in the same order. It never imports Beam, whose
import and per-run set-up cost more than enriching a few stories; bounded.choose_engine says when it runs.

Memory is what the Beam path holds too: the whole input, since clustering and the sorted outputs need it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wirewatch.connectors.files.read import read_path
from wirewatch.connectors.files.readtally import ReadTally, counted
from wirewatch.pipelines.bounded import Outputs, loaded_gazetteer, write_outputs
from wirewatch.records import DeadLetter, EnrichedStory, Story
from wirewatch.transforms.rules import WatchList
from wirewatch.transforms.steps import alerts_of, finished, matched_alone, read_alone


def read(files: Iterable[str], tally: ReadTally | None = None) -> tuple[list[Story], list[DeadLetter]]:
    """The stories and dead letters of saved files (not archive files: those take the Beam path)."""
    stories: list[Story] = []
    dead: list[DeadLetter] = []
    for path in files:
        for item in counted(read_path(path), tally):
            (dead if isinstance(item, DeadLetter) else stories).append(item)
    return stories, dead


def enrich(stories: Iterable[Story], watchlist: WatchList, gazetteer: Any = None) -> tuple[list[EnrichedStory],
                                                                                            list[DeadLetter]]:
    """EnrichStories with batch dedupe, in the input's order, as the bounded Beam chain runs it: each story
    read alone (normalized, fingerprinted, placed and, unless a rule tests the spread, matched, its words made
    once), then all of them finished (clusters, versions, lineage; matched where the rules needed the
    clusters)."""
    step = read_alone(gazetteer, watchlist if matched_alone(watchlist) else None)
    dead: list[DeadLetter] = []
    read = []
    for item in step.read_many(stories):
        (dead if isinstance(item, DeadLetter) else read).append(item)
    enriched, dead_finish = finished(read, watchlist)
    return enriched, dead + dead_finish


def run(files: list[str], outputs: Outputs, watchlist: WatchList, *, keep_input_order: bool = False,
        tally: ReadTally | None = None, gazetteer: Any = None) -> None:
    """bounded.run's outputs, computed in this process. ``gazetteer``: the default one, from the compiled
    cache (pipelines/warmstart.py, once per process), when None."""
    stories, dead_read = read(files, tally)
    enriched, dead_enrich = enrich(stories, watchlist, gazetteer if gazetteer is not None else loaded_gazetteer())
    write_outputs(outputs, enriched, alerts_of(enriched, watchlist), dead_read + dead_enrich,
                  keep_input_order=keep_input_order)
