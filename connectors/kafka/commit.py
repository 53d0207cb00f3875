"""The always-on chain's last step: the Kafka offsets of outcomes every sink has made durable are released,
and the consumer group's commit point moves to the lowest offset still in flight."""

from __future__ import annotations

import logging
from typing import Any, Iterator

import apache_beam as beam
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.kafka.offsets import REGISTRY as IN_FLIGHT
from wirewatch.connectors.kafka.topics import Topics

log = logging.getLogger("wirewatch.commit")


class CommitOffsets(beam.DoFn):
    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.bootstrap, self.topics = bootstrap, topics

    def setup(self) -> None:
        self.committer = retry("kafka", lambda: KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.topics.group, enable_auto_commit=False))

    def start_bundle(self) -> None:
        self.positions: list[tuple[str, int, int]] = []

    def process(self, outcome: Any) -> Iterator[Any]:
        origin = outcome.origin
        position = origin.position if origin is not None else None
        if position and position[0] == self.topics.stories:
            self.positions.append(position)
        return iter(())

    def finish_bundle(self) -> None:
        for topic, partition, offset in self.positions:
            IN_FLIGHT.finished((topic, partition), offset)
        retry("kafka", self._commit)

    def _commit(self) -> None:
        points = {p: o for p, o in IN_FLIGHT.commit_points().items() if p[0] == self.topics.stories}
        if not points:
            return
        offsets = {TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in points.items()}
        self.committer.commit(offsets)
        IN_FLIGHT.committed(points)
        log.debug("committed", extra={"offsets": {f"{t}/{p}": o for (t, p), o in points.items()}})

    def teardown(self) -> None:
        self.committer.close()
