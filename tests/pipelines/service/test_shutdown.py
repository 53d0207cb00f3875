"""Stopping the service the ways people do: Ctrl-C in a terminal (a real pseudo-terminal, so the signal
goes to the whole foreground process group as it does for a person), SIGTERM from a supervisor, and
``kill -9``. The first two drain, commit and exit 0 with nothing but log lines; after the last, no Prism
process is left behind."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import orjson

from tests.conftest import ROOT, SEED
from tests.kafkakit import free_port, wait_for
from tests.pipelines.service.test_service import SEED_RULES, alerts, lag, start

EXE = str(Path(sys.executable).with_name("wirewatch"))


def read_until(fd: int, seconds: float, out: bytearray, done=lambda b: False) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not done(out):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            out.extend(chunk)


def only_log_lines(output: bytes) -> list[str]:
    """Lines of the terminal output that are not JSON log lines (the echoed ^C aside)."""
    odd = []
    for line in output.decode("utf-8", "replace").replace("^C", "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError:
            odd.append(line)
    return odd


def test_ctrl_c_in_a_terminal_drains_and_exits_zero_quietly(fresh_topics, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the service, in the terminal's foreground process group
        os.execve(EXE, [EXE, "run", str(SEED), "--archive", str(tmp_path / "archive"), "--metrics-port", "0"], env)
    out = bytearray()
    try:
        read_until(fd, 120, out, lambda b: all(r.encode() in b for r in SEED_RULES))
        assert all(r.encode() in out for r in SEED_RULES), out.decode(errors="replace")[-3000:]
        wait_for(lambda: lag(fresh_topics) == 0, timeout=30, what="offsets committed")
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT to the foreground process group
        read_until(fd, 60, out)
        _, status = os.waitpid(pid, 0)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)
    text = out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-3000:]
    assert only_log_lines(bytes(out)) == [], text[-3000:]
    assert '"msg":"drained: everything read was delivered and committed"' in text
    assert '"msg":"service stopped"' in text


def test_sigterm_exits_zero_without_tracebacks(fresh_topics, tmp_path):
    log = tmp_path / "service.log"
    service = start("run", str(SEED), "--archive", str(tmp_path / "archive"), "--metrics-port", "0", log=log)
    wait_for(lambda: SEED_RULES <= {a["rule"] for a in alerts(fresh_topics)}, timeout=120, what="the seed's alerts")
    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=60) == 0, log.read_text()[-3000:]
    assert only_log_lines(log.read_bytes()) == [], log.read_text()[-3000:]


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_the_service_leaves_no_prism_behind(fresh_topics, tmp_path):
    log = tmp_path / "service.log"
    service = start("process", "--archive", str(tmp_path / "archive"), "--metrics-port", str(free_port()), log=log)
    try:
        prism = wait_for(lambda: {p for p in children(service.pid)
                                  if "prism" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")},
                         timeout=60, what="the Prism child")
    finally:
        service.kill()
        service.wait(timeout=30)
    wait_for(lambda: not any(alive(p) for p in prism), timeout=10, what="Prism to die with the service")
