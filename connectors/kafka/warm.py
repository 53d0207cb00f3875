"""What a restarted stream needs to remember, read from Kafka inside the job at its start: the stories
processed before (for the dedupe state) and the alerts sent before (so that none is sent twice). Both are
bounded PCollections the online steps take as side inputs; the engine keeps them, not the process."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Iterator

import apache_beam as beam
import orjson
from kafka import KafkaConsumer, TopicPartition

from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.kafka.source import PartitionStart, stories_before
from wirewatch.records import Story, parse_time

log = logging.getLogger("wirewatch.warm")


class ReadStoriesBefore(beam.PTransform):
    """PBegin -> the stories each partition held before where this job starts reading (newest ``limit``)."""

    def __init__(self, bootstrap: str, starts: list[PartitionStart], limit: int) -> None:
        super().__init__()
        self.bootstrap, self.starts, self.limit = bootstrap, starts, limit

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        bootstrap, starts, limit = self.bootstrap, self.starts, self.limit

        def read(_: bytes) -> list[Story]:
            stories = retry("kafka", lambda: list(stories_before(bootstrap, starts, limit)))
            log.info("stories before this job, for the dedupe state: %d", len(stories))
            return stories

        return pbegin | "Start" >> beam.Impulse() | "ReadBefore" >> beam.FlatMap(read)


def sent_alerts(bootstrap: str, topic: str, since: datetime) -> Iterator[tuple[str, str]]:
    """(cluster id, rule) of every alert in ``topic`` delivered at or after ``since`` (compacted by id)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    try:
                        alert = orjson.loads(record.value or b"null")
                        alerted = parse_time(alert.get("alerted")) if isinstance(alert, dict) else None
                    except Exception:  # noqa: BLE001 (not one of ours: nothing to remember)
                        continue
                    if alerted is None or alerted >= since:
                        yield str(alert.get("cluster_id")), str(alert.get("rule"))
    finally:
        consumer.close()


class ReadSentAlerts(beam.PTransform):
    """PBegin -> one element: cluster id -> the rules of its alerts sent within the last ``ttl_s`` seconds.
    One element, so a step takes it whole as a side input (one read a bundle), where a multimap would cost
    a runner round trip for each new cluster."""

    def __init__(self, bootstrap: str, topic: str, ttl_s: float) -> None:
        super().__init__()
        self.bootstrap, self.topic, self.ttl_s = bootstrap, topic, ttl_s

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        bootstrap, topic, ttl_s = self.bootstrap, self.topic, self.ttl_s

        def read(_: bytes) -> dict[str, list[str]]:
            since = datetime.now(timezone.utc) - timedelta(seconds=ttl_s)  # read at the edge
            pairs = retry("kafka", lambda: list(sent_alerts(bootstrap, topic, since)))
            log.info("alerts sent before this job: %d", len(pairs))
            rules: dict[str, list[str]] = {}
            for cluster, rule in pairs:
                rules.setdefault(cluster, []).append(rule)
            return rules

        return pbegin | "Start" >> beam.Impulse() | "ReadSent" >> beam.Map(read)
