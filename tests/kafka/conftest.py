"""Kafka integration tests run against the real broker named by $WIREWATCH_KAFKA (scripts/test starts one).
Without it they skip, unless $WIREWATCH_REQUIRE_KAFKA is set (as in CI), where they fail instead."""

from __future__ import annotations

import os
import socket
import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka import errors as kafka_errors

from connectors.kafka import ALERTS, DEADLETTER, STORIES, ensure_topics

TOPICS = [STORIES, ALERTS, DEADLETTER]


@pytest.fixture(scope="session")
def bootstrap() -> str:
    address = os.environ.get("WIREWATCH_KAFKA", "")
    if not address:
        if os.environ.get("WIREWATCH_REQUIRE_KAFKA"):
            pytest.fail("WIREWATCH_KAFKA is not set but WIREWATCH_REQUIRE_KAFKA is: the broker did not start")
        pytest.skip("no Kafka broker: set WIREWATCH_KAFKA (scripts/test starts one)")
    return address


@pytest.fixture
def fresh_topics(bootstrap: str) -> str:
    """Deletes the wirewatch topics and the pipeline's consumer group, then lets the code under test create
    them again: each test starts from an empty system."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        existing = set(admin.list_topics()) & set(TOPICS)
        if existing:
            admin.delete_topics(list(existing), timeout_ms=30000)
        deadline = time.monotonic() + 30
        while set(admin.list_topics()) & set(TOPICS) and time.monotonic() < deadline:
            time.sleep(0.2)
        try:
            admin.delete_groups(["wirewatch-process"])
        except kafka_errors.KafkaError:
            pass  # no such group yet
    finally:
        admin.close()
    return bootstrap


def read_all(bootstrap: str, topic: str) -> list:
    """Every record now in ``topic`` (all partitions), oldest first per partition."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return []
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in tps) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def wait_for(predicate, timeout: float, every: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


__all__ = ["ensure_topics", "free_port", "read_all", "wait_for"]
