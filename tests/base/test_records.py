import dataclasses
import json
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.records import DeadLetter, Origin, RecordError, Span, Story, dumps, loads, parse_time, story_from_json


def test_story_round_trips_through_json():
    story = Story(
        id="s1", body="Text", title="T", published=datetime(2024, 11, 4, 9, 0, tzinfo=timezone(timedelta(hours=9))),
        authors=("A. Writer",), credit="Reuters",
    )
    data = loads(dumps(story))
    assert data["published"] == "2024-11-04T00:00:00Z"
    assert Story.from_dict(data) == story


def test_naive_datetimes_are_refused():
    with pytest.raises(RecordError, match="naive"):
        Story(id="s", body="b", published=datetime(2024, 1, 1))
    with pytest.raises(RecordError, match="no timezone"):
        parse_time("2024-01-01T00:00:00")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"id": "x"}, "missing required field"),
        ({"body": "b"}, "missing required field"),
        ({"id": "x", "body": 5}, "'body' must be a string"),
        ({"id": "x", "body": "b", "published": "yesterday"}, "not ISO 8601"),
        ({"id": "x", "body": "b", "title": {"a": 1}}, "'title' must be text"),
        (["not", "an", "object"], "must be a JSON object"),
    ],
)
def test_bad_story_json_names_the_problem(data, message):
    with pytest.raises(RecordError, match=message):
        Story.from_dict(data)


def test_numeric_ids_become_text():
    assert Story.from_dict({"id": 7, "body": "b"}).id == "7"


def test_dead_letter_message_names_origin_and_stage():
    d = DeadLetter("in.jsonl:3", "parse", "not JSON")
    assert d.message() == "in.jsonl:3: parse: not JSON"
    assert loads(dumps(d))["origin"] == "in.jsonl:3"


@given(st.text(), st.integers(0, 50), st.integers(0, 50))
def test_span_json_shape(text, a, b):
    start, end = sorted((a, b))
    span = Span("body", start, end, text[start:end])
    assert Span.from_dict(loads(dumps(span))) == span


def test_unsynced_writes_then_one_filesystem_sync(tmp_path):
    from wirewatch.connectors.sinks.files import sync_filesystem, write_unsynced

    for i in range(3):
        write_unsynced(tmp_path / "dt=2024-11-04" / f"{i}.json", b"{}\n")
    write_unsynced(tmp_path / "dt=2024-11-04" / "0.json", b'{"again": 1}\n')  # idempotent by name: replaced
    sync_filesystem(tmp_path)
    files = sorted(p.name for p in (tmp_path / "dt=2024-11-04").iterdir())
    assert files == ["0.json", "1.json", "2.json"]  # no temporary files left behind
    assert (tmp_path / "dt=2024-11-04" / "0.json").read_bytes() == b'{"again": 1}\n'


def test_fetched_at_sets_the_fetch_time_and_an_undated_storys_stand_in():
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    earlier = datetime(2024, 5, 1, tzinfo=timezone.utc)
    undated = Story(id="u", body="b", undated=True)
    assert undated.fetched_at(when) == Story(id="u", body="b", undated=True, published=when, fetched=when)
    dated = Story(id="d", body="b", published=earlier)
    assert dated.fetched_at(when) == Story(id="d", body="b", published=earlier, fetched=when)
    kept = Story(id="k", body="b", undated=True, published=earlier, fetched=earlier)
    assert kept.fetched_at(when) == kept  # a story fetched before keeps its times
    data = loads(dumps(undated.fetched_at(when)))
    assert data["undated"] is True and data["published"] == "2024-05-06T07:08:09Z"


# The one guarded decode: whatever JSON (or not JSON) arrives, a Story or a dead letter with its bytes.
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=12,
)
_fields = st.fixed_dictionaries({}, optional={
    key: _json for key in ("id", "body", "title", "authors", "published", "fetched", "produced", "undated",
                           "summary", "url", "credit", "origin")
})


@settings(max_examples=400, deadline=None)
@given(st.one_of(_json, _fields))
def test_story_from_json_never_raises_on_any_json(value):
    data = json.dumps(value, ensure_ascii=False).encode()  # stdlib: also integers past 64 bits
    result = story_from_json(data, "t/0@1")
    if isinstance(result, DeadLetter):
        assert str(result.origin) == "t/0@1" and result.reason
        # the first 2,000 bytes; a character cut there is escaped, not dropped and not an error
        assert result.raw == data[:2000].decode("utf-8", "backslashreplace")
    else:
        assert isinstance(result, Story) and result.id and isinstance(result.body, str)
        assert str(result.origin) == "t/0@1"


_formatted = st.fixed_dictionaries({"id": st.text(max_size=3) | st.integers(), "body": st.text(max_size=5)}, optional={
    key: st.none() | st.text(max_size=4) | _json for key in ("format", "origin", "title", "published")
})


@settings(max_examples=300, deadline=None)
@given(st.one_of(_fields, _formatted), st.sampled_from([None, "", "jsonl"]),
       st.sampled_from(["t/0@1", "f.jsonl:3", "", Origin("g.jsonl", line=7)]))
def test_story_from_json_builds_what_the_copies_gave(value, default_format, origin):
    """One construction (the origin and the default format set as the story is made) gives the story that
    reading it and then copying it with the origin (and the format where it had none) gave."""
    data = json.dumps(value, ensure_ascii=False).encode()
    result = story_from_json(data, origin, default_format=default_format)
    try:
        story = Story.from_dict(orjson.loads(data))
    except Exception:
        assert isinstance(result, DeadLetter)
        return
    fmt = default_format if default_format and not story.format else story.format
    expected = dataclasses.replace(story, origin=Origin.parse(origin), format=fmt)
    assert result == expected and result.format == expected.format and str(result.origin) == str(origin)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_story_from_json_never_raises_on_any_bytes(data):
    result = story_from_json(data, "f.jsonl:3")
    assert isinstance(result, (Story, DeadLetter))


def test_story_from_json_poison_shapes_are_dead_letters():
    for data in (b'{"id":"p","body":"x y z","authors":5}', b'{"id":"y","body":"x","published":"0001-01-01T00:00:00+01:00"}',
                 b"null", b"42", b"[1,2,3]", b'{"id":"s","body":"\\ud800"}', b"[" * 5000 + b"]" * 5000, b"", None,
                 b'{"id":{"a":1},"body":"x"}'):
        result = story_from_json(data, "x")
        assert isinstance(result, DeadLetter), data[:40] if data else data
        assert result.stage == "decode"
