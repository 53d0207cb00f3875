"""Serving an ASGI app (Starlette) with uvicorn from a daemon thread of the service, on a socket bound before
the thread starts: a taken port fails at once in the caller, and port 0 reports the port it got."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Callable

import uvicorn

STARTUP_S = 10.0


class WebServer:
    """The running server: ``server_port``, and ``shutdown()`` (open event streams are cut, not awaited)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.on_shutdown: list[Callable[[], None]] = []  # run after the server stopped (say, a Kafka follower's stop)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host, port))
        except OSError:
            self.socket.close()
            raise
        self.socket.listen(128)
        self.host, self.server_port = host, self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]},
                                       name="wirewatch-http", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + STARTUP_S
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.server_port}"

    def shutdown(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
        for stop in self.on_shutdown:
            stop()
