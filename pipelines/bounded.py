"""Bounded runs (replay of saved files, enrich of JSONL) on Beam's FnApiRunner unless ``--runner`` says
otherwise: wiring only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from wirewatch.connectors.archive.beamio import ReadArchivedStories, WriteParquetArchive
from wirewatch.connectors.archive.layout import SUFFIX as ARCHIVE_SUFFIX
from wirewatch.connectors.files.beamio import ReadStories, WriteArchive, WriteJsonLines
from wirewatch.connectors.files.read import expand_paths
from wirewatch.connectors.files.readtally import ReadTally
from wirewatch.transforms.dedupe import story_order
from wirewatch.transforms.ptransforms import EnrichStories, RaiseAlerts
from wirewatch.records import Alert, DeadLetter, EnrichedStory
from wirewatch.transforms.rules import WatchList

BOUNDED_RUNNER = "FnApiRunner"  # named explicitly: the default DirectRunner tries to download Prism first


@dataclass(frozen=True)
class Outputs:
    stories: Path
    alerts: Path
    deadletter: Path
    archive: Path | None = None
    archive_format: str = "parquet"  # or "jsonl": the text archive (connectors/sinks/files.py)


def options(pipeline_args: Sequence[str] = ()) -> PipelineOptions:
    """Beam options for a bounded run: ``pipeline_args`` as given on the command line (``--runner=...`` and
    any other Beam option), on top of the default runner."""
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    return PipelineOptions([f"--runner={BOUNDED_RUNNER}", *pipeline_args])


def _alert_key(alert: Alert) -> tuple[str, str]:
    return (alert.rule, alert.id)


def dead_key(dead: DeadLetter) -> tuple:
    """File, then line as a number (``a.jsonl:10`` after ``a.jsonl:9``), then stage and reason."""
    return (dead.origin.sort_key(), dead.stage, dead.reason)


def _enriched_by_time(e: EnrichedStory) -> tuple:
    return story_order(e.story)


def _enriched_by_input(e: EnrichedStory) -> tuple:
    origin = e.story.origin
    return (origin.sort_key() if origin else ("", -1, 0), e.id)


def run(paths: list[str], outputs: Outputs, watchlist: WatchList, *, keep_input_order: bool = False,
        pipeline_args: Sequence[str] = (), tally: ReadTally | None = None) -> None:
    """Read ``paths``, enrich, and write the outputs named in ``outputs``; returns when the run is done.
    ``tally`` counts the files and stories read, for a progress line (pipelines/progress.py)."""
    files = expand_paths(paths)
    with beam.Pipeline(options=options(pipeline_args)) as p:
        stories, dead_read = read_inputs(p, files, tally)
        enriched, dead_enrich = stories | "EnrichStories" >> EnrichStories(watchlist)
        alerts = enriched | "RaiseAlerts" >> RaiseAlerts(watchlist)
        order = _enriched_by_input if keep_input_order else _enriched_by_time
        _ = enriched | "WriteStories" >> WriteJsonLines(str(outputs.stories), order)
        _ = alerts | "WriteAlerts" >> WriteJsonLines(str(outputs.alerts), _alert_key)
        dead = (dead_read, dead_enrich) | "FlattenDeadLetters" >> beam.Flatten()
        _ = dead | "WriteDeadLetters" >> WriteJsonLines(str(outputs.deadletter), dead_key)
        if outputs.archive is not None and outputs.archive_format == "jsonl":
            _ = enriched | "WriteArchive" >> WriteArchive(str(outputs.archive))
        elif outputs.archive is not None:
            _ = enriched | "WriteArchive" >> WriteParquetArchive(str(outputs.archive))


def read_inputs(p: beam.Pipeline, files: list[str], tally: ReadTally | None = None) -> tuple:
    """(stories, dead letters) from saved files; Parquet archive files (a folder given to replay) are read
    as the stories they archived, so a new watch list can run over history."""
    archived = [f for f in files if f.endswith(ARCHIVE_SUFFIX)]
    stories, dead = p | "ReadStories" >> ReadStories([f for f in files if not f.endswith(ARCHIVE_SUFFIX)], tally)
    if not archived:
        return stories, dead
    old, dead_old = p | "ReadArchive" >> ReadArchivedStories(archived, tally)
    return ((stories, old) | "FlattenStories" >> beam.Flatten(),
            (dead, dead_old) | "FlattenReadDeadLetters" >> beam.Flatten())
