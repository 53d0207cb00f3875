"""A restarted service keeps its clusters' lineage and its wire items' versions (issue 16's leftover): the
engine's keyed state is gone after a restart, and the job warms it from the stories before its start, replayed
through the stream's own functions. A copy after the restart continues its cluster's lineage and spread as an
uninterrupted run would (the sixth outlet within the hour raises the spreading event), and a later version
whose text moved past the fingerprints joins its first version's cluster."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.kafkakit import read_all, wait_for
from tests.pipelines.service.test_lineage_stream import RULES, _jsonl
from tests.pipelines.service.test_service import alerts, lag, prism, start, stop  # noqa: F401 (prism: fixture)
from tests.transforms.test_clusterstate import _versions
from wirewatch.connectors.archive.layout import archive_files
from wirewatch.connectors.kafka.source import KafkaRecord, decode_record
from wirewatch.connectors.kafka.topics import Publisher, Topics
from wirewatch.pipelines.ingest import ingest_files
from wirewatch.records import EnrichedStory, Story
from wirewatch.transforms.clusterstate import warm_state

pytestmark = pytest.mark.kafka
ITEM = "reuters:nepal-quake"
LATER = ("Nepal's government declared three days of national mourning on Tuesday and asked foreign donors for "
         "tents, blankets and water purification tablets, as aid convoys reached the cut-off western districts.\n"
         "The finance ministry set aside a relief fund and the prime minister toured a field hospital in the "
         "district headquarters, where doctors said supplies of antibiotics were running short.")


def _rows(archive: Path) -> dict[str, dict]:
    rows = {}
    for path in archive_files(archive):
        for row in pq.read_table(path, columns=["id", "cluster_id", "supersedes", "lineage"]).to_pylist():
            rows[row["id"]] = row
    return rows


def _copy(story: Story, n: int) -> Story:
    return dataclasses.replace(story, id=f"site{n}", publisher=None, url=f"https://site{n}.example/news/nepal-quake")


def test_a_restarted_service_continues_lineage_spread_and_version_joins(fresh_topics, tmp_path):
    u1, _, _, copy = _versions()
    u1 = dataclasses.replace(u1, item_id=ITEM, title="Quake in western Nepal kills 12")
    later = Story("u3", LATER, title="Nepal mourns quake victims, asks for tents", publisher="Reuters",
                  url="https://www.reuters.com/world/asia/nepal-quake-aid", item_id=ITEM, version=3)
    rules, archive, log = tmp_path / "rules.yaml", tmp_path / "archive", tmp_path / "service.log"
    rules.write_text(RULES)
    service = start("run", _jsonl(tmp_path / "first.jsonl", [u1]), "--rules", str(rules),
                    "--archive", str(archive), "--metrics-port", "0", log=log)
    try:
        wait_for(lambda: lag(fresh_topics) == 0 and "u1" in _rows(archive), timeout=120, what="the first story")
        # Copies from four more outlets: five within the hour, one short of the spreading threshold (growth 6).
        with Publisher(fresh_topics) as publisher:
            ingest_files([_jsonl(tmp_path / "copies.jsonl", [copy, *(_copy(copy, n) for n in range(3))])], publisher)
        wait_for(lambda: lag(fresh_topics) == 0 and len(_rows(archive)) == 5, timeout=60, what="the copies")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    assert not any(a["rule"].startswith("spreading:") for a in alerts(fresh_topics))

    # While the service is down: a sixth outlet's copy. Once the restarted job has it, a later version of the
    # wire item in other words (sent together, either could reach the cluster first, and the copy's lineage
    # would then hold the version or not).
    with Publisher(fresh_topics) as publisher:
        ingest_files([_jsonl(tmp_path / "after.jsonl", [_copy(copy, 3)])], publisher)
    service = start("process", "--rules", str(rules), "--archive", str(archive), "--metrics-port", "0", log=log)
    try:
        # committed (lag 0) comes after a story's alerts are published
        wait_for(lambda: lag(fresh_topics) == 0 and len(_rows(archive)) == 6, timeout=120, what="the sixth copy")
        with Publisher(fresh_topics) as publisher:
            ingest_files([_jsonl(tmp_path / "later.jsonl", [later])], publisher)
        wait_for(lambda: lag(fresh_topics) == 0 and len(_rows(archive)) == 7, timeout=120, what="the later version")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]

    rows = _rows(archive)
    before = ["u1", "copy", "site0", "site1", "site2"]
    # (a) the copy's lineage continues the cluster's, as it would have without the restart
    assert rows["site3"]["cluster_id"] == "u1"
    assert sorted(m["story_id"] for m in rows["site3"]["lineage"]) == sorted([*before, "site3"])
    # ... and is what replaying the same stories in their order gives (regions play no part here)
    stored = [decode_record(KafkaRecord(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp))
              for r in read_all(fresh_topics, Topics.from_env().stories)]
    tracks, _ = warm_state([s for s in stored if s.id != "u3"], lambda p: EnrichedStory(p[0], cluster=p[1]), 100)
    assert [(m["story_id"], m["outlet"]) for m in rows["site3"]["lineage"]] == [
        (m.story_id, m.outlet) for m in tracks["u1"].members]
    spreading = [a for a in alerts(fresh_topics) if a["rule"].startswith("spreading:")]
    assert [a["rule"] for a in spreading] == ["spreading:growth>=6"]
    assert spreading[0]["cluster_id"] == "u1" and spreading[0]["spread"]["window_outlets"] == 6
    # (b) the later version joins its first version's cluster and names the version it replaces
    assert rows["u3"]["cluster_id"] == "u1" and rows["u3"]["supersedes"] == "u1"
    assert {m["story_id"] for m in rows["u3"]["lineage"]} >= {*before, "u3"}
