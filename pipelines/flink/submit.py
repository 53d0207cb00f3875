"""``wirewatch process --engine flink``: submit the streaming job (pipelines/flink/job.py) to a Flink cluster
with Flink's own ``flink run``, from PyFlink's environment (scripts/flink setup makes one). In process mode the
wirewatch package is shipped with the job (a copy with the layout's links resolved), so the TaskManagers need
only its dependencies; in thread mode they run the wirewatch installed beside PyFlink. Wiring only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import wirewatch
from wirewatch.connectors.kafka.topics import Topics, ensure_topics, topic_specs
from wirewatch.pipelines.toolcache import tool_cache

PACKAGE = Path(wirewatch.__file__).resolve().parent  # the import package (in a checkout, links to the layers)
KAFKA_JAR = "flink-sql-connector-kafka-5.0.0-2.2.jar"
ENV_PYTHON = "WIREWATCH_FLINK_PYTHON"
ENV_KAFKA_JAR = "WIREWATCH_FLINK_KAFKA_JAR"


class FlinkNotFound(RuntimeError):
    retriable = False


class SubmitFailed(RuntimeError):
    retriable = True  # a cluster that is starting or restarting may take the job a moment later


@dataclass(frozen=True)
class FlinkJob:
    master: str  # the cluster's REST address HOST:PORT
    bootstrap: str
    topics: Topics
    rules: tuple[str, ...] = ()
    archive: str = ""
    parallelism: int = 2
    mode: str = "thread"  # PyFlink's python.execution-mode: thread (in the TaskManager JVM) or process
    checkpoint_ms: int = 500
    name: str = "wirewatch"
    fused: bool = False  # the per-cluster steps inside the one-key step (job.py --fused)


def _cache() -> Path:
    return tool_cache() / "flink"


def flink_python(explicit: str | None = None) -> Path:
    """A Python with PyFlink: --flink-python, $WIREWATCH_FLINK_PYTHON, or the one scripts/flink sets up."""
    for candidate in (explicit, os.environ.get(ENV_PYTHON), str(_cache() / "venv" / "bin" / "python")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FlinkNotFound("no Python with PyFlink found: run scripts/flink setup, or set $WIREWATCH_FLINK_PYTHON")


def kafka_jar() -> Path:
    jar = Path(os.environ.get(ENV_KAFKA_JAR) or _cache() / "jars" / KAFKA_JAR)
    if not jar.is_file():
        raise FlinkNotFound(f"Flink's Kafka connector {jar} is missing: run scripts/flink setup, or set ${ENV_KAFKA_JAR}")
    return jar


def stage(into: Path) -> Path:
    """A copy of the wirewatch package (links resolved, no caches): what the job's workers import."""
    shutil.copytree(PACKAGE, into / "wirewatch", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
    return into


def command(job: FlinkJob, python: Path, staged: Path) -> list[str]:
    site = _site_packages(python)
    # Thread mode runs Python inside the TaskManager's JVM, whose interpreter is the base Python, not the
    # environment: it finds PyFlink (pemja), our dependencies and wirewatch itself only through
    # python.pythonpath, and keeps what it imported for the TaskManager's life, so it runs the wirewatch
    # installed there (scripts/flink up installs this checkout's). Process mode starts fresh Python workers
    # per job and runs the copy shipped with it.
    args = [str(site / "pyflink" / "bin" / "flink"), "run", "--detached", "-m", job.master,
            "-py", str(staged / "wirewatch" / "pipelines" / "flink" / "job.py"),
            *(["-pyfs", str(staged)] if job.mode == "process" else []), "-pyexec", str(python), "-pyclientexec", str(python),
            "--jarfile", str(kafka_jar()), f"-Dpython.execution-mode={job.mode}",
            *([f"-Dpython.pythonpath={site}"] if job.mode == "thread" else []), "--",
            "--bootstrap", job.bootstrap, "--stories", job.topics.stories, "--alerts", job.topics.alerts,
            "--deadletter", job.topics.deadletter, "--group", job.topics.group,
            "--parallelism", str(job.parallelism), "--checkpoint-ms", str(job.checkpoint_ms), "--name", job.name]
    if job.fused:
        args.append("--fused")
    for rules in job.rules:
        args += ["--rules", str(Path(rules).resolve())]
    if job.archive:
        args += ["--archive", str(Path(job.archive).resolve())]
    return args


def _site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def submit(job: FlinkJob, python: str | None = None, partitions: int = 3) -> str:
    """Create the topics if missing, submit the job detached, and return its Flink job id."""
    ensure_topics(job.bootstrap, topic_specs(partitions, job.topics))
    py = flink_python(python)
    if job.archive:
        Path(job.archive).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wirewatch-flink-") as tmp:
        staged = stage(Path(tmp))
        env = dict(os.environ, PYTHONPATH=str(staged))  # the client builds the job graph from the same copy
        done = subprocess.run(command(job, py, staged), capture_output=True, text=True, env=env)
    found = re.search(r"JobID ([0-9a-f]{32})", done.stdout + done.stderr)
    if done.returncode != 0 or not found:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise SubmitFailed(f"flink run exited {done.returncode} without a job id:\n{tail}")
    return found.group(1)


def cancel(master: str, job_id: str, python: str | None = None) -> None:
    flink = _site_packages(flink_python(python)) / "pyflink" / "bin" / "flink"
    subprocess.run([str(flink), "cancel", "-m", master, job_id], capture_output=True, check=False)


__all__ = ["FlinkJob", "FlinkNotFound", "SubmitFailed", "cancel", "flink_python", "kafka_jar", "submit"]
