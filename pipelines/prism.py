"""Beam's Prism runner as a child process this service owns: started in a session of its own (a Ctrl-C at
the terminal reaches the service, which drains and stops the job, not Prism first), killed by the kernel
if the service dies however it dies (PR_SET_PDEATHSIG), and stopped with the service."""

from __future__ import annotations

import ctypes
import logging
import signal
import socket
import subprocess
import threading
import time
from typing import IO

log = logging.getLogger("wirewatch.prism")
PR_SET_PDEATHSIG = 1


class PrismUnavailable(RuntimeError):
    """Prism did not start or stopped answering. Retriable: the service starts it again."""

    retriable = True


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: the kernel sends SIGKILL when the service's thread that
    started it ends, so a ``kill -9`` of the service never leaves Prism behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _relay(stream: IO[bytes], stopping: threading.Event) -> None:
    """Prism's own log lines go to ours: warnings and errors as warnings (debug once the service is
    stopping it: a cancelled bundle is then expected), the rest at debug."""
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip()
        if not line:
            continue
        loud = ('"level":"ERROR"' in line or '"level":"WARN"' in line) and not stopping.is_set()
        log.log(logging.WARNING if loud else logging.DEBUG, "prism", extra={"prism": line[:2000]})


class PrismProcess:
    def __init__(self, binary: str, startup_timeout: float = 60.0) -> None:
        self.binary, self.startup_timeout = binary, startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    @property
    def endpoint(self) -> str:
        return f"localhost:{self.port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> "PrismProcess":
        self.port = _free_port()
        self.stopping = threading.Event()
        self.process = subprocess.Popen(
            [self.binary, "--job_port", str(self.port), "--log_level", "warn", "--log_kind", "json",
             "--serve_http=false"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        assert self.process.stdout is not None
        threading.Thread(target=_relay, args=(self.process.stdout, self.stopping), name="prism-log", daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise PrismUnavailable(f"Prism exited at start with status {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                log.debug("prism up", extra={"endpoint": self.endpoint, "pid": self.process.pid})
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise PrismUnavailable(f"Prism did not listen on port {self.port} within {self.startup_timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None
