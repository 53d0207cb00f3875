"""``scripts/kafka status`` and ``up`` without $PYTHON: the readiness check finds the project's Python
(bootstrap's $WIREWATCH_VENV, then <repo>/.venv) instead of failing on python3's missing kafka-python."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "kafka"
BASE_PATH = "/usr/bin:/bin"  # coreutils and bash, but no venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_kafka_python(bin_dir: Path) -> str:
    """A PATH whose python3 cannot import anything (as a system Python without kafka-python)."""
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text("#!/bin/sh\necho 'ModuleNotFoundError: no kafka here' >&2\nexit 1\n")
    fake.chmod(0o755)
    return f"{bin_dir}:{BASE_PATH}"


def run(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "PATH")}
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120,
                          env={**base, **env})


def test_status_without_python_uses_bootstraps_environment(tmp_path):
    calls = tmp_path / "calls"
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    wrapper = venv / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    port = free_port()
    done = run(SCRIPT, "status", PATH=no_kafka_python(tmp_path / "bin"), WIREWATCH_VENV=str(venv),
               WIREWATCH_KAFKA_PORT=str(port), WIREWATCH_CACHE=str(tmp_path / "cache"))
    assert done.returncode == 1, done.stderr  # nothing listens on that port
    assert done.stdout.startswith(f"not running (no broker started by this script on port {port})")
    assert "Error" not in done.stderr and "cannot import" not in done.stderr, done.stderr
    assert f"- 127.0.0.1:{port}" in calls.read_text()  # the metadata check ran with that environment's python


def test_without_any_kafka_python_status_says_so_and_up_stops_before_starting(tmp_path):
    repo = tmp_path / "repo"  # a checkout with no .venv yet
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "scripts" / "kafka")
    path = no_kafka_python(tmp_path / "bin")
    env = {"PATH": path, "WIREWATCH_VENV": "", "WIREWATCH_KAFKA_PORT": str(free_port()), "WIREWATCH_CACHE": str(tmp_path / "cache")}
    status = run(repo / "scripts" / "kafka", "status", **env)
    assert status.returncode == 1
    assert status.stdout.startswith("not running")
    assert "no Python with kafka-python for the readiness check: run scripts/bootstrap" in status.stderr
    up = run(repo / "scripts" / "kafka", "up", **env)
    assert up.returncode == 1 and up.stdout == ""
    assert "no Python with kafka-python" in up.stderr
    assert not (tmp_path / "cache").exists()  # it stopped before fetching or starting anything


@pytest.mark.kafka
def test_status_without_python_sees_a_running_broker():
    address = os.environ.get("WIREWATCH_KAFKA", "")
    if not address:
        pytest.skip("no Kafka broker: set WIREWATCH_KAFKA")
    port = address.rpartition(":")[2]
    done = run(SCRIPT, "status", PATH=BASE_PATH, WIREWATCH_KAFKA_PORT=port)  # finds $WIREWATCH_VENV or .venv
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert f"127.0.0.1:{port}" in done.stdout and "answers" in done.stdout and "NOT" not in done.stdout
