"""A real webhook receiver on 127.0.0.1 for the delivery tests: it records every POST (headers, body) and
answers as the test says (a status, headers, a body; or no answer at all, for timeouts)."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_c2VjcmV0LXRoYXQtaXMtYmVpbmctcm90YXRlZA=="


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    hang: float = 0.0  # seconds to wait before answering (past the client's timeout: no answer)


Script = Callable[[Received, int], Answer]  # (the request, how many came before it) -> the answer


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
        owner = self.server.owner
        with owner.lock:
            n = len(owner.requests)
            owner.requests.append(got)
        answer = owner.script(got, n)
        if answer.hang and owner.release.wait(answer.hang):
            return
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a body it would not read)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of deliveries at once is what the tests send
    owner: "Receiver"


class Receiver:
    def __init__(self, script: Script | None = None, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None,
                 name: str | None = None) -> None:
        self.script: Script = script or (lambda got, n: Answer())
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.release = threading.Event()  # set at the end: hanging handlers return at once
        self.server = _Server((host, 0), _Handler)
        self.server.owner = self
        if tls is not None:  # HTTPS, for the name ``name`` its certificate is for
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{name or host}:{self.server.server_port}/hook"

    def __enter__(self) -> "Receiver":
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.requests]
