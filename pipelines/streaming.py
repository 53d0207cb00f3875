"""The always-on pipeline: Kafka -> enrich -> alerts, archive and dead letters, on Beam's Prism runner
(streaming, LOOPBACK workers in this process; Prism itself is a child process, see pipelines/prism.py; with
more than one worker, the pure per-story steps run in worker processes, see pipelines/prismworkers.py).
Wiring only."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from wirewatch.connectors.health.latency import RecordLatency
from wirewatch.connectors.kafka.commit import CommitOffsets, GatherPositions
from wirewatch.connectors.sinks.alerts import PublishAlerts
from wirewatch.connectors.sinks.archive import ArchiveStories
from wirewatch.connectors.sinks.deadletters import PublishDeadLetters
from wirewatch.connectors.sinks.durable import DeliverInTurn
from wirewatch.connectors.kafka.source import ReadKafkaRecords, ReadStoriesFromKafka, decoded, partition_starts
from wirewatch.connectors.kafka.topics import GROUP, KafkaConfigError, Topics
from wirewatch.connectors.kafka.warm import ReadSentAlerts, ReadStoriesBefore
from wirewatch.pipelines.beamoptions import SERVICE_SAMPLING_MS, sample_bundles_every
from wirewatch.pipelines.prismworkers import place_steps
from wirewatch.pipelines.toolcache import tool_cache
from wirewatch.transforms.clusterstate import WarmLineage
from wirewatch.transforms.online import TTL_S, SuppressRepeatAlerts, cluster_key
from wirewatch.transforms.ptransforms import Dedupe, EnrichStories, RaiseAlertsPerStory
from wirewatch.transforms.rules import WatchList
from wirewatch.transforms.steps import classifier
from wirewatch.transforms.streamchain import EnrichAndAlertInState, prepared

__all__ = ["GROUP", "RunnerNotFound", "build", "options", "prism_binary", "start"]
# Cluster heads the online dedupe index keeps (~2 KB each: ~200 MB), and so how far back a republished
# story is still recognised: about a day at 100,000 stories a day.
DEDUPE_CAPACITY = 100_000
ENV_PRISM = "WIREWATCH_PRISM"


class RunnerNotFound(RuntimeError):
    retriable = False


def prism_binary(explicit: str | None = None) -> str:
    """The Prism runner binary: --prism, $WIREWATCH_PRISM, the one scripts/bootstrap builds (under
    $WIREWATCH_CACHE, default .cache/), or PATH."""
    cache = tool_cache()  # where scripts/bootstrap builds it
    for candidate in (explicit, os.environ.get(ENV_PRISM), str(cache / "prism" / "bin" / "prism"),
                      shutil.which("prism")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise RunnerNotFound(
        "Beam's Prism runner binary was not found: run scripts/bootstrap (it builds it with "
        "`go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0`), or pass --prism PATH"
    )


def options(job_endpoint: str | None, pipeline_args: Sequence[str] = (), pool: str | None = None) -> PipelineOptions:
    """The streaming job's options: Prism at ``job_endpoint`` (the one the service started), workers from
    ``pool`` (a worker pool's address, pipelines/prismworkers.py) or else LOOPBACK, then whatever Beam
    options the command line passed through (a ``--job_endpoint`` there names another job service)."""
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    return PipelineOptions([
        "--runner=PrismRunner",
        *([f"--job_endpoint={job_endpoint}"] if job_endpoint else []),
        # the Python worker runs in this process: its metrics are the service's (with a pool, the worker of
        # every step that keeps metrics still does)
        *(["--environment_type=EXTERNAL", f"--environment_config={pool}"] if pool else ["--environment_type=LOOPBACK"]),
        "--streaming",
        "--job_server_timeout=31536000",  # Beam's default (300 s) ends the job-status stream after 5 minutes
        # Prism splits a bundle it finds slow and hands the rest to a new bundle while the first still runs,
        # releasing the rest's keys (engine/elementmanager.go splitBundle, Beam 2.77): two bundles of one key
        # at once, and keyed state lost updates (seen: a commit point that stopped). Our Kafka source splits
        # only at checkpoints anyway, so dynamic splitting is off.
        "--experiments=prism_disable_sdf_split",
        *pipeline_args,
    ])


def external_job_service(pipeline_args: Sequence[str]) -> bool:
    """True when the command line names a job service of its own: the service then starts no Prism."""
    return any(a == "--job_endpoint" or a.startswith("--job_endpoint=") for a in pipeline_args)


def build(p: beam.Pipeline, bootstrap: str, watchlist: WatchList, archive: str, topics: Topics,
          ttl_s: float = TTL_S, archive_format: str = "parquet", fused: bool = True) -> None:
    """The always-on chain. What it remembers (cluster heads, alerts sent, offsets delivered) is the
    engine's keyed state; a fresh state is warmed from Kafka by side inputs the job reads at its start.
    ``fused``: everything after normalize is one keyed step (transforms/streamchain.py), so a story passes
    the runner twice before its alert is sent, not six times; else step by step, as the bounded chain, which
    ``--workers`` needs to hand the pure steps to other workers."""
    starts = partition_starts(bootstrap, topics.stories, topics.group)
    if not starts:
        raise KafkaConfigError(f"topic {topics.stories} has no partitions on {bootstrap}")
    before = p | "ReadStoriesBefore" >> ReadStoriesBefore(bootstrap, starts, DEDUPE_CAPACITY)
    # what the dedupe, version and lineage states start from, from one replay of the stories before
    lineage, heads = before | "WarmFromBefore" >> WarmLineage(DEDUPE_CAPACITY, ttl_s=ttl_s)
    sent = p | "ReadSentAlerts" >> ReadSentAlerts(bootstrap, topics.alerts, ttl_s)
    if fused:
        outcomes = (
            p
            | "ReadStories" >> ReadKafkaRecords(bootstrap, starts, topics.group)
            | "PrepareStories" >> beam.Map(lambda record: prepared(decoded(record))).with_output_types(tuple[str, Any])
            | "EnrichAndAlert" >> beam.ParDo(
                EnrichAndAlertInState(watchlist, DEDUPE_CAPACITY, ttl_s), beam.pvalue.AsIter(heads),
                beam.pvalue.AsList(lineage), beam.pvalue.AsSingleton(sent))
        )
    else:
        dedupe = Dedupe.online(capacity=DEDUPE_CAPACITY, warm=heads, ttl_s=ttl_s, lineage=lineage,
                               starts={(s.topic, s.partition): s.offset for s in starts})
        stories, dead_decode = p | "ReadStories" >> ReadStoriesFromKafka(bootstrap, starts, topics.group)
        enriched, dead_enrich = stories | "EnrichStories" >> EnrichStories(watchlist, dedupe)
        alerted = (
            enriched
            | "RaiseAlerts" >> RaiseAlertsPerStory(watchlist)
            # SuppressRepeats' steps, with what was sent before as one dict (ReadSentAlerts)
            | "KeyByCluster" >> beam.Map(cluster_key).with_output_types(tuple[str, Any])
            | "SuppressRepeatAlerts" >> beam.ParDo(SuppressRepeatAlerts(ttl_s), beam.pvalue.AsSingleton(sent))
        )
        outcomes = (alerted, dead_decode, dead_enrich) | "Outcomes" >> beam.Flatten()
    sinks = (ArchiveStories(archive, form=archive_format), PublishAlerts(bootstrap, topics),
             PublishDeadLetters(bootstrap, topics))
    _ = (
        outcomes
        # the sinks in this order, each durable before the next, as one step; then a bundle's positions, one
        # element a partition (not one a story), to the keyed commit step
        | "DeliverOutcomes" >> beam.ParDo(DeliverInTurn(
            sinks, processed=RecordLatency("processed"), delivered=RecordLatency("delivered"),
            positions=GatherPositions(topics.stories))).with_output_types(tuple[str, Any])
        | "CommitOffsets" >> beam.ParDo(CommitOffsets(bootstrap, topics))
    )


def warm_up() -> None:
    """Load the tables the keyed step's classifier reads (gazetteer, names, lemmas: ~2.5 s, once a process)
    before the job starts. Its steps are set up in this process (the LOOPBACK worker) when their first
    bundle comes, so a backlog's first stories would otherwise wait for them inside that bundle, and the
    first alert with them."""
    classifier()


def start(bootstrap: str, watchlist: WatchList, archive: str, job_endpoint: str | None, topics: Topics,
          pipeline_args: Sequence[str] = (), archive_format: str = "parquet", workers: int = 1,
          pool: str | None = None):
    """Start the streaming job on the Prism at ``job_endpoint`` and return its PipelineResult. With ``workers``
    above 1, ``pool`` is the address of the worker pool that starts the extra workers."""
    sample_bundles_every(SERVICE_SAMPLING_MS)  # the LOOPBACK worker runs in this process
    if workers == 1:
        warm_up()
    p = beam.Pipeline(options=options(job_endpoint, pipeline_args, pool))
    build(p, bootstrap, watchlist, archive, topics, archive_format=archive_format, fused=workers == 1)
    place_steps(p, workers)
    return p.run()
