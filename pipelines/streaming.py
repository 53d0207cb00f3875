"""The always-on pipeline: Kafka -> enrich -> alerts, archive and dead letters, on Beam's Prism runner
(streaming, LOOPBACK workers in this process; Prism itself is a child process, see pipelines/prism.py).
Wiring only."""

from __future__ import annotations

import functools
import logging
import os
import shutil
from pathlib import Path
from typing import Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from wirewatch.connectors.health.latency import RecordLatency
from wirewatch.connectors.kafka.commit import CommitOffsets
from wirewatch.connectors.sinks.alerts import PublishAlerts
from wirewatch.connectors.sinks.archive import ArchiveStories
from wirewatch.connectors.sinks.deadletters import PublishDeadLetters
from wirewatch.connectors.kafka.topics import GROUP, Topics
from wirewatch.connectors.kafka.source import ReadStoriesFromKafka, committed_stories
from wirewatch.connectors.kafka.offsets import REGISTRY as IN_FLIGHT
from wirewatch.transforms.ptransforms import Dedupe, EnrichStories, RaiseAlertsPerStory
from wirewatch.transforms.rules import WatchList

__all__ = ["GROUP", "RunnerNotFound", "build", "options", "prism_binary", "start"]
# Cluster heads the online dedupe index keeps (~2 KB each: ~200 MB), and so how far back a republished
# story is still recognised: about a day at 100,000 stories a day.
DEDUPE_CAPACITY = 100_000
ENV_PRISM = "WIREWATCH_PRISM"
REPO = Path(__file__).resolve().parent.parent


class RunnerNotFound(RuntimeError):
    retriable = False


def prism_binary(explicit: str | None = None) -> str:
    """The Prism runner binary: --prism, $WIREWATCH_PRISM, the one scripts/bootstrap builds, or PATH."""
    for candidate in (explicit, os.environ.get(ENV_PRISM), str(REPO / ".cache" / "prism" / "bin" / "prism"),
                      shutil.which("prism")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise RunnerNotFound(
        "Beam's Prism runner binary was not found: run scripts/bootstrap (it builds it with "
        "`go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0`), or pass --prism PATH"
    )


def options(job_endpoint: str | None, pipeline_args: Sequence[str] = ()) -> PipelineOptions:
    """The streaming job's options: Prism at ``job_endpoint`` (the one the service started), then whatever
    Beam options the command line passed through (a ``--job_endpoint`` there names another job service)."""
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    return PipelineOptions([
        "--runner=PrismRunner",
        *([f"--job_endpoint={job_endpoint}"] if job_endpoint else []),
        "--environment_type=LOOPBACK",  # Python workers run in this process: metrics and offsets are shared
        "--streaming",
        "--job_server_timeout=31536000",  # Beam's default (300 s) ends the job-status stream after 5 minutes
        *pipeline_args,
    ])


def external_job_service(pipeline_args: Sequence[str]) -> bool:
    """True when the command line names a job service of its own: the service then starts no Prism."""
    return any(a == "--job_endpoint" or a.startswith("--job_endpoint=") for a in pipeline_args)


def build(p: beam.Pipeline, bootstrap: str, watchlist: WatchList, archive: str, topics: Topics) -> None:
    warmup = functools.partial(committed_stories, bootstrap, topics.stories, topics.group, DEDUPE_CAPACITY)
    dedupe = Dedupe.online(name=f"{bootstrap}/{topics.stories}", warmup=warmup, capacity=DEDUPE_CAPACITY)
    stories, dead_decode = p | "ReadStories" >> ReadStoriesFromKafka(bootstrap, topics.stories, topics.group)
    enriched, dead_enrich = stories | "EnrichStories" >> EnrichStories(watchlist, dedupe)
    alerted = enriched | "RaiseAlerts" >> RaiseAlertsPerStory(watchlist)
    _ = (
        (alerted, dead_decode, dead_enrich)
        | "Outcomes" >> beam.Flatten()
        | "MeasureProcessed" >> beam.ParDo(RecordLatency("processed"))
        | "ArchiveStories" >> beam.ParDo(ArchiveStories(archive))
        | "PublishAlerts" >> beam.ParDo(PublishAlerts(bootstrap, topics))
        | "PublishDeadLetters" >> beam.ParDo(PublishDeadLetters(bootstrap, topics))
        | "MeasureDelivered" >> beam.ParDo(RecordLatency("delivered"))
        | "CommitOffsets" >> beam.ParDo(CommitOffsets(bootstrap, topics))
    )


def start(bootstrap: str, watchlist: WatchList, archive: str, job_endpoint: str | None, topics: Topics,
          pipeline_args: Sequence[str] = ()):
    """Start the streaming job on the Prism at ``job_endpoint`` and return its PipelineResult. Offsets still
    in flight from an earlier job of this process are forgotten: the new job re-reads from the commits."""
    IN_FLIGHT.reset()
    p = beam.Pipeline(options=options(job_endpoint, pipeline_args))
    build(p, bootstrap, watchlist, archive, topics)
    return p.run()
