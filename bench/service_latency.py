"""End-to-end numbers for the always-on service on a real broker and Prism: (1) latency from a story's
Kafka timestamp to its alert's Kafka timestamp at a steady trickle, (2) backlog throughput.

    WIREWATCH_KAFKA=127.0.0.1:9092 .venv/bin/python bench/service_latency.py [--rate 5] [--seconds 30] [--backlog 5000]

It deletes and recreates the wirewatch topics on that broker: point it at a scratch broker.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.connectors.kafka.topics import ALERTS, STORIES, ensure_topics  # noqa: E402
from wirewatch.pipelines.streaming import GROUP  # noqa: E402


def reset(bootstrap: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    topics = [t for t in admin.list_topics() if t.startswith("wirewatch.")]
    if topics:
        admin.delete_topics(topics, timeout_ms=30000)
    while [t for t in admin.list_topics() if t.startswith("wirewatch.")]:
        time.sleep(0.2)
    try:
        admin.delete_groups([GROUP])
    except Exception:
        pass
    admin.close()
    ensure_topics(bootstrap)


def story(i: int, tag: str) -> bytes:
    body = (f"North Korea fired an intercontinental ballistic missile, its {tag} launch number {i}, "
            f"officials in Seoul said. The missile flew for {40 + i % 50} minutes before landing at sea {i}.")
    return orjson.dumps({"id": f"{tag}-{i}", "body": body, "source": "bench"})


def lag(bootstrap: str) -> int:
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    tps = [TopicPartition(STORIES, p) for p in c.partitions_for_topic(STORIES) or ()]
    ends = c.end_offsets(tps)
    total = sum(ends[tp] - (c.committed(tp) or 0) for tp in tps)
    c.close()
    return total


def start_service(bootstrap: str, archive: str, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("wirewatch")
    env = {**os.environ, "WIREWATCH_KAFKA": bootstrap}
    return subprocess.Popen([str(exe), "process", "--archive", archive, "--metrics-port", "0"],
                            stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)


@contextmanager
def running_service(bootstrap: str, log: Path | None = None) -> Iterator[tuple[KafkaProducer, subprocess.Popen]]:
    """Empty topics, a started `wirewatch process` (given time to start) and a producer; all stopped after.
    ``log``: where the service's output goes (default: a temporary file, gone after)."""
    reset(bootstrap)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    with tempfile.TemporaryDirectory() as tmp:
        service = start_service(bootstrap, f"{tmp}/archive", log or Path(tmp) / "service.log")
        try:
            time.sleep(8)  # start-up: Prism, warm-up, first poll
            yield producer, service
        finally:
            service.terminate()
            service.wait(timeout=60)
            producer.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=5.0, help="stories per second in the trickle")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--backlog", type=int, default=5000)
    args = ap.parse_args()
    bootstrap = os.environ["WIREWATCH_KAFKA"]
    with running_service(bootstrap) as (producer, _):
        n = int(args.rate * args.seconds)
        t0 = time.monotonic()
        for i in range(n):
            producer.send(STORIES, key=f"t-{i}".encode(), value=story(i, "t"))
            producer.flush()
            time.sleep(max(0.0, t0 + (i + 1) / args.rate - time.monotonic()))
        deadline = time.monotonic() + 60
        while lag(bootstrap) and time.monotonic() < deadline:
            time.sleep(0.5)
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                 consumer_timeout_ms=3000)
        consumer.subscribe([STORIES, ALERTS])
        produced, alerted = {}, {}
        for record in consumer:
            if record.topic == STORIES:
                produced[record.key.decode()] = record.timestamp
            else:
                value = orjson.loads(record.value)
                alerted.setdefault(value["story_id"], record.timestamp)
        consumer.close()
        latencies = sorted(alerted[k] - produced[k] for k in alerted if k in produced)
        q = statistics.quantiles(latencies, n=100, method="inclusive")
        print(f"trickle: {n} stories at {args.rate}/s, {len(latencies)} with alerts; story->alert latency "
              f"p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, p99 {q[98]:.0f} ms, max {latencies[-1]} ms")

        for i in range(args.backlog):
            producer.send(STORIES, key=f"b-{i}".encode(), value=story(i, "b"))
        producer.flush()
        t0 = time.monotonic()
        while lag(bootstrap):
            time.sleep(1.0)  # each check builds a consumer: poll gently, it shares the 2 cores
        elapsed = time.monotonic() - t0
        print(f"backlog: {args.backlog} stories processed and committed in {elapsed:.1f} s "
              f"= {args.backlog / elapsed:,.0f} stories/s")


if __name__ == "__main__":
    main()
