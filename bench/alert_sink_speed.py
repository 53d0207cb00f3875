"""CPU a story costs the alert sink (PublishAlerts: take, then make_durable: each alert stamped, sent, flushed
acks=all, counted and logged) on a real broker, side by side with the sink as it was at aa09b9f (each alert
made again with dataclasses.replace, serialized by Publisher.alert, kafka-python's 16 KB batches), in
alternating rounds; the medians and the load average are printed.

    WIREWATCH_KAFKA=127.0.0.1:9092 .venv/bin/python bench/alert_sink_speed.py [--stories 300] [--rounds 12]

The stories are bench/service_latency.py's alerting template (three alerts each), run through the streaming
chain (transforms/streamchain.Chain) in this process. It makes topics of its own (prefix bench-alerts-...).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.service_latency import story  # noqa: E402
from wirewatch.connectors.kafka.source import KafkaRecord, decode_record  # noqa: E402
from wirewatch.connectors.kafka.topics import Publisher, Topics, ensure_topics, topic_specs  # noqa: E402
from wirewatch.connectors.sinks import alerts as sink  # noqa: E402
from wirewatch.transforms.rules import default_watchlist  # noqa: E402
from wirewatch.transforms.spread import DEFAULT_POLICY  # noqa: E402
from wirewatch.transforms.steps import classifier  # noqa: E402
from wirewatch.transforms.streamchain import Chain, Memory, prepared  # noqa: E402


class Before(sink.PublishAlerts):
    """The sink as it was at aa09b9f."""

    def setup(self) -> None:
        self.publisher = Publisher(self.bootstrap, client_id="wirewatch-alerts", topics=self.topics,
                                   delivery_timeout_ms=600_000)

    def make_durable(self) -> None:
        alerted = datetime.now(timezone.utc)
        for alert in self.alerts.values():
            stamped = dataclasses.replace(alert, alerted=alerted)
            sink.retry("kafka", lambda: self.publisher.alert(stamped))
        sink.flush(self.publisher)
        for alert in self.alerts.values():
            sink.metrics.ALERTS.labels(alert.rule).inc()
            sink.log.info("alert", extra={"alert": alert.id, "rule": alert.rule, "story": alert.story_id,
                                          "countries": list(alert.countries), "title": alert.title[:120]})


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
    sinks = {"aa09b9f": Before(args.bootstrap, topics), "now": sink.PublishAlerts(args.bootstrap, topics)}
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
        print(f"{name:8} median {statistics.median(values):7.1f} us CPU a story  ({' '.join(f'{v:.0f}' for v in values)})")


if __name__ == "__main__":
    main()
