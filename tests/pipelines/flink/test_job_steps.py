"""The Flink job's functions (pipelines/flink/job.py) on bad input, called directly in PyFlink's own Python
(job_probe.py) without a cluster: the dead letters they write are the Beam chain's for the same failure, and
a story whose rules failed still counts in its cluster. The cluster tests (test_flink.py) send only good
stories. Skipped where PyFlink's environment is missing (scripts/test sets it up)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT
from wirewatch.connectors.kafka.source import KafkaRecord, decode_record
from wirewatch.pipelines.flink.submit import FlinkNotFound, flink_python, stage
from wirewatch.records import Cluster, Story, dumps
from wirewatch.transforms.normalize import normalize
from wirewatch.transforms.steps import Failed, failed_letter

STORY = {"id": "s1", "title": "North Korea fires missile",
         "body": "North Korea fired an intercontinental ballistic missile toward the sea, Seoul said."}

STREAM = [STORY, {"id": "s2", "title": "Missile launch",
                  "body": "North Korea launched a ballistic missile again, the second in a week, Tokyo said."},
          {**STORY, "id": "s3"}, {"id": "s4", "body": "Wheat prices rose on the Chicago exchange on Tuesday."}]


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    try:
        python = flink_python()
    except FlinkNotFound as missing:
        pytest.skip(str(missing))
    staged = stage(tmp_path_factory.mktemp("staged"))
    archive = tmp_path_factory.mktemp("archive")
    story = normalize(Story.from_dict(STORY))
    case = {"values": ["not a story", orjson.dumps(STORY).decode()], "story": story.to_dict(), "cluster": "c1",
            "archive": str(archive), "stream": [orjson.dumps(s).decode() for s in STREAM]}
    done = subprocess.run([str(python), str(ROOT / "tests" / "pipelines" / "flink" / "job_probe.py")],
                          input=json.dumps(case), capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(staged), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), story, archive


def as_json(record) -> dict:
    return orjson.loads(dumps(record))


def test_a_value_that_is_not_a_story_is_the_beam_readers_dead_letter(probe):
    out, _, _ = probe
    record = KafkaRecord("stories", 0, 7, None, b"not a story", 1_700_000_000_000)
    assert out["prepare"][0] == ["dead", as_json(decode_record(record))]
    kind, (story, *_rest) = out["prepare"][1]
    assert kind == "out" and story["id"] == "s1"


def test_places_that_failed_are_the_classify_dead_letter(probe):
    out, story, _ = probe
    want = failed_letter((story, Cluster("c1")), "classify", Failed("ValueError: boom"))
    assert out["place"] == [["dead", as_json(want)]]


def test_rules_that_failed_give_the_match_dead_letter_and_the_story_still_counts(probe):
    out, story, archive = probe
    [[kind, letter]] = out["failed_match"]
    assert kind == "dead" and letter["stage"] == "match" and letter["reason"] == "KeyError: x"
    assert out["track_after_failure"] is True
    alerts = [a for kind, a in out["first"] if kind == "alert"]
    assert {a["rule"] for a in alerts} >= {"icbm"} and all(a["story_id"] == "s1" for a in alerts)
    assert out["again"] == []  # the cluster's alerts were sent once
    assert [json.loads(p.read_bytes())["id"] for p in Path(archive).rglob("*.json")] == ["s1"]
    # the file (written twice, the same path) stays in the cluster's state until the timer after it is durable
    assert out["unarchived_before_timer"] == 2 and out["timers"] == [1_200, 1_200]
    assert out["unarchived_after_timer"] == 0


def test_the_fused_step_yields_what_the_split_steps_yield(probe):
    out, _, _ = probe
    alerts = [[a for kind, a in story if kind == "alert"] for story in out["fused"]]
    assert alerts[0] and not alerts[2]  # the copy of s1 joins its cluster, which alerted already
    for story in out["fused"] + out["split"]:
        for kind, a in story:
            a.pop("alerted")
    assert out["fused"] == out["split"]
    # each cluster's track and sent alerts are entries of the one key's map states, by cluster id
    clusters = out["clusters"]
    assert clusters[2] == clusters[0] and len(set(clusters)) >= 2
    assert out["fused_states"]["track-by-cluster"] == sorted(set(clusters))
    sent = {(a["cluster_id"], a["rule"]) for story in out["split"] for kind, a in story if kind == "alert"}
    assert out["fused_states"]["sent-by-cluster"] == sorted(f"{c}\0{r}" for c, r in sent)


def test_the_one_step_yields_what_prepare_and_the_fused_step_yield(probe):
    out, _, _ = probe
    [[kind, letter]] = out["one_step"][0]  # not a story: the reader's dead letter, passed on
    assert kind == "dead" and letter["stage"] == out["prepare"][0][1]["stage"]
    for story in out["one_step"][1:] + out["fused"]:
        for kind, a in story:
            a.pop("alerted", None)
    assert out["one_step"][1:] == out["fused"]
    assert out["one_step_states"] == out["fused_states"]  # the same state, so savepoints move between them
