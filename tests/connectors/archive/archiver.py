"""A test's stand-in for the streaming job's archive step: read stories from Kafka in polls, write each
poll to the Parquet archive, and only then commit the group's offsets (the order the service keeps). Exits
when it has committed everything up to the end offsets it saw at start.

    python -m tests.connectors.archive.archiver BOOTSTRAP TOPIC GROUP ARCHIVE

Prints ``read N`` per poll, so the test can count re-reads."""

from __future__ import annotations

import sys

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from wirewatch.connectors.archive.writer import ParquetArchive
from wirewatch.connectors.kafka.source import KafkaRecord, decode_record
from wirewatch.records import EnrichedStory, Story


def main(bootstrap: str, topic: str, group: str, root: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", max_poll_records=300)
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(tps)
    ends = consumer.end_offsets(tps)
    archive = ParquetArchive(root)
    while any(consumer.position(tp) < ends[tp] for tp in tps):
        polled = consumer.poll(timeout_ms=1000)
        stories = [decode_record(KafkaRecord(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp))
                   for batch in polled.values() for r in batch]
        if not stories:
            continue
        print(f"read {len(stories)}", flush=True)
        archive.write(EnrichedStory(s) for s in stories if isinstance(s, Story))
        consumer.commit({tp: OffsetAndMetadata(batch[-1].offset + 1, "", -1) for tp, batch in polled.items()})
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
