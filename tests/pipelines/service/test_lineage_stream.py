"""Lineage and spreading on the always-on service (issue 16): `wirewatch run` against the real broker with a
hand-made UPDATE 1 / UPDATE 2 / correction sequence and copies from six outlets within the hour. The
stream's keyed state puts them in one cluster; an alert raised by a later version carries the lineage so far
with the changed number; the burst of outlets raises one spreading event with its numbers."""

from __future__ import annotations

import orjson
import pytest

from tests.kafkakit import wait_for
from wirewatch.connectors.kafka.topics import Publisher
from wirewatch.pipelines.ingest import ingest_files
from tests.pipelines.service.test_service import alerts, lag, prism, start, stop  # noqa: F401 (prism: fixture)
from tests.transforms.test_clusterstate import _versions

pytestmark = pytest.mark.kafka
RULES = "version: 1\nrules:\n  - id: quake\n    query: 'earthquake OR quake'\n  - id: army\n    query: 'army'\n"


def _jsonl(path, stories) -> str:
    path.write_bytes(b"\n".join(orjson.dumps({**s.to_dict(), "published": None}) for s in stories) + b"\n")
    return str(path)


def test_versions_and_copies_give_one_cluster_lineage_in_alerts_and_one_spreading_event(fresh_topics, topics, tmp_path):
    u1, u2, c2, copy = _versions()
    outlets = [copy.__class__.from_dict({**copy.to_dict(), "id": f"copy{n}", "publisher": None,
                                         "url": f"https://site{n}.example/news/nepal-quake"}) for n in range(6)]
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    log = tmp_path / "service.log"
    service = start("run", _jsonl(tmp_path / "first.jsonl", [u1]), "--rules", str(rules),
                    "--archive", str(tmp_path / "archive"), "--metrics-port", "0", log=log)
    try:
        # The steps after the reader are keyed by different keys (the index, the item, the cluster), and the
        # runner keeps no order between them: the later stories come once the earlier ones are through.
        wait_for(lambda: (a := alerts(fresh_topics)) and {"quake"} <= {x["rule"] for x in a} and lag(fresh_topics) == 0,
                 timeout=120, what="the first version")
        # The copy after the first version is through: sent together, they may land on two partitions and
        # reach the cluster index in either order, and the one that comes first leads the cluster.
        for n, batch in enumerate(([copy], [u2], [c2, *outlets])):
            with Publisher(fresh_topics) as publisher:
                ingest_files([_jsonl(tmp_path / f"more{n}.jsonl", batch)], publisher)
            wait_for(lambda: lag(fresh_topics) == 0, timeout=60, what="the later stories")
        wait_for(lambda: any(x["rule"].startswith("spreading:") for x in alerts(fresh_topics)), timeout=30,
                 what="the spreading event")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    got = alerts(fresh_topics)
    assert len({a["cluster_id"] for a in got}) == 1
    assert sorted(a["rule"] for a in got) == ["army", "quake", "spreading:growth>=6"]  # each once
    army = next(a for a in got if a["rule"] == "army")
    assert army["story_id"] == "u2"
    assert [m["story_id"] for m in army["lineage"]] == ["u1", "copy", "u2"]
    assert army["lineage"][-1]["version"] == 3 and army["lineage"][-1]["changes"].endswith("death toll 12 -> 31")
    spreading = next(a for a in got if a["rule"].startswith("spreading:"))
    assert spreading["spread"]["window_outlets"] >= 6 and spreading["spread"]["crossed"] == ["growth>=6"]
