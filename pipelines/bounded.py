"""Bounded runs (replay of saved files, enrich of JSONL) on Beam's FnApiRunner: wiring only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from wirewatch.connectors.files.beamio import ReadStories, WriteArchive, WriteJsonLines
from wirewatch.connectors.files.read import expand_paths
from wirewatch.connectors.files.readtally import ReadTally
from wirewatch.transforms.dedupe import story_order
from wirewatch.transforms.ptransforms import EnrichStories
from wirewatch.records import Alert, DeadLetter, EnrichedStory
from wirewatch.transforms.rules import WatchList

BOUNDED_RUNNER = "FnApiRunner"  # named explicitly: the default DirectRunner tries to download Prism first


@dataclass(frozen=True)
class Outputs:
    stories: Path
    alerts: Path
    deadletter: Path
    archive: Path | None = None


def options(runner: str = BOUNDED_RUNNER) -> PipelineOptions:
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    return PipelineOptions([f"--runner={runner}"])


def _origin_key(origin: str) -> tuple[str, int]:
    path, _, line = origin.rpartition(":")
    return (path, int(line)) if line.isdigit() else (origin, 0)


def _alert_key(alert: Alert) -> tuple[str, str]:
    return (alert.rule, alert.id)


def _dead_key(dead: DeadLetter) -> tuple:
    return (_origin_key(dead.origin), dead.stage, dead.reason)


def _enriched_by_time(e: EnrichedStory) -> tuple:
    return story_order(e.story)


def _enriched_by_input(e: EnrichedStory) -> tuple:
    return (_origin_key(e.story.origin or ""), e.id)


def run(paths: list[str], outputs: Outputs, watchlist: WatchList, *, keep_input_order: bool = False,
        runner: str = BOUNDED_RUNNER, tally: ReadTally | None = None) -> None:
    """Read ``paths``, enrich, and write the outputs named in ``outputs``; returns when the run is done.
    ``tally`` counts the files and stories read, for a progress line (pipelines/progress.py)."""
    files = expand_paths(paths)
    with beam.Pipeline(options=options(runner)) as p:
        stories, dead_read = p | "ReadStories" >> ReadStories(files, tally)
        enriched, alerts, dead_enrich = stories | "EnrichStories" >> EnrichStories(watchlist)
        order = _enriched_by_input if keep_input_order else _enriched_by_time
        _ = enriched | "WriteStories" >> WriteJsonLines(str(outputs.stories), order)
        _ = alerts | "WriteAlerts" >> WriteJsonLines(str(outputs.alerts), _alert_key)
        dead = (dead_read, dead_enrich) | "FlattenDeadLetters" >> beam.Flatten()
        _ = dead | "WriteDeadLetters" >> WriteJsonLines(str(outputs.deadletter), _dead_key)
        if outputs.archive is not None:
            _ = enriched | "WriteArchive" >> WriteArchive(str(outputs.archive))
