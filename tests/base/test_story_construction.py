"""Story's checks and field normalisation (origin text parsed, times made UTC) on arbitrary field values,
against the rule written out plainly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.errors import RecordError
from wirewatch.records import Origin, Story

ZONES = st.one_of(st.none(), st.just(timezone.utc),
                  st.integers(-23 * 60 + 1, 23 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))))
TIMES = st.none() | st.builds(lambda t, z: t.replace(tzinfo=z), st.datetimes(datetime(1, 1, 3), datetime(9999, 12, 30)),
                              ZONES)
ORIGINS = st.none() | st.just("") | st.text() | st.builds(lambda s, n: f"{s}#{n}", st.text(), st.integers(1, 99)) \
    | st.builds(Origin.kafka, st.text(min_size=1), st.integers(0, 9), st.integers(0, 99))


def expected_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise RecordError("naive")
    return value.astimezone(timezone.utc)


@settings(max_examples=500, deadline=None)
@given(published=TIMES, fetched=TIMES, produced=TIMES, origin=ORIGINS)
def test_story_normalises_its_fields_as_the_rule_says(published, fetched, produced, origin) -> None:
    try:
        expected = [expected_time(value) for value in (published, fetched, produced)]
    except RecordError:
        with pytest.raises(RecordError):
            Story(id="x", body="b", published=published, fetched=fetched, produced=produced, origin=origin)
        return
    story = Story(id="x", body="b", published=published, fetched=fetched, produced=produced, origin=origin)
    got = [story.published, story.fetched, story.produced]
    assert got == expected
    assert [t and t.tzinfo for t in got] == [t and timezone.utc for t in expected]  # equal instants are not enough
    if origin is None or origin == "":
        assert story.origin is None
    else:
        assert story.origin == (origin if isinstance(origin, Origin) else Origin.parse(origin))
        assert isinstance(story.origin, Origin)


@settings(max_examples=500, deadline=None)
@given(text=st.text(), number=st.integers(1, 10**6))
def test_an_entry_origin_is_parsed_as_plain_text(text: str, number: int) -> None:
    """Feed parsers make an entry's origin ``<document origin>#<number>`` as Origin(text) without parsing it."""
    assert Origin.parse(f"{text}#{number}") == Origin(f"{text}#{number}")
