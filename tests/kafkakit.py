"""Kafka integration tests run against the real broker named by $WIREWATCH_KAFKA (scripts/test starts one).
Without it they skip, unless $WIREWATCH_REQUIRE_KAFKA is set (as in CI), where they fail instead."""

from __future__ import annotations

import os
import socket
import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka import errors as kafka_errors

from wirewatch.connectors.kafka.topics import ENV_TOPIC_PREFIX, Topics, ensure_topics


@pytest.fixture(scope="session")
def bootstrap() -> str:
    address = os.environ.get("WIREWATCH_KAFKA", "")
    if not address:
        if os.environ.get("WIREWATCH_REQUIRE_KAFKA"):
            pytest.fail("WIREWATCH_KAFKA is not set but WIREWATCH_REQUIRE_KAFKA is: the broker did not start")
        pytest.skip("no Kafka broker: set WIREWATCH_KAFKA (scripts/test starts one)")
    return address


@pytest.fixture
def topics(bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> Topics:
    """Topic and group names of this test's own (a random prefix), also for the services it starts: tests
    never touch another test's data, nor the topics of whatever broker $WIREWATCH_KAFKA names."""
    prefix = f"test-{uuid.uuid4().hex[:12]}."
    monkeypatch.setenv(ENV_TOPIC_PREFIX, prefix)
    yours = Topics(prefix)
    yield yours
    try:  # tidy up this test's own topics and group only; a leftover is harmless, so no waiting
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        try:
            mine = [t for t in admin.list_topics() if t.startswith(prefix)]
            if mine:
                admin.delete_topics(mine, timeout_ms=10000)
            admin.delete_groups([yours.group])
        finally:
            admin.close()
    except kafka_errors.KafkaError:
        pass


@pytest.fixture
def fresh_topics(bootstrap: str, topics: Topics) -> str:
    """The broker's address, with this test's own empty topics (see ``topics``)."""
    return bootstrap


def read_all(bootstrap: str, topic: str) -> list:
    """Every record now in ``topic`` (all partitions), oldest first per partition."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:  # just created by another client: its metadata may lag a moment
            time.sleep(0.5)
            partitions = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
        if not tps:
            return []
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise AssertionError(f"read_all({topic}): not at the end of the topic after 30 s")
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


__all__ = ["Topics", "ensure_topics", "free_port", "read_all", "wait_for"]
