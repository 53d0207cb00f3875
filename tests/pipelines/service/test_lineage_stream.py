"""Lineage and spreading on the always-on service (issue 16): `wirewatch run` against the real broker with a
hand-made UPDATE 1 / UPDATE 2 / correction sequence and copies from six outlets within the hour. The
stream's keyed state puts them in one cluster; an alert raised by a later version carries the lineage so far
with the changed number; the burst of outlets raises one spreading event with its numbers."""

from __future__ import annotations

import orjson
import pytest

from tests.kafkakit import wait_for
from tests.pipelines.service.test_service import alerts, lag, prism, start, stop  # noqa: F401 (prism: fixture)
from tests.transforms.test_clusterstate import _versions

pytestmark = pytest.mark.kafka
RULES = "version: 1\nrules:\n  - id: quake\n    query: 'earthquake OR quake'\n  - id: army\n    query: 'army'\n"


def test_versions_and_copies_give_one_cluster_lineage_in_alerts_and_one_spreading_event(fresh_topics, tmp_path):
    u1, u2, c2, copy = _versions()
    outlets = [copy.__class__.from_dict({**copy.to_dict(), "id": f"copy{n}", "publisher": None,
                                         "url": f"https://site{n}.example/news/nepal-quake"}) for n in range(6)]
    stories = [u1, copy, u2, c2, *outlets]
    path = tmp_path / "quake.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps({**s.to_dict(), "published": None}) for s in stories) + b"\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    log = tmp_path / "service.log"
    service = start("run", str(path), "--rules", str(rules), "--archive", str(tmp_path / "archive"),
                    "--metrics-port", "0", log=log)
    try:
        got = wait_for(lambda: (a := alerts(fresh_topics)) and {"quake", "army"} <= {x["rule"] for x in a}
                       and any(x["rule"].startswith("spreading:") for x in a) and a, timeout=120, what="the alerts")
        wait_for(lambda: lag(fresh_topics) == 0, timeout=60, what="offsets committed")
    finally:
        assert stop(service) == 0, log.read_text()[-3000:]
    got = alerts(fresh_topics)
    assert len({a["cluster_id"] for a in got}) == 1
    assert sorted(a["rule"] for a in got) == ["army", "quake", "spreading:growth>=6"]  # each once
    army = next(a for a in got if a["rule"] == "army")
    assert army["story_id"] == "u2"
    lineage = [m["story_id"] for m in army["lineage"]]  # in arrival order (partitions interleave the copies)
    assert lineage[0] == "u1" and lineage[-1] == "u2" and "c2" not in lineage
    assert army["lineage"][-1]["version"] == 3 and army["lineage"][-1]["changes"].endswith("death toll 12 -> 31")
    spreading = next(a for a in got if a["rule"].startswith("spreading:"))
    assert spreading["spread"]["window_outlets"] >= 6 and spreading["spread"]["crossed"] == ["growth>=6"]
