"""The additive record fields (wire versions on Story, lineage and spread on Alert): absent, the JSON form
is what it was; present, it round-trips."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

from wirewatch.records import Alert, Member, Spread, Story, alert_from_json, story_from_json

T = datetime(2024, 1, 2, 10, 0, tzinfo=timezone.utc)


def test_a_story_without_versions_keeps_its_old_json_shape():
    data = Story("s1", "text", published=T).to_dict()
    assert not {"item_id", "version", "supersedes", "correction"} & set(data)


def test_story_version_fields_round_trip_through_json():
    story = Story("s2", "text", item_id="urn:x", version=3, supersedes="s1", correction=True)
    back = story_from_json(orjson.dumps(story.to_dict()), "t/0@1")
    assert (back.item_id, back.version, back.supersedes, back.correction) == ("urn:x", 3, "s1", True)


def test_a_bad_version_is_a_dead_letter():
    assert story_from_json(b'{"id": "a", "body": "b", "version": "two"}', "t/0@1").stage == "decode"


def test_alert_lineage_and_spread_round_trip_and_are_absent_when_empty():
    plain = Alert("a", "r", "s", "c", "t", "high", 1.0)
    assert not {"lineage", "spread"} & set(plain.to_dict())
    lineage = (Member("s1", "reuters.com", "https://reuters.com/x", T, 1), Member("s2", "ap", None, T, 2,
                                                                                   True, "death toll 12 -> 31"))
    spread = Spread(10, ("Southern Asia",), ("Southern Asia",), 4.0, 8, ("outlets>=10",))
    alert = Alert("a", "r", "s", "c", "t", "high", 1.0, lineage=lineage, spread=spread)
    back = alert_from_json(orjson.dumps(alert.to_dict()), "alerts/0@0")
    assert back == alert
