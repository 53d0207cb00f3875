"""``wirewatch process --engine flink``: the command-line side of the Flink engine (options, submit, print)."""

from __future__ import annotations

import argparse
import sys


def add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("beam", "flink"), default="beam",
                   help="beam: the Beam pipeline on Prism, run by this process (default); flink: submit the same "
                        "chain as a job to the Flink cluster at --flink-master and return")
    p.add_argument("--flink-master", metavar="HOST:PORT", default="127.0.0.1:8081",
                   help="the Flink cluster's REST address (scripts/flink up prints it)")
    p.add_argument("--flink-parallelism", type=int, default=2, metavar="N", help="the job's parallelism")
    p.add_argument("--flink-mode", choices=("thread", "process"), default="thread",
                   help="PyFlink's Python execution mode: thread (inside the TaskManagers, faster; they need "
                        "python.pythonpath set, as scripts/flink does) or process (a Python worker per slot)")
    p.add_argument("--flink-python", metavar="PATH",
                   help="a Python with PyFlink (default: $WIREWATCH_FLINK_PYTHON, else scripts/flink's)")
    p.add_argument("--flink-fused", action="store_true",
                   help="run the per-cluster steps (lineage, rules, archive, alerts) inside the one-key cluster "
                        "step: less CPU a story where cores are few, but that work is then not N-wide")
    p.add_argument("--flink-checkpoint-ms", type=int, default=500, metavar="MS",
                   help="checkpoint interval: alerts become visible in Kafka when the checkpoint after them commits")


def run(args: argparse.Namespace) -> int:
    from wirewatch.connectors.kafka.topics import Topics, bootstrap_servers  # the Kafka client: not at start-up
    from wirewatch.pipelines.flink.submit import FlinkJob, FlinkNotFound, SubmitFailed, submit

    job = FlinkJob(master=args.flink_master, bootstrap=bootstrap_servers(args.bootstrap),
                   topics=Topics.from_env(getattr(args, "topic_prefix", None)), rules=tuple(args.rules or ()),
                   archive=args.archive, parallelism=args.flink_parallelism, mode=args.flink_mode,
                   checkpoint_ms=args.flink_checkpoint_ms, fused=args.flink_fused)
    try:
        job_id = submit(job, args.flink_python)
    except (FlinkNotFound, SubmitFailed) as exc:
        print(f"wirewatch: {exc}", file=sys.stderr)
        return 1
    print(f"submitted Flink job {job_id} to {job.master} (parallelism {job.parallelism}, {job.mode} mode); "
          f"follow it at http://{job.master}/#/job/running/{job_id}, stop it with flink cancel {job_id}")
    return 0
