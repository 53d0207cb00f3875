"""``wirewatch run``: ingest and the streaming pipeline in one process, with /metrics, /health and the web
console on a local port, structured logs, and an orderly stop on SIGTERM or SIGINT (drain, commit, exit 0).

The service supervises its job: faults that clear are retried inside the pipeline's steps
(connectors/faults.py); if the job ends anyway, or Prism dies, both are started again with backoff, once the
ended job's producers are closed (see ``fence_job_sends``). Wiring only."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from wirewatch.connectors.archive.compactor import DEFAULT_EVERY_S, CompactEvery
from wirewatch.connectors.health import metrics
from wirewatch.connectors.files.dropfolder import DEFAULT_QUIET_S
from wirewatch.connectors.health.faults import FAULTS, Backoff, is_transient
from wirewatch.connectors.files.read import expand_paths
from wirewatch.connectors.kafka.lease import InstanceLease
from wirewatch.connectors.kafka.topics import (Publisher, Topics, close_publishers, ensure_topics, open_publishers,
                                               topic_specs)
from wirewatch.pipelines import streaming
from wirewatch.pipelines.console import cli as console
from wirewatch.pipelines.ingest import FolderWatcher, ingest_files
from wirewatch.pipelines.prism import PrismProcess
from wirewatch.pipelines.prismworkers import WorkerPool
from wirewatch.transforms.rules import WatchList

log = logging.getLogger("wirewatch.service")
LAG_EVERY_S = 5.0
LAG_FAULT = "kafka (lag check)"  # on /health: "retrying kafka (lag check) since ..."
TICK_S = 0.5
SETTLE_S = 3.0  # a drain stops waiting once the commits have not moved for this long
ENDED = ("FAILED", "CANCELLED", "DONE", "STOPPED", "UNKNOWN")
HEALTHY_AFTER_S = 300.0  # a job that ran this long before it failed restarts without the longer backoff
# The producers the job's sinks open in this process (connectors/sinks/alerts.py and deadletters.py; the
# steps that publish stay with the service's own worker, pipelines/prismworkers.py).
JOB_CLIENTS = frozenset({"wirewatch-alerts", "wirewatch-deadletters"})
# The cyclic collector's youngest generation fills every 700 allocations by default, a few times a story, and
# each pass of its oldest walks every object that lives long: the gazetteers, the lexicons, the watch list, the
# dedupe index. Collected less often, and with what the job loaded at its start left out of the walks (frozen once
# the first story is archived), it took about half the time: a 10,000-story template backlog (bench/engines.py
# --backlog 10000) spent 0.67-0.73 s of the service's ~14 s CPU collecting, against 1.36-1.43 s (2 passes
# of the oldest generation against 21).
GC_THRESHOLD = (20_000, 10, 10)
FENCE_TIMEOUT_S = 10.0  # how long an ended job's producer may take to have its records acknowledged


@dataclass
class ServiceConfig:
    bootstrap: str
    watchlist: WatchList
    archive: str
    archive_format: str = "parquet"  # or "json": one file per story, named by its Kafka position
    paths: list[str] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)
    feeds: str | None = None  # feed list YAML to poll
    metrics_port: int = 9108
    metrics_host: str = "127.0.0.1"
    prism: str | None = None
    story_partitions: int = 3
    drop_quiet: float = DEFAULT_QUIET_S  # a dropped file is taken once unchanged this long
    drop_state: str | None = None  # where drop folders' ledgers live (default: a dot-file in each folder)
    topics: Topics = field(default_factory=Topics.from_env)
    drain_timeout: float = 30.0  # seconds a stop waits for the work in flight to be delivered and committed
    restart_backoff: Backoff = field(default_factory=lambda: Backoff(first=1.0, cap=60.0))
    pipeline_args: list[str] = field(default_factory=list)  # Beam options from the command line
    workers: int = 1  # Python workers of the Prism job: this process's, and processes for the pure steps
    console_token: str | None = None  # needed to serve the console off 127.0.0.1 (pipelines/console/)
    subscriptions: str | None = None  # subscriptions YAML: the delivery step runs in this process too
    delivery_state: str | None = None  # its state file (default: beside the subscriptions file)
    delivery_unhealthy_after: float = 900.0  # /health fails while an undelivered alert is older (seconds)
    compact_every: float = DEFAULT_EVERY_S  # seconds between compactions of the Parquet archive; 0: never


def update_lag(bootstrap: str, topics: Topics) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=topics.group, enable_auto_commit=False,
                             request_timeout_ms=5000, bootstrap_timeout_ms=5000)
    try:
        tps = [TopicPartition(topics.stories, p) for p in sorted(consumer.partitions_for_topic(topics.stories) or ())]
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


class _QuietStream:
    """Stands in for stderr once the job is being cancelled: Beam's worker threads print the tracebacks of
    the bundles the cancel cuts short straight to stderr; after an orderly drain they are no news, so they
    go to the debug log. Our own log handler keeps the real stderr."""

    def write(self, text: str) -> int:
        if text.strip():
            log.debug("runner output during shutdown", extra={"text": text[:2000]})
        return len(text)

    def flush(self) -> None:
        pass


class Job:
    """The streaming job and the Prism process it runs on; ``state`` never raises."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        external = streaming.external_job_service(config.pipeline_args)
        self.prism = None if external else PrismProcess(streaming.prism_binary(config.prism))
        self.result: Any = None
        self.started = 0.0
        self.pool: Any = None  # the worker processes' pool, with more than one worker

    def start(self) -> None:
        if self.prism is not None and not self.prism.alive():
            self.prism.start()
        c = self.config
        endpoint = self.prism.endpoint if self.prism is not None else None
        if c.workers > 1 and self.pool is None:
            self.pool = WorkerPool()
        self.result = streaming.start(c.bootstrap, c.watchlist, c.archive, endpoint, c.topics, c.pipeline_args,
                                      archive_format=c.archive_format, workers=c.workers,
                                      pool=self.pool.address if self.pool is not None else None)
        self.started = time.monotonic()

    @property
    def state(self) -> str:
        if self.result is None:
            return "NOT STARTED"
        if self.prism is not None and not self.prism.alive():
            return "FAILED"
        if self.pool is not None and self.pool.lost():  # the job may stall rather than fail: restart it
            return "FAILED"
        try:
            return str(self.result.state)
        except Exception:  # the job service's channel is gone: the job with it
            return "UNKNOWN"

    def cancel(self) -> None:
        if self.prism is not None:
            self.prism.stopping.set()
        if self.result is not None:
            try:
                self.result.cancel()
            except Exception:  # already ended
                pass
            self.result = None

    def close(self) -> None:
        self.cancel()
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.prism is not None:
            self.prism.stop()


def fence_job_sends(timeout: float = FENCE_TIMEOUT_S) -> int:
    """Fence the producers of an ended job's sinks (``Publisher.fence``); returns how many records were
    abandoned unacknowledged.

    A job that fails leaves its steps running in this process's worker threads: alerts it handed to its
    producer may still be on their way, and a step cut short may hand over more. A restarted job reads the
    alerts already sent and sends the rest, so an old send that landed after that read would put an alert in
    the raw topic twice. Fencing waits for everything handed over to be acknowledged (a record the broker
    could not take in ``timeout`` is abandoned: its story is not committed, so the restarted job sends it),
    and refuses any later send or flush (not retriable, so an old step stops rather than retries): nothing of
    the ended job lands after this returns, except a request already on the wire when the broker was away."""
    abandoned = 0
    for publisher in open_publishers():
        if publisher.client_id in JOB_CLIENTS:  # not ingest's or the delivery step's
            abandoned += publisher.fence(timeout)
    if abandoned:
        log.warning("an ended job's producers were fenced with records unacknowledged; the restarted job sends them",
                    extra={"records": abandoned})
    return abandoned


def forget_job_faults() -> None:
    """Drop the faults the ended job's steps reported: a fenced step stops retrying without clearing its fault,
    which would hold /health down for good. A step still meeting one (ingest, the restarted job) reports it
    again at its next attempt; the service's own lag check keeps its own."""
    for fault in FAULTS.active():
        if fault.kind != LAG_FAULT:
            FAULTS.cleared(fault.kind)


class Collector:
    """The cyclic garbage collector tuned for a long-running job (GC_THRESHOLD): ``start`` at the service's
    start, then ``tick`` until the first story is archived freezes what exists by then (``gc.freeze``: the
    tables the job's steps loaded in their setup are no longer walked; they live as long as the process)."""

    def __init__(self) -> None:
        self.frozen = False

    def start(self) -> None:
        gc.set_threshold(*GC_THRESHOLD)

    def tick(self) -> None:
        if not self.frozen and (metrics.REGISTRY.get_sample_value("wirewatch_stories_out_total") or 0) > 0:
            gc.freeze()
            self.frozen = True


class Service:
    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.stop = threading.Event()
        self.job = Job(config)
        self.restarts = 0
        self.delivery: Any = None  # the delivery step's thread, with --subscriptions
        self.collector = Collector()

    def health(self) -> tuple[bool, str]:
        state = self.job.state
        lines = [f"pipeline {state.lower()}"]
        lines += [f"retrying {f.kind} since {f.since.isoformat(timespec='seconds')} ({f.attempts} attempts): {f.error}"
                  for f in FAULTS.active()]
        ok = state == "RUNNING" and not self.stop.is_set() and not FAULTS.active()
        lease = getattr(self, "lease", None)
        if lease is not None and lease.lost.is_set():
            ok, lines = False, lines + ["instance lease lost: another instance may be processing this group"]
        if self.delivery is not None:
            delivered, text = self.delivery.health()
            ok, lines = ok and delivered, lines + [text]
        return ok, "\n".join(lines)

    def _check_lag(self) -> None:
        """The consumer lag for /metrics; a broker that does not answer is a fault on /health while it lasts,
        also when no step of the job happens to be waiting on it (a reader that finds the broker away only
        reads nothing)."""
        try:
            update_lag(self.config.bootstrap, self.config.topics)
        except Exception as exc:
            if not is_transient(exc):
                log.warning("consumer lag unavailable", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
                return
            FAULTS.failed(LAG_FAULT, exc)
            return
        FAULTS.cleared(LAG_FAULT)  # a fault of its own kind: a step still waiting on the broker keeps its own

    def _start_job(self) -> None:
        """Start the job, retrying with backoff (Kafka away, Prism slow to come up) until it runs or a stop."""
        attempt = 0
        while not self.stop.is_set():
            try:
                self.job.start()
                return
            except Exception as exc:
                attempt += 1
                delay = self.config.restart_backoff.delay(attempt)
                log.error("pipeline did not start; retrying", extra={"error": f"{type(exc).__name__}: {exc}"[:500],
                                                                    "retry_in_s": round(delay, 1)})
                self.job.close()
                fence_job_sends()
                forget_job_faults()
                self.stop.wait(delay)

    def _supervise(self) -> None:
        """Restart the job when it ends without being asked to, with backoff that resets after a good run."""
        state = self.job.state
        if state not in ENDED and state != "NOT STARTED":
            return
        ran = time.monotonic() - self.job.started
        self.restarts = 1 if ran >= HEALTHY_AFTER_S else self.restarts + 1
        delay = self.config.restart_backoff.delay(self.restarts)
        metrics.PIPELINE_RESTARTS.inc()
        log.error("pipeline ended; restarting", extra={"state": state, "ran_s": round(ran, 1),
                                                       "restart": self.restarts, "retry_in_s": round(delay, 1)})
        self.job.close()
        fence_job_sends()  # before the restarted job reads the alerts sent (a stop needs no fence: the process ends)
        forget_job_faults()
        if not self.stop.wait(delay):
            self._start_job()

    def _drain(self) -> None:
        """With ingest stopped, wait until the group's commits reach the end of the stories topic (all that
        was read is delivered and committed), or stop moving, at most ``drain_timeout``; then cancel."""
        deadline = time.monotonic() + self.config.drain_timeout
        last: dict[int, int] | None = None
        still_since = time.monotonic()
        drained = False
        while time.monotonic() < deadline and self.job.state == "RUNNING":
            try:
                lag = update_lag(self.config.bootstrap, self.config.topics)
            except Exception:  # the broker is away: what was not committed is read again at the next start
                break
            if not any(lag.values()):
                drained = True
                break
            if lag != last:
                last, still_since = lag, time.monotonic()
            elif time.monotonic() - still_since >= SETTLE_S:
                break
            time.sleep(0.2)
        if drained:
            log.info("drained: everything read was delivered and committed")
        else:
            log.warning("stopping before every story was committed; the rest is read again at the next start",
                        extra={"lag": sum((last or {}).values())})
        FAULTS.stopping.set()  # a step still waiting out a fault gives up: nothing of it is committed
        # From here on, the runner's streams close under Beam's worker threads: expected, not errors.
        threading.excepthook = _quiet_worker_shutdown
        sys.stderr = _QuietStream()  # type: ignore[assignment]
        for name in ("apache_beam.runners.worker", "apache_beam.runners.portability"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        self.job.close()
        close_publishers()

    def run(self) -> int:
        config = self.config
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        delivery = _delivery(config) if config.subscriptions else None  # a bad file stops the start here
        ensure_topics(config.bootstrap, topic_specs(config.story_partitions, config.topics))
        lease = InstanceLease(config.bootstrap, config.topics)
        lease.acquire()  # a second instance on this group stops here, saying why
        self.lease = lease
        server = console.serve_with_service(config.archive, config.metrics_host, config.metrics_port, self.health,
                                            config.watchlist, config.bootstrap, config.topics.alerts,
                                            token=config.console_token, subscriptions=config.subscriptions)
        publisher = Publisher(config.bootstrap, client_id="wirewatch-ingest", topics=config.topics)
        watcher = FolderWatcher(config.watch, publisher, quiet=config.drop_quiet, state_dir=config.drop_state)
        loops: list[Any] = [watcher]
        if config.feeds:
            from wirewatch.pipelines.feedloop import FeedLoop

            loops.append(FeedLoop(config.feeds, None, publisher))
        if config.compact_every > 0 and config.archive_format == "parquet":
            loops.append(CompactEvery(config.archive, config.compact_every))
        self.collector.start()
        try:
            self._start_job()
            log.info("service up", extra={"bootstrap": config.bootstrap,
                                          "metrics": f"{server.url}/metrics", "console": f"{server.url}/"})
            threads = [threading.Thread(target=loop.run, name=type(loop).__name__, daemon=True) for loop in loops]
            for thread in threads:
                thread.start()
            if delivery is not None:
                self.delivery = delivery.start()
            if config.paths and not self.stop.is_set():
                counts = ingest_files(expand_paths(config.paths), publisher)
                log.info("ingested", extra={"files": counts.files, "stories": counts.stories,
                                            "dead_letters": counts.dead_letters})
            next_lag = 0.0
            while not self.stop.wait(TICK_S):
                self._supervise()
                self.collector.tick()
                if time.monotonic() >= next_lag:
                    next_lag = time.monotonic() + LAG_EVERY_S
                    self._check_lag()
        finally:
            for loop in loops:
                loop.stop()
            self._drain()
            if self.delivery is not None:
                self.delivery.close()
            try:
                publisher.close()
            except Exception as exc:
                log.warning("ingest publisher closed with records unacknowledged",
                            extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
            server.shutdown()
            lease.release()
            log.info("service stopped")
        return 0

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if self.stop.is_set():
            return
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        self.stop.set()


def _delivery(config: ServiceConfig) -> Any:
    """The delivery step as a thread of the service: its own consumer group on the alerts topic. The
    subscriptions file is checked here, before anything starts."""
    from wirewatch.pipelines.subscriberscli import DeliveryThread, open_deliverer
    from wirewatch.pipelines.subscriptionfile import load_subscriptions

    subscriptions = config.subscriptions
    assert subscriptions is not None
    load_subscriptions(subscriptions)
    return DeliveryThread(lambda: open_deliverer(subscriptions, config.delivery_state, config.bootstrap,
                                                 config.topics, config.delivery_unhealthy_after))


def run(config: ServiceConfig) -> int:
    return Service(config).run()
