"""Real HTTP servers on 127.0.0.1 for the fetch and poller tests, each started and stopped by a test.

A route is a function of the request handler; it writes whatever the test needs (well-formed or not).
The server records every request and the most requests it ever had in flight at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Mapping

Route = Callable[["Handler"], None]


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]  # names lower-cased


class Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        srv = self.server.owner
        with srv.lock:
            srv.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            srv.active += 1
            srv.max_active = max(srv.max_active, srv.active)
        try:
            route = srv.routes.get(self.path.split("?", 1)[0])
            if route is None:
                send(self, 404, b"no such route")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up on purpose (a cap or a deadline): that is what some tests check
        finally:
            with srv.lock:
                srv.active -= 1

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "LocalServer"


class LocalServer:
    def __init__(self, routes: Mapping[str, Route] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.active = self.max_active = 0
        self.sent = 0  # bytes that streaming routes managed to write
        self._httpd = _Server((host, 0), Handler)
        self._httpd.owner = self
        self.host, self.port = host, self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> "LocalServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def count(self, n: int) -> None:
        with self.lock:
            self.sent += n

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
    h.send_response(status)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def stream(h: Handler, chunk: bytes, times: int, headers: Mapping[str, str], pause: float = 0.0) -> None:
    """Send ``chunk`` up to ``times`` times without a Content-Length (the body ends at close)."""
    h.send_response(200)
    for name, value in headers.items():
        h.send_header(name, value)
    h.send_header("Connection", "close")
    h.end_headers()
    for _ in range(times):
        h.wfile.write(chunk)
        h.server.owner.count(len(chunk))
        if pause:
            h.wfile.flush()
            time.sleep(pause)
