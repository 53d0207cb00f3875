"""Bench: one poll cycle over 10,000 feeds served by a local server, most answering 304.

    python bench/poll_cycle.py [--feeds 10000] [--hosts 20] [--changed 0.01] [--per-host 8] [--concurrency 128]

The server runs in its own process on loopback addresses 127.0.0.1..127.0.0.N (one "host" each, so the
per-host limit applies as it would to real publishers). A first cycle fetches every feed and fills the
validators; then a fraction of the feeds change, and the timed second cycle sends conditional requests.
Target: the second cycle within 60 s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirewatch.connectors.poll.config import FeedConfig  # noqa: E402
from wirewatch.connectors.http.fetch import HttpClient  # noqa: E402
from wirewatch.connectors.http.model import FetchSettings  # noqa: E402
from wirewatch.connectors.poll.cycle import poll_cycle  # noqa: E402
from wirewatch.connectors.http.ssrf import AddressPolicy  # noqa: E402
from wirewatch.records import Story  # noqa: E402

_GUID = re.compile(rb"<guid>([^<]+)</guid>")


def serve(hosts: int, port: int, changed: float, ready: "multiprocessing.synchronize.Event") -> None:
    """The feed server: /feed/N answers 304 when If-None-Match matches the feed's current version."""
    generation = {"n": 0}
    every = max(1, round(1 / changed)) if changed > 0 else 0

    def version(n: int) -> int:
        return generation["n"] if every and n % every == 0 else 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if path == "/_next":
                generation["n"] += 1
                status, body, tag = b"200 OK", b"ok", b'"-"'
            else:
                n = int(path.rsplit("/", 1)[1])
                v = version(n)
                tag = f'"{n}-{v}"'.encode()
                if b"if-none-match: " + tag in head.lower():
                    status, body = b"304 Not Modified", b""
                else:
                    items = "".join(f"<item><guid>{n}-{v}-{i}</guid><title>t</title></item>" for i in range(5))
                    status, body = b"200 OK", f"<rss><channel>{items}</channel></rss>".encode()
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nETag: "
                + tag
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, f"127.0.0.{i + 1}", port, backlog=1024) for i in range(hosts)]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


@dataclass
class Parsed:
    stories: list[Story]
    errors: list[str] = field(default_factory=list)


def parse(body: bytes, url: str, headers: dict, fetched: datetime, hint: str = "auto") -> Parsed:
    return Parsed([Story(id=m.decode(), body="", url=url, fetched=fetched) for m in _GUID.findall(body)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--changed", type=float, default=0.01, help="fraction of feeds that change between cycles")
    ap.add_argument("--per-host", type=int, default=8)
    ap.add_argument("--concurrency", type=int, default=128)
    ap.add_argument("--port", type=int, default=18931)
    args = ap.parse_args(argv)

    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.hosts, args.port, args.changed, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            print("the bench server did not start", file=sys.stderr)
            return 1
        feeds = [
            FeedConfig(f"f{n}", f"http://127.0.0.{n % args.hosts + 1}:{args.port}/feed/{n}", min_interval=60)
            for n in range(args.feeds)
        ]
        client = HttpClient(FetchSettings(per_host=args.per_host), AddressPolicy.allowing("127.0.0.0/8"))
        now = datetime(2026, 3, 1, tzinfo=timezone.utc)

        def cycle(label: str, states: dict, at: datetime) -> dict:
            start = time.perf_counter()
            out = poll_cycle(feeds, states, parse, client, at, max_concurrency=args.concurrency)
            wall = time.perf_counter() - start
            print(
                f"{label}: {out.polled} feeds in {wall:.2f} s = {out.polled / wall:,.0f} requests/s; "
                f"{out.not_modified} not modified, {out.parsed} parsed, {len(out.stories)} new stories, "
                f"{len(out.errors)} errors"
            )
            for error in out.errors[:5]:
                print(f"  {error.feed}: {error.reason}")
            return dict(out.states)

        states = cycle("cycle 1 (fills the validators)", {}, now)
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a configured proxy
        direct.open(f"http://127.0.0.1:{args.port}/_next", timeout=10).read()
        cycle("cycle 2 (conditional, timed)", states, now + timedelta(days=1))
    finally:
        server.terminate()
        server.join(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
