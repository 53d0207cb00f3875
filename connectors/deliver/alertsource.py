"""The delivery step's Kafka edges: the alerts topic read with the step's own consumer group (positions come
from the step's store; the group's committed offsets are kept up to date for lag tools and a first start),
and the delivery dead-letter topic."""

from __future__ import annotations

from typing import Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka import errors as kafka_errors
from kafka.structs import OffsetAndMetadata

from wirewatch.connectors.kafka.topics import WEEK_MS, KafkaUnavailable, Publisher, TopicSpec, Topics


def deadletter_spec(topics: Topics) -> TopicSpec:
    return TopicSpec(topics.delivery_deadletter, 1, {"retention.ms": str(4 * WEEK_MS), "max.message.bytes": "8388608"})


class KafkaAlerts:
    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.topic = topics.alerts
        try:
            self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=topics.deliver_group,
                                          enable_auto_commit=False, auto_offset_reset="earliest",
                                          client_id="wirewatch-deliver", max_partition_fetch_bytes=8 * 1024 * 1024)
            partitions = sorted(self.consumer.partitions_for_topic(self.topic) or ())
        except kafka_errors.KafkaError as exc:
            raise KafkaUnavailable(f"cannot read {self.topic} at {bootstrap}: {exc}") from exc
        if not partitions:
            raise KafkaUnavailable(f"topic {self.topic} does not exist (yet) at {bootstrap}")
        self.partitions = [TopicPartition(self.topic, p) for p in partitions]
        self.consumer.assign(self.partitions)

    def seek(self, offsets: dict[int, int]) -> None:
        """Stored positions win; without one, the group's committed offset, else the topic's start."""
        for tp in self.partitions:
            if tp.partition in offsets:
                self.consumer.seek(tp, offsets[tp.partition])

    def poll(self, limit: int, wait: float) -> list[tuple[int, int, bytes | None]]:
        batches = self.consumer.poll(timeout_ms=int(wait * 1000), max_records=limit)
        return [(r.partition, r.offset, r.value) for records in batches.values() for r in records]

    def commit(self, offsets: dict[int, int]) -> None:
        self.consumer.commit({TopicPartition(self.topic, p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()})

    def close(self) -> None:
        self.consumer.close()


class KafkaDeadLetters:
    def __init__(self, publisher: Publisher, topics: Topics) -> None:
        self.publisher, self.topic = publisher, topics.delivery_deadletter

    def send(self, records: Sequence[tuple[str, bytes]]) -> None:
        for key, value in records:
            self.publisher.send(self.topic, key, value)
        self.publisher.flush(timeout=30.0)
