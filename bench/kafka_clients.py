"""CPU a record of the two Kafka clients at the service's edges, side by side on a real broker: kafka-python
(the project's client until confluent-kafka took over the producer and the partition reader) and
confluent-kafka (librdkafka), in alternating rounds; medians and the load average are printed.

    WIREWATCH_KAFKA=127.0.0.1:9092 .venv/bin/python bench/kafka_clients.py [--records 20000] [--rounds 4]

- produce: ``--records`` records of ~1.2 KB (a template alert's size), keyed, idempotent, acks=all, then one
  flush; as Publisher sets each client.
- read: the same records read back from one partition the way the source's reader polls (at most 100 a
  poll), each record's fields taken as KafkaRecord takes them.

CPU is the whole process's (time.process_time), the clients' own threads included: kafka-python's are
Python and hold the interpreter's lock, librdkafka's are C. It makes topics of its own (bench-clients-...).
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

from wirewatch.connectors.kafka.topics import TopicSpec, ensure_topics  # noqa: E402

MAX_RECORDS = 100


def produce_kafka_python(bootstrap: str, topic: str, values: list[bytes]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    futures = [producer.send(topic, key=f"a-{i}".encode(), value=v) for i, v in enumerate(values)]
    producer.flush()
    assert all(f.is_done and not f.failed() for f in futures)
    producer.close()


def produce_confluent(bootstrap: str, topic: str, values: list[bytes]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "linger.ms": 5, "partitioner": "murmur2_random"})
    failed = []
    for i, v in enumerate(values):
        producer.produce(topic, v, f"a-{i}".encode(), on_delivery=lambda e, m: e is not None and failed.append(e))
        if not i % 1000:
            producer.poll(0)
    assert producer.flush(60) == 0 and not failed


def read_kafka_python(bootstrap: str, topic: str, n: int) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             isolation_level="read_committed", auto_offset_reset="earliest",
                             max_poll_records=MAX_RECORDS)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek(tp, 0)
    got = 0
    while got < n:
        for r in consumer.poll(timeout_ms=200, max_records=MAX_RECORDS).get(tp, []):
            got += (r.topic, r.partition, r.offset, r.key, r.value, r.timestamp) is not None
    consumer.close()
    return got


def read_confluent(bootstrap: str, topic: str, n: int) -> int:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-reader", "enable.auto.commit": False,
                         "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "queued.max.messages.kbytes": 8192})
    consumer.assign([TopicPartition(topic, 0, 0)])
    got = 0
    while got < n:
        first = consumer.poll(0.2)
        if first is None:
            continue
        for r in [first, *consumer.consume(MAX_RECORDS - 1, 0)]:
            assert r.error() is None
            got += (r.offset(), r.key(), r.value(), r.timestamp()[1]) is not None
    consumer.close()
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", default=os.environ.get("WIREWATCH_KAFKA", "127.0.0.1:9092"))
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    values = [os.urandom(600).hex().encode() for _ in range(args.records)]
    clients = {"kafka-python": (produce_kafka_python, read_kafka_python),
               "confluent-kafka": (produce_confluent, read_confluent)}
    used = {(name, what): [] for name in clients for what in ("produce", "read")}
    print(f"load average at start: {os.getloadavg()}")
    for r in range(args.rounds):
        for name, (produce, read) in (list(clients.items()) if r % 2 == 0 else list(clients.items())[::-1]):
            topic = f"bench-clients-{uuid.uuid4().hex[:8]}"
            ensure_topics(args.bootstrap, [TopicSpec(topic, 1)])
            c0 = time.process_time()
            produce(args.bootstrap, topic, values)
            c1 = time.process_time()
            assert read(args.bootstrap, topic, args.records) == args.records
            c2 = time.process_time()
            used[(name, "produce")].append((c1 - c0) * 1e6 / args.records)
            used[(name, "read")].append((c2 - c1) * 1e6 / args.records)
    print(f"{args.records} records of {len(values[0])} bytes, {args.rounds} rounds; "
          f"load average at end: {os.getloadavg()}")
    for what in ("produce", "read"):
        for name in clients:
            v = used[(name, what)]
            print(f"{what:8} {name:16} median {statistics.median(v):6.1f} us CPU a record  "
                  f"({' '.join(f'{x:.1f}' for x in v)})")
        ratio = statistics.median(used[("kafka-python", what)]) / statistics.median(used[("confluent-kafka", what)])
        print(f"{what:8} kafka-python / confluent-kafka: {ratio:.1f}x")


if __name__ == "__main__":
    main()
