from __future__ import annotations

import orjson
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from wirewatch.connectors.kafka.topics import Publisher, ensure_topics
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


class _Cluster:
    """The two questions a partitioner asks of kafka-python's ClusterMetadata."""

    def __init__(self, topic: str, partitions: set[int]) -> None:
        self.topic, self.partitions = topic, partitions

    def topics(self) -> set[str]:
        return {self.topic}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions if topic == self.topic else None

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions_for_topic(topic) or set()


def test_keyed_records_go_where_kafka_pythons_default_partitioner_sends_them():
    """Our murmur2 is kafka-python's (the Java client's) on keys of every length modulo 4, and the
    partitioner picks the same partition for every partition count, gaps in the numbering included."""
    import random

    from kafka.partitioner.default import DefaultPartitioner, murmur2 as reference

    from wirewatch.connectors.kafka.topics import KeyedPartitioner, murmur2

    rng = random.Random(12)
    keys = [rng.randbytes(n) for n in range(70) for _ in range(40)]
    keys += [f"b-{i}".encode() for i in range(500)] + [b"\xff" * 9, b"\x80\x00\x00\x80\x7f"]
    assert all(murmur2(k) == reference(k) for k in keys)
    ours, theirs = KeyedPartitioner(), DefaultPartitioner()
    for partitions in ({0}, {0, 1}, {0, 1, 2}, set(range(7)), {0, 2, 5}):
        cluster = _Cluster("t", partitions)
        for key in keys[::7]:
            assert ours.partition("t", key, key, None, None, cluster) == theirs.partition("t", key, key, None, None, cluster)
    assert KeyedPartitioner().partition("t", None, None, None, None, _Cluster("t", {4})) == 4
