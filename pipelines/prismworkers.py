"""More than one Python worker for the streaming job on Prism (``wirewatch process --workers N``).

Prism 2.77 starts exactly one SDK worker per environment of a pipeline (internal/execute.go, RunPipeline),
so a second worker needs a second environment. Here the per-story steps that are pure functions (normalize,
fingerprint, countries and regions, rules, the alerts of a story) are given environments of their own by a
resource hint, and the service's worker pool starts each such environment's worker as a process of its own.
The default environment's worker stays a thread of the service, as with LOOPBACK: it runs the Kafka reads,
the keyed state, the sinks and the offset commits, so the service's metrics and fault reports stay where
/metrics and /health read them. The split is by step, not by story: every story passes every worker.

A worker killed fails the Prism job; the service restarts it as after any other failure, and the stories not
yet committed are read again (the same alert ids, as after a broker fault).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import apache_beam as beam

log = logging.getLogger(__name__)

# Our own resource hint: Prism gives each distinct set of hints an environment of its own and reads nothing
# else from it.
HINT = "wirewatch:resources:worker:v1"
DEFAULT_ENVIRONMENT = "default_environment"  # in the worker id Prism asks the pool for
# The pure per-story steps of pipelines/streaming.py, by the start of their full labels, in two groups: with
# 2 workers both groups share the second worker, with 3 each has one.
GROUPS = (
    ("EnrichStories/NormalizeStories", "EnrichStories/DedupeStories/Fingerprint"),
    ("EnrichStories/ClassifyRegions", "EnrichStories/MatchRules", "RaiseAlerts/"),
)
MAX_WORKERS = len(GROUPS) + 1


class WorkersError(ValueError):
    """A --workers value the job cannot honour. Not retriable: change the command."""

    retriable = False


def check_workers(workers: int) -> int:
    if not 1 <= workers <= MAX_WORKERS:
        raise WorkersError(f"--workers {workers}: from 1 to {MAX_WORKERS} (the service process's worker, and "
                           f"one for each of the {len(GROUPS)} groups of per-story steps)")
    return workers


def place_steps(p: beam.Pipeline, workers: int) -> dict[str, int]:
    """Give the pure steps of ``p`` the environments of ``workers - 1`` extra workers; returns how many
    transforms each prefix of GROUPS matched (every one must match: the step names are the contract)."""
    import apache_beam as beam

    check_workers(workers)
    matched = {prefix: 0 for group in GROUPS for prefix in group}
    if workers == 1:
        return matched
    worker_of = {prefix: 1 + min(index, workers - 2) for index, group in enumerate(GROUPS) for prefix in group}

    class Place(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node: Any) -> None:
            for prefix, worker in worker_of.items():
                if node.full_label.startswith(prefix):
                    node.resource_hints = {**node.resource_hints, HINT: f"worker-{worker}".encode()}
                    matched[prefix] += 1

    p.visit(Place())
    missing = [prefix for prefix, count in matched.items() if not count]
    if missing:
        raise WorkersError(f"no step of the streaming job is named {', '.join(missing)}: "
                           "pipelines/prismworkers.py GROUPS must follow pipelines/streaming.py")
    return matched


class WorkerPool:
    """The worker pool Prism asks for workers (the job's ``--environment_config``): the default environment's
    worker as a thread of this process, as with LOOPBACK, any other as a child process. ``close`` stops it
    and ends the worker processes still running."""

    def __init__(self) -> None:
        import grpc
        from apache_beam.portability.api import beam_fn_api_pb2_grpc
        from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer
        from apache_beam.utils import thread_pool_executor

        class Pool(BeamFnExternalWorkerPoolServicer):
            def StartWorker(self, request: Any, context: Any) -> Any:
                if DEFAULT_ENVIRONMENT in request.worker_id:
                    return super().StartWorker(request, context)  # use_process=False: a thread of the service
                return _start_process(self._worker_processes, request)

        self.servicer = Pool(use_process=False, state_cache_size=0, data_buffer_time_limit_ms=-1)
        self.server = grpc.server(thread_pool_executor.shared_unbounded_instance())
        self.address = f"localhost:{self.server.add_insecure_port('localhost:0')}"
        beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(self.servicer, self.server)
        self.server.start()

    def lost(self) -> bool:
        """Whether a worker process ended without being asked to (Prism pops a worker it stops). Prism does
        not always fail the job when a worker dies: seen, a job that stalled instead, so the service asks."""
        return any(process.poll() is not None for process in self.processes().values())

    def processes(self) -> dict[str, subprocess.Popen]:
        """Worker id -> the worker processes started so far (also those that have ended)."""
        return dict(self.servicer._worker_processes)

    def close(self) -> None:
        self.server.stop(1)
        for process in self.processes().values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes().values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _start_process(processes: dict, request: Any) -> Any:
    from apache_beam.portability.api import beam_fn_api_pb2

    command = [sys.executable, "-m", "wirewatch.pipelines.prismworker", "--id", request.worker_id,
               "--control", request.control_endpoint.url, "--parent", str(os.getpid())]
    try:  # its output goes to our stderr: nothing reads a pipe, and a full one would stop it
        process = subprocess.Popen(command, stdout=2)
    except OSError as exc:
        return beam_fn_api_pb2.StartWorkerResponse(error=f"worker process did not start: {exc}")
    processes[request.worker_id] = process
    log.info("worker process started", extra={"worker": request.worker_id, "pid": process.pid})
    return beam_fn_api_pb2.StartWorkerResponse()


def short_id_base(worker_id: str) -> int:
    """Where a worker's metric short ids start. Prism 2.77 keeps one table of short ids per job, and every
    Python worker numbers its own from 1: a second worker's ids would name the first's metrics, and Prism
    fails the bundle decoding one as the other. Each worker starts at its own multiple of 2**20."""
    return (1 + zlib.crc32(worker_id.encode()) % 4095) << 20


def main(argv: list[str] | None = None) -> None:
    """A worker process: Beam's SDK harness, its short ids moved out of the other workers' way."""
    from apache_beam.runners.worker import sdk_worker

    from wirewatch.pipelines import logs
    from wirewatch.pipelines.beamoptions import SERVICE_SAMPLING_MS, sample_bundles_every

    ap = argparse.ArgumentParser(prog="wirewatch-prism-worker")
    ap.add_argument("--id", required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--parent", type=int, help="end when this process (the service) is gone")
    args = ap.parse_args(argv)
    logs.setup(held=True)
    sample_bundles_every(SERVICE_SAMPLING_MS)  # as the service's own worker does (pipelines/streaming.py)
    if args.parent:
        threading.Thread(target=_end_with, args=(args.parent,), name="end-with-service", daemon=True).start()
    sdk_worker.SHORT_ID_CACHE._last_short_id = short_id_base(args.id)
    sdk_worker.SdkHarness(args.control, worker_id=args.id, state_cache_size=0, data_buffer_time_limit_ms=-1).run()


def _end_with(parent: int) -> None:
    """Exit once ``parent`` has gone, however it went (a service killed with -9 runs no clean-up; the
    kernel's parent-death signal would fire when the pool thread that started us ends, not the service)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)
