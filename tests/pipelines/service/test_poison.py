"""Malformed records on the stories topic, before and after good stories: the service alerts on every good
story, turns each bad record into a dead letter that carries its bytes, never exits, and starts again over
the same records (its dedupe warm-up re-reads them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
from kafka import KafkaProducer

from tests.conftest import ROOT
from tests.archivekit import archived_once
from tests.kafkakit import ensure_topics, read_all, wait_for
from tests.pipelines.service.test_service import alerts, lag, start, stop
from tests.pipelines.test_poison_replay import LINES

POISON: dict[str, bytes | None] = {
    "authors-not-a-list": b'{"id":"p","body":"x y z","authors":5}',
    "year-one": b'{"id":"y","body":"x y z","published":"0001-01-01T00:00:00+01:00"}',
    "null": b"null",
    "number": b"42",
    "array": b"[1,2,3]",
    "lone-surrogate": b'{"id":"s","body":"\\ud800 alone"}',
    "deep": b"[" * 5000 + b"]" * 5000,
    "tombstone": None,
    "not-utf8": b'{"id":"b","body":"\xff\xfe"}',
    "id-object": b'{"id":{"a":1},"body":"x"}',
    "empty": b"",
}


def good(i: int) -> bytes:
    return orjson.dumps({"id": f"good-{i}", "title": f"North Korea fires missile {i}",
                         "body": f"North Korea fired an intercontinental ballistic missile, test number {i}, "
                                 f"officials in Seoul said on day {i} of the month."})


def produce(bootstrap: str, topic: str, items: list[tuple[str, bytes | None]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value in items:
            producer.send(topic, key=key.encode(), value=value, partition=0)
        producer.flush(30)
    finally:
        producer.close()


def test_poison_records_become_dead_letters_and_the_service_stays_up(fresh_topics, topics, tmp_path):
    archive, log = tmp_path / "archive", tmp_path / "service.log"
    ensure_topics(fresh_topics)
    before = [(f"good-{i}", good(i)) for i in range(3)] + list(POISON.items())[:6]
    after = list(POISON.items())[6:] + [(f"good-{i}", good(i)) for i in range(3, 6)]
    items = before + after
    produce(fresh_topics, topics.stories, before)  # waiting when the service starts
    service = start("process", "--archive", str(archive), "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: lag(fresh_topics) == 0, timeout=90, what="the backlog processed and committed")
        produce(fresh_topics, topics.stories, after)  # arriving while it runs
        wait_for(lambda: lag(fresh_topics) == 0, timeout=90, what="every record processed and committed")
        assert service.poll() is None, log.read_text()[-3000:]
        # A restart over the same (committed) records: the warm-up reads the poison again and survives.
        assert stop(service) == 0, log.read_text()[-3000:]
        service = start("process", "--archive", str(archive), "--metrics-port", "0", log=log)
        produce(fresh_topics, topics.stories, [("good-6", good(6)), ("again", POISON["authors-not-a-list"])])
        wait_for(lambda: lag(fresh_topics) == 0, timeout=90, what="the records after the restart")
        assert service.poll() is None, log.read_text()[-3000:]
    finally:
        assert stop(service, signal.SIGTERM) == 0, log.read_text()[-3000:]

    alerted = {a["story_id"] for a in alerts(fresh_topics) if a["rule"] == "icbm"}
    assert alerted == {f"good-{i}" for i in range(7)}
    archived = archived_once(archive)  # and none twice
    assert archived == {f"good-{i}" for i in range(7)}
    dead = [orjson.loads(r.value) for r in read_all(fresh_topics, topics.deadletter)]
    assert len(dead) == len(POISON) + 1
    assert all(d["stage"] == "decode" and d["origin"].startswith(topics.stories + "/0@") for d in dead)
    by_offset = {int(d["origin"].rpartition("@")[2]): d for d in dead}
    for offset, (name, value) in enumerate(items):
        if name in POISON:
            letter = by_offset.pop(offset)
            assert letter["reason"], name
            if value:  # the record's bytes, excerpted, in the dead letter
                assert letter["raw"] and letter["raw"].startswith(value.decode("utf-8", "backslashreplace")[:40]), name
    assert len(by_offset) == 1  # the one published again after the restart


def test_ingest_of_poison_lines_exits_zero_with_dead_letters(fresh_topics, topics, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(LINES) + b"\n")
    exe = Path(sys.executable).with_name("wirewatch")
    done = subprocess.run([str(exe), "ingest", str(src)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dead letters: 8" in done.stdout
    assert len(read_all(fresh_topics, topics.stories)) == 2
    assert len(read_all(fresh_topics, topics.deadletter)) == 8
