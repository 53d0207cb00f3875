"""The alert's JSON shape read back: what the delivery step decodes from the alerts topic."""

from datetime import datetime, timezone

import orjson
import pytest

from wirewatch.records import Alert, DeadLetter, Evidence, Span, alert_from_json, dumps

ALERT = Alert(
    id="a1", rule="icbm", story_id="s1", cluster_id="c1", title="Missile", severity="high", score=2.5,
    countries=("KP",), regions=("Eastern Asia",), spans=(Span("body", 3, 7, "ICBM"),),
    published=datetime(2026, 1, 1, tzinfo=timezone.utc), alerted=datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc),
    url="https://example.org/a", source="voa", publisher="VOA", credit="Reuters",
    evidence=(Evidence("body", "An ICBM flew.", ((3, 7),)),),
)


def test_an_alert_survives_its_json_form():
    assert alert_from_json(dumps(ALERT), "t/0@1") == ALERT


def test_an_alert_written_before_the_new_fields_still_decodes():
    old = {k: v for k, v in ALERT.to_dict().items() if k not in ("url", "source", "publisher", "credit", "evidence")}
    got = alert_from_json(orjson.dumps(old), "t/0@1")
    assert isinstance(got, Alert) and got.url is None and got.evidence == ()


@pytest.mark.parametrize("raw", [b"", b"null", b"[1]", b"{", b'{"id": "a"}', b'{"id":"a","rule":"r","story_id":"s",'
                                 b'"cluster_id":"c","score":"high"}', b'{"id":"a","rule":"r","story_id":"s",'
                                 b'"cluster_id":"c","countries":"KP"}', b'{"id":"a","rule":"r","story_id":"s",'
                                 b'"cluster_id":"c","published":"yesterday"}'])
def test_a_bad_alert_record_is_a_dead_letter_not_an_exception(raw):
    got = alert_from_json(raw, "t/0@9")
    assert isinstance(got, DeadLetter) and got.stage == "decode-alert" and str(got.origin) == "t/0@9"
