from __future__ import annotations

import socket

import orjson
import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from wirewatch.connectors.health.faults import is_transient
from wirewatch.connectors.kafka.topics import KafkaConfigError, KafkaRefused, KafkaUnavailable, Publisher, ensure_topics
from wirewatch.pipelines.ingest import ingest_files
from tests.conftest import DATA, SEED
from tests.kafkakit import read_all
from wirewatch.records import Story


def test_topics_are_created_with_explicit_partitions_and_settings(fresh_topics, topics):
    partitions = ensure_topics(fresh_topics)
    assert partitions == {topics.stories: 3, topics.alerts: 1, topics.deadletter: 1}
    admin = KafkaAdminClient(bootstrap_servers=fresh_topics)
    try:
        response = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topics.alerts)])
    finally:
        admin.close()
    text = str(response)
    assert "compact,delete" in text
    assert ensure_topics(fresh_topics) == partitions  # idempotent: a second start keeps the topics


def test_ingest_publishes_stories_keyed_by_id_and_dead_letters(fresh_topics, topics, tmp_path):
    ensure_topics(fresh_topics)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "good", "body": "Text."}\nnot json\n')
    with Publisher(fresh_topics) as publisher:
        counts = ingest_files([str(SEED), str(DATA / "seed-reuters-copy.txt"), str(bad)], publisher)
    assert (counts.files, counts.stories, counts.dead_letters) == (3, 3, 1)
    stories = read_all(fresh_topics, topics.stories)
    assert len(stories) == 3
    for record in stories:
        story = Story.from_dict(orjson.loads(record.value))
        assert record.key.decode() == story.id
        assert story.fetched is not None
    dead = read_all(fresh_topics, topics.deadletter)
    assert [orjson.loads(r.value)["origin"] for r in dead] == [f"{bad}:2"]


def test_keyed_records_go_where_the_java_client_puts_them(fresh_topics, topics):
    """Keyed records land on murmur2(key) over the partitions, as the Java client (and so Flink's Kafka sink)
    and kafka-python's default partitioner place them: keys of every length modulo 4, bytes above 0x7f too."""
    from kafka.partitioner.default import murmur2

    ensure_topics(fresh_topics)
    keys = [f"k-{i}" for i in range(200)] + ["\u00e9t\u00e9", "x", "xy", "xyz", "\U0001f600-wide"]
    with Publisher(fresh_topics) as publisher:
        for key in keys:
            publisher.send(topics.stories, key, b"{}")
    placed = {r.key.decode(): r.partition for r in read_all(fresh_topics, topics.stories)}
    assert placed == {key: (murmur2(key.encode()) & 0x7FFFFFFF) % 3 for key in keys}


def test_a_record_kafka_can_never_take_is_refused_once_with_its_bytes(fresh_topics, topics):
    ensure_topics(fresh_topics)
    big = b"x" * 2_000_000  # above the producer's message.max.bytes (1 MB): no broker would take it
    with Publisher(fresh_topics) as publisher:
        publisher.send(topics.alerts, "small", b"{}")
        publisher.send(topics.alerts, "big", big)
        with pytest.raises(KafkaRefused) as refused:
            publisher.flush(10)
        assert not is_transient(refused.value)
        assert refused.value.records == [(topics.alerts, "big", big)]
        publisher.flush(10)  # refused once: nothing is left to send
    assert [r.key for r in read_all(fresh_topics, topics.alerts)] == [b"small"]


def test_with_the_broker_away_flush_is_a_retriable_fault_and_the_records_wait(topics):
    """Nothing listens at the address: flush reports a fault the service waits out, and keeps the records."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nowhere = f"127.0.0.1:{s.getsockname()[1]}"
    publisher = Publisher(nowhere, delivery_timeout_ms=1_000)
    try:
        publisher.send(topics.alerts, "a1", b"{}")
        for timeout in (0.5, 2.0):  # before and after librdkafka's own delivery timeout
            with pytest.raises(KafkaUnavailable) as away:
                publisher.flush(timeout)
            assert is_transient(away.value)
            assert len(publisher._pending) == 1  # kept (sent again after the timeout), not dropped
    finally:
        assert publisher.fence(0.1) == 1


def test_unknown_producer_settings_are_a_clear_error():
    with pytest.raises(KafkaConfigError, match="unknown producer settings max_block_ms"):
        Publisher("127.0.0.1:9", max_block_ms=10)


def test_a_send_refused_without_a_kafka_error_is_reported_by_flush_not_taken_as_sent(topics):
    """A KafkaException carrying no KafkaError (the client's own failure) still leaves the record refused,
    with its bytes, at the next flush: never counted as delivered."""
    from confluent_kafka import KafkaException

    class Refusing:
        def produce(self, *args, **kwargs):
            raise KafkaException()

        def flush(self, timeout=None):
            return 0

        def purge(self):
            pass

    publisher = Publisher("127.0.0.1:9")
    publisher._producer = Refusing()
    publisher.send(topics.alerts, "a1", b"{}")
    with pytest.raises(KafkaRefused) as refused:
        publisher.flush(0.1)
    assert refused.value.records == [(topics.alerts, "a1", b"{}")]
    publisher.fence(0.1)
