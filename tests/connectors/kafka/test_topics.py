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
