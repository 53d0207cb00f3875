"""The pieces of pipelines/prismworkers.py that need no broker (the rest: tests/pipelines/service/test_workers.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wirewatch.pipelines.prismworkers import MAX_WORKERS, WorkerPool, WorkersError, check_workers, short_id_base


def test_workers_from_one_to_one_more_than_the_groups():
    assert [check_workers(n) for n in range(1, MAX_WORKERS + 1)] == list(range(1, MAX_WORKERS + 1))
    for bad in (0, -1, MAX_WORKERS + 1):
        with pytest.raises(WorkersError, match="from 1 to"):
            check_workers(bad)


def test_each_worker_numbers_its_metric_short_ids_apart():
    ids = [f"job-{j:03d}[job]_ref_Environment_environment_with_resource_hints_{e}" for j in range(1, 4)
           for e in range(2, 4)]
    bases = [short_id_base(i) for i in ids]
    assert len(set(bases)) == len(bases)
    # past the ids the service's own worker gives out from 1, and apart by more than any worker gives out
    assert min(bases) >= 1 << 20 and all(b % (1 << 20) == 0 for b in bases) and max(bases) < 1 << 32


def test_the_pool_reports_a_worker_process_that_ended_unasked():
    pool = WorkerPool()
    try:
        assert not pool.lost()
        alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        pool.servicer._worker_processes["alive"] = alive
        assert not pool.lost()
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        pool.servicer._worker_processes["gone"] = gone  # as a worker killed with -9 leaves it
        assert pool.lost()
    finally:
        pool.close()
    assert alive.poll() is not None  # close ends the workers still running
