"""Deadlines, size caps and redirects, each against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib

import pytest

from wirewatch.connectors.http.model import FetchError, FetchResult
from tests.connectors.http.helpers import client, fetch
from tests.connectors.http.servers import Handler, LocalServer, send, stream

MB = 1024 * 1024


def drip_headers(h: Handler) -> None:
    """A status line, then one header byte at a time with a pause: alive, but never done."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(100):
        h.wfile.write(b"a")
        h.wfile.flush()
        time.sleep(0.3)


def drip_body(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(1000):
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.3)


def silent(h: Handler) -> None:
    time.sleep(3)


@pytest.mark.parametrize("route", [drip_headers, drip_body])
def test_slow_drip_is_cut_at_the_total_deadline(server: LocalServer, route) -> None:
    # Each byte arrives well within the read timeout; only the total deadline can end this.
    server.routes["/drip"] = route
    result = fetch(client(read_timeout=2.0, total_timeout=1.0), server.url("/drip"))
    assert isinstance(result, FetchError)
    assert result.kind == "total_timeout" and result.retriable
    assert "total deadline of 1s" in result.reason


def test_silent_server_hits_the_read_timeout(server: LocalServer) -> None:
    server.routes["/silent"] = silent
    result = fetch(client(read_timeout=0.3, total_timeout=10.0), server.url("/silent"))
    assert isinstance(result, FetchError) and result.kind == "read_timeout" and result.retriable


def test_small_gzip_bomb_is_refused_at_the_cap(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (64 * MB), 9)
    assert len(bomb) < 100 * 1024  # about 64 KB that inflates 1000-fold
    server.routes["/bomb"] = lambda h: send(h, 200, bomb, {"Content-Encoding": "gzip"})
    result = fetch(client(max_bytes=1 * MB), server.url("/bomb"))
    assert isinstance(result, FetchError) and result.kind == "too_large" and not result.retriable
    assert "after decompression" in result.reason


def test_streamed_gzip_bomb_of_50_gb_stops_at_the_cap(server: LocalServer) -> None:
    member = gzip.compress(b"\0" * (10 * MB), 9)  # ~10 KB; 5000 members (50 MB) inflate to 50 GB
    server.routes["/bomb"] = lambda h: stream(h, member, 5000, {"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        result = fetch(client(max_bytes=4 * MB), server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, FetchError) and result.kind == "too_large"
    assert peak < 16 * MB  # decoded bytes are held only up to the cap
    time.sleep(0.2)  # let the server notice the hang-up
    assert server.sent < 1000 * len(member)  # what kernel buffers absorbed, far from the whole 50 MB


def test_announced_100_mb_body_is_refused_before_reading(server: LocalServer) -> None:
    def big(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(100 * MB))
        h.end_headers()
        chunk = b"x" * (64 * 1024)
        for _ in range(1600):
            h.wfile.write(chunk)
            server.count(len(chunk))

    server.routes["/big"] = big
    result = fetch(client(max_bytes=1 * MB), server.url("/big"))
    assert isinstance(result, FetchError) and result.kind == "too_large"
    assert "announced 104,857,600 bytes" in result.reason


def test_unannounced_100_mb_body_is_cut_at_the_cap_without_buffering(server: LocalServer) -> None:
    chunk = b"y" * (64 * 1024)
    server.routes["/big"] = lambda h: stream(h, chunk, 1600, {"Content-Type": "application/rss+xml"})
    tracemalloc.start()
    try:
        result = fetch(client(max_bytes=2 * MB), server.url("/big"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, FetchError) and result.kind == "too_large"
    assert "on the wire" in result.reason
    assert peak < 16 * MB
    time.sleep(0.2)  # let the server notice the hang-up
    assert server.sent < 40 * MB  # what the kernel buffers absorbed, far from 100 MB


def test_body_just_under_the_cap_is_returned_whole(server: LocalServer) -> None:
    body = b"z" * (MB - 1)
    server.routes["/ok"] = lambda h: send(h, 200, gzip.compress(body), {"Content-Encoding": "gzip"})
    result = fetch(client(max_bytes=MB), server.url("/ok"))
    assert isinstance(result, FetchResult) and result.body == body


@pytest.mark.parametrize(
    "encoding, encode",
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", lambda b: zlib.compress(b)[2:-4])],
    ids=["gzip", "zlib-deflate", "raw-deflate"],
)
def test_compressed_bodies_are_decoded(server: LocalServer, encoding: str, encode) -> None:
    body = b"<rss><channel><title>t</title></channel></rss>" * 50
    server.routes["/f"] = lambda h: send(h, 200, encode(body), {"Content-Encoding": encoding})
    result = fetch(client(), server.url("/f"))
    assert isinstance(result, FetchResult) and result.body == body
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"
    assert server.requests[0].headers["user-agent"].startswith("wirewatch/")


def test_unsupported_encoding_is_a_decode_error(server: LocalServer) -> None:
    server.routes["/br"] = lambda h: send(h, 200, b"\x0b\x02\x80", {"Content-Encoding": "br"})
    result = fetch(client(), server.url("/br"))
    assert isinstance(result, FetchError) and result.kind == "decode" and "br" in result.reason


def test_redirect_loop_is_detected(server: LocalServer) -> None:
    server.routes["/a"] = lambda h: send(h, 302, headers={"Location": "/b"})
    server.routes["/b"] = lambda h: send(h, 301, headers={"Location": server.url("/a")})
    result = fetch(client(), server.url("/a"))
    assert isinstance(result, FetchError) and result.kind == "redirect" and "loop" in result.reason
    assert server.paths() == ["/a", "/b"]


def test_redirect_limit(server: LocalServer) -> None:
    for i in range(10):
        server.routes[f"/r{i}"] = lambda h, i=i: send(h, 307, headers={"Location": f"/r{i + 1}"})
    result = fetch(client(max_redirects=3), server.url("/r0"))
    assert isinstance(result, FetchError) and result.kind == "redirect" and "more than 3" in result.reason
    assert len(server.requests) == 4


def test_redirect_is_followed_and_reported(server: LocalServer) -> None:
    server.routes["/old"] = lambda h: send(h, 301, headers={"Location": "/new?x=1"})
    server.routes["/new"] = lambda h: send(h, 200, b"ok", {"ETag": '"n"'})
    result = fetch(client(), server.url("/old"))
    assert isinstance(result, FetchResult) and result.body == b"ok"
    assert result.final_url == server.url("/new?x=1") and result.redirects == (server.url("/new?x=1"),)
    assert result.validators.etag == '"n"'


def test_http_errors_say_whether_to_retry(server: LocalServer) -> None:
    server.routes["/gone"] = lambda h: send(h, 404, b"nope")
    server.routes["/boom"] = lambda h: send(h, 500, b"oops")
    missing, broken = fetch(client(), server.url("/gone")), fetch(client(), server.url("/boom"))
    assert isinstance(missing, FetchError) and missing.status == 404 and not missing.retriable
    assert "feed URL is wrong" in missing.reason
    assert isinstance(broken, FetchError) and broken.status == 500 and broken.retriable


def test_refused_connection_is_a_retriable_error() -> None:
    with LocalServer() as srv:
        url = srv.url("/f")
    result = fetch(client(), url)  # the server is gone: nothing listens on that port now
    assert isinstance(result, FetchError) and result.kind == "connect" and result.retriable
