"""The bridge's per-entry shortcuts (connectors.feeds.fastfeedparser_path) against the general rules they
stand for, on generated values."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.connectors.feeds.floors import Floor
from wirewatch.connectors.feeds import fastfeedparser_path

MOMENTS = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1))
OFFSETS = st.one_of(st.none(), st.just(timezone.utc),
                    st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))))
WHEN_FLOOR = Floor(as_it_is=30, converted=30)


def _general_when(value: str) -> datetime | None:
    """The rule for every ISO text: whole seconds, in UTC (a naive time read as UTC)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    moment = moment.replace(microsecond=0)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@WHEN_FLOOR
@settings(max_examples=400, deadline=None)
@given(moment=MOMENTS, offset=OFFSETS, whole=st.booleans(), spec=st.sampled_from(["auto", "seconds"]))
@example(moment=datetime(2024, 3, 8, 0, 0, 0, 750000), offset=timezone.utc, whole=False, spec="auto")
def test_dates_are_what_the_general_rule_gives(moment: datetime, offset: timezone | None, whole: bool,
                                                spec: str) -> None:
    """fastfeedparser's usual answer (UTC, whole seconds) is taken as it is; every other ISO text is cut to
    whole seconds and turned to UTC. Both equal the general rule, in value and in time zone."""
    moment = moment.replace(tzinfo=offset, microsecond=0 if whole else moment.microsecond)
    text = moment.isoformat(timespec=spec)
    got, expected = fastfeedparser_path._when(text), _general_when(text)
    assert got == expected and got is not None and expected is not None
    assert got.tzinfo is timezone.utc and got.microsecond == 0
    WHEN_FLOOR.count("as_it_is" if offset is timezone.utc and not moment.microsecond else "converted")


def test_a_date_not_in_iso_form_is_none() -> None:
    assert fastfeedparser_path._when("Fri, 08 Mar 2024 00:00:00 GMT") is None
    assert fastfeedparser_path._when(None) is None
