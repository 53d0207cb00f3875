"""``wirewatch run``: ingest and the streaming pipeline in one process, with /metrics and /health on a
local port, structured logs, and a clean stop on SIGTERM or SIGINT. Wiring only."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition

from connectors import metrics
from connectors.files import expand_paths
from connectors.kafka import STORIES, Publisher, ensure_topics, topic_specs
from pipelines import streaming
from pipelines.ingest import FolderWatcher, ingest_files
from transforms.rules import WatchList

log = logging.getLogger("wirewatch.service")
LAG_EVERY_S = 5.0


@dataclass
class ServiceConfig:
    bootstrap: str
    watchlist: WatchList
    archive: str
    paths: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)
    feeds: str | None = None  # feed list YAML to poll
    metrics_port: int = 9108
    metrics_host: str = "127.0.0.1"
    prism: str | None = None
    story_partitions: int = 3


def update_lag(bootstrap: str, group: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(STORIES, p) for p in sorted(consumer.partitions_for_topic(STORIES) or ())]
        ends = consumer.end_offsets(tps)
        lag = {tp.partition: ends[tp] - (consumer.committed(tp) or 0) for tp in tps}
    finally:
        consumer.close()
    for partition, value in lag.items():
        metrics.CONSUMER_LAG.labels(str(partition)).set(value)
    return lag


def _quiet_worker_shutdown(args: threading.ExceptHookArgs) -> None:
    """Cancelling the job closes the runner's gRPC streams under Beam's worker threads; their
    "Stream removed" errors are the expected end of a stop, not news for the log."""
    log.debug("worker thread ended during shutdown", extra={"error": repr(args.exc_value)[:300]})


def run(config: ServiceConfig) -> int:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: (log.info("stopping", extra={"signal": signum}), stop.set()))

    ensure_topics(config.bootstrap, topic_specs(config.story_partitions))
    result = streaming.start(config.bootstrap, config.watchlist, config.archive, config.prism)

    def health() -> tuple[bool, str]:
        state = str(result.state)
        return state == "RUNNING" and not stop.is_set(), f"pipeline {state.lower()}"

    server = metrics.serve(config.metrics_port, health, host=config.metrics_host)
    log.info("service up", extra={"bootstrap": config.bootstrap, "metrics": f"http://127.0.0.1:{server.server_port}/metrics"})
    publisher = Publisher(config.bootstrap, client_id="wirewatch-ingest")
    watcher = FolderWatcher(config.watch, publisher)
    watcher.skip_existing()
    loops = [watcher]
    if config.feeds:
        from pipelines.feedloop import FeedLoop

        loops.append(FeedLoop(config.feeds, None, publisher))
    threads = [threading.Thread(target=loop.run, name=type(loop).__name__, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    exit_code = 0
    try:
        if config.paths:
            counts = ingest_files(expand_paths(config.paths), publisher)
            log.info("ingested", extra={"files": counts.files, "stories": counts.stories, "dead_letters": counts.dead_letters})
        while not stop.wait(LAG_EVERY_S):
            state = str(result.state)
            if state in ("FAILED", "CANCELLED", "DONE", "STOPPED"):
                log.error("pipeline ended", extra={"state": state})
                exit_code = 1
                break
            try:
                update_lag(config.bootstrap, streaming.GROUP)
            except Exception:
                log.warning("consumer lag unavailable", exc_info=True)
    finally:
        for loop in loops:
            loop.stop()
        threading.excepthook = _quiet_worker_shutdown
        # Beam's data plane logs the streams the cancel closes as an error; in an orderly stop it is not one.
        logging.getLogger("apache_beam.runners.worker.data_plane").setLevel(logging.CRITICAL)
        try:
            result.cancel()
        except Exception:  # already ended
            pass
        publisher.close()
        server.shutdown()
        log.info("service stopped")
    return exit_code
