"""The delivery step on a real broker, to a real local webhook receiver: (1) a backlog of alerts delivered
(alerts/s, median of rounds), (2) latency from an alert's ``alerted`` stamp to its arrival at the receiver
at a steady trickle (p50/p99). Each round uses its own topic prefix and state file; one subscriber, one
signed webhook, the default settings.

    WIREWATCH_KAFKA=127.0.0.1:29192 .venv/bin/python bench/deliver_speed.py [--backlog 2000] [--rounds 5]
                                                                              [--rate 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
from kafka import KafkaAdminClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.connectors.kafka.topics import Publisher, Topics  # noqa: E402
from wirewatch.pipelines.subscriberscli import open_deliverer  # noqa: E402
from wirewatch.records import Alert  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    arrivals: list[tuple[float, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.arrivals.append((time.time(), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def alert(n: int, tag: str) -> Alert:
    return Alert(id=f"{tag}-{n}", rule="icbm", story_id=f"{tag}-s{n}", cluster_id=f"{tag}-c{n}",
                 title=f"North Korea fires missile {n}", severity="high", score=3.0, countries=("KP",),
                 regions=("Eastern Asia",), alerted=datetime.now(timezone.utc), url=f"https://example.org/{n}")


def round_(bootstrap: str, url: str, folder: Path, count: int, rate: float | None) -> tuple[float, list[float]]:
    """Delivers ``count`` alerts (all at once, or ``rate`` a second): alerts/s from the step's start to the
    last arrival, and the latency of each in seconds."""
    topics = Topics(f"bench-{uuid.uuid4().hex[:8]}.")
    subs = folder / f"{topics.prefix}yaml"
    subs.write_text(f'allow: [127.0.0.1]\nsubscribers:\n  - id: desk\n    channels: [{{type: webhook, url: "{url}", '
                    f'secret: "{SECRET}"}}]\n')
    Receiver.arrivals = []
    tag = topics.prefix
    deliverer = open_deliverer(str(subs), str(folder / f"{tag}sqlite"), bootstrap, topics)
    stop = threading.Event()
    worker = threading.Thread(target=deliverer.run, args=(stop, 0.005), daemon=True)
    with Publisher(bootstrap, topics=topics) as publisher:
        if rate is None:
            for n in range(count):
                publisher.alert(alert(n, tag))
            publisher.flush()
            started = time.time()
            worker.start()
        else:
            worker.start()
            started = time.time()
            for n in range(count):
                time.sleep(max(0.0, started + n / rate - time.time()))
                publisher.alert(alert(n, tag))
                publisher.flush()
    while len(Receiver.arrivals) < count and time.time() - started < 600:
        time.sleep(0.01)
    took = max(t for t, _ in Receiver.arrivals) - started
    stop.set()
    worker.join()
    deliverer.close()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.delete_topics([t for t in admin.list_topics() if t.startswith(topics.prefix)])
    admin.close()
    latencies = [t - datetime.fromisoformat(orjson.loads(b)["data"]["alert"]["alerted"]).timestamp()
                 for t, b in Receiver.arrivals]
    if rate is None:
        print(f"  backlog of {count}: {count / took:,.0f} alerts/s ({took:.2f} s)")
    return count / took, latencies


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backlog", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    bootstrap = os.environ["WIREWATCH_KAFKA"]
    server = Server(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="wirewatch-bench-") as folder:
        rates = []
        for _ in range(args.rounds):
            rates.append(round_(bootstrap, url, Path(folder), args.backlog, None)[0])
        print(f"backlog: median {statistics.median(rates):,.0f} alerts/s over {args.rounds} rounds "
              f"(min {min(rates):,.0f}, max {max(rates):,.0f})")
        count = int(args.rate * args.seconds)
        latencies = sorted(round_(bootstrap, url, Path(folder), count, args.rate)[1])
        q = statistics.quantiles(latencies, n=100)
        print(f"trickle of {args.rate:g} alerts/s for {args.seconds:g} s: alerted -> at the receiver "
              f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
