"""CPU a story costs the alert sink (PublishAlerts: take, then make_durable: each alert stamped, sent, flushed
acks=all, counted and logged) on a real broker, side by side with the same sink on kafka-python's producer
(set as Publisher set it until it moved to confluent-kafka: idempotent, acks=all, 512 KB batches), in
alternating rounds; the medians and the load average are printed. CPU is the whole process's, the
producers' own threads included (kafka-python's sender thread is Python; librdkafka's threads are C).

    WIREWATCH_KAFKA=127.0.0.1:9092 .venv/bin/python bench/alert_sink_speed.py [--stories 300] [--rounds 12]

The stories are bench/service_latency.py's alerting template (three alerts each), run through the streaming
chain (transforms/streamchain.Chain) in this process. It makes topics of its own (prefix bench-alerts-...).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.service_latency import story  # noqa: E402
from wirewatch.connectors.kafka.source import KafkaRecord, decode_record  # noqa: E402
from wirewatch.connectors.kafka.topics import Topics, ensure_topics, topic_specs  # noqa: E402
from wirewatch.connectors.sinks import alerts as sink  # noqa: E402
from wirewatch.transforms.rules import default_watchlist  # noqa: E402
from wirewatch.transforms.spread import DEFAULT_POLICY  # noqa: E402
from wirewatch.transforms.steps import classifier  # noqa: E402
from wirewatch.transforms.streamchain import Chain, Memory, prepared  # noqa: E402


class KafkaPythonPublisher:
    """The part of Publisher the sink uses, on kafka-python's producer with the settings Publisher had there:
    send queues a record and keeps its future; flush waits for every acknowledgement and checks each."""

    def __init__(self, bootstrap: str) -> None:
        from kafka import KafkaProducer

        self.producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="wirewatch-alerts", acks="all",
                                      enable_idempotence=True, linger_ms=5, retries=2**31 - 1,
                                      delivery_timeout_ms=600_000, batch_size=sink.BATCH_BYTES)
        self.futures: list = []

    def send(self, topic: str, key: str, value: bytes) -> None:
        self.futures.append(self.producer.send(topic, key=key.encode(), value=value))

    def flush(self, timeout: float) -> None:
        self.producer.flush(timeout=timeout)
        futures, self.futures = self.futures, []
        failed = [f for f in futures if not f.is_done or f.failed()]
        if failed:
            raise RuntimeError(f"{len(failed)} records not acknowledged")

    def close(self) -> None:
        self.producer.close()


class OnKafkaPython(sink.PublishAlerts):
    """The sink as it is, its publisher kafka-python's."""

    def setup(self) -> None:
        self.publisher = KafkaPythonPublisher(self.bootstrap)


def outcomes(n: int) -> list:
    chain = Chain(default_watchlist(), DEFAULT_POLICY, 72 * 3600, classifier())
    memory, out, now = Memory(100_000), [], time.time()
    for i in range(n):
        record = KafkaRecord("bench", 0, i, b"k", story(2 * 10**6 + i, "b"), int(now * 1000), i)
        _, (s, fp) = prepared(decode_record(record))
        outcome, added = chain.run(memory, s, fp, now, None)
        for entry in added:
            memory.apply(entry)
        out.append(outcome)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", default=os.environ.get("WIREWATCH_KAFKA", "127.0.0.1:9092"))
    ap.add_argument("--stories", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=12)
    args = ap.parse_args()
    stories = outcomes(args.stories)
    alerts = sum(len(o.alerts) for o in stories)
    topics = Topics(f"bench-alerts-{uuid.uuid4().hex[:6]}.")
    ensure_topics(args.bootstrap, topic_specs(3, topics))
    sinks = {"kafka-python": OnKafkaPython(args.bootstrap, topics), "now": sink.PublishAlerts(args.bootstrap, topics)}
    for step in sinks.values():
        step.setup()
    print(f"load average at start: {os.getloadavg()}")
    used: dict[str, list[float]] = {name: [] for name in sinks}
    try:
        for r in range(args.rounds):
            for name, step in (list(sinks.items()) if r % 2 == 0 else list(sinks.items())[::-1]):
                step.start_bundle()
                c0 = time.process_time()  # every thread of this process: the producer's own included
                for outcome in stories:
                    step.take(outcome)
                step.make_durable()
                used[name].append((time.process_time() - c0) * 1e6 / len(stories))
    finally:
        for step in sinks.values():
            step.teardown()
    print(f"{args.stories} stories, {alerts} alerts a round, {args.rounds} rounds; load average at end: {os.getloadavg()}")
    for name, values in used.items():
        print(f"{name:12} median {statistics.median(values):7.1f} us CPU a story  ({' '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
