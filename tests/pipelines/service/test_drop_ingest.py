"""`wirewatch ingest --watch` as a user runs it, on real files and the real broker: files already in the
drop folder at start are ingested once, a `kill -9` and restart ingests nothing again, and a file written
slowly in three parts becomes one story."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from tests.conftest import ROOT
from tests.kafkakit import read_all

QUIET = 4.0  # the quiet period given to the watcher; its poll interval is 1 s
STORY = "SEOUL (Reuters) - North Korea fired a ballistic missile into the sea on Monday, the South's military said."


def start(drop: Path, bootstrap: str) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("wirewatch")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([str(exe), "ingest", "--watch", str(drop), "--quiet-period", str(QUIET),
                             "--bootstrap", bootstrap], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def bodies(bootstrap: str, topic: str) -> list[str]:
    return sorted(orjson.loads(r.value)["body"] for r in read_all(bootstrap, topic))


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.5)


def test_drop_folder_into_kafka_across_a_kill(fresh_topics, topics, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "one.txt").write_text(STORY)
    (drop / "two.jsonl").write_text('{"id": "a", "body": "Troops withdrew from the border."}\n')
    service = start(drop, fresh_topics)
    try:
        wait_for(lambda: len(bodies(fresh_topics, topics.stories)) >= 2)
        assert bodies(fresh_topics, topics.stories) == sorted([STORY, "Troops withdrew from the border."])
        wait_for(lambda: (drop / ".wirewatch-drop-state.json").exists())
    finally:
        service.send_signal(signal.SIGKILL)
        service.wait(30)

    service = start(drop, fresh_topics)  # restarted after kill -9: the ledger says both are delivered
    try:
        slow = drop / "slow.txt"
        with slow.open("w") as out:
            for part, pause in ((STORY[:40], 1.5), (STORY[40:80], 2.0), (STORY[80:], 0.0)):
                out.write(part)
                out.flush()
                time.sleep(pause)  # longer than a poll, shorter than the quiet period
        wait_for(lambda: len(bodies(fresh_topics, topics.stories)) >= 3)
        time.sleep(QUIET + 2)  # anything taken twice would have been published by now
        assert bodies(fresh_topics, topics.stories) == sorted([STORY, STORY, "Troops withdrew from the border."])
        assert read_all(fresh_topics, topics.deadletter) == []
    finally:
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=30)
    assert service.returncode == 0, err.decode()[-2000:]
    assert b"Traceback" not in err
