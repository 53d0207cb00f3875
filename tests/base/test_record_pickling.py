"""Records pass between Beam steps pickled: each pickles as the tuple of its field values and comes back
equal, nested records and tz-aware times included."""

import dataclasses
import pickle
from datetime import datetime, timezone

import pytest

from wirewatch import records as R

WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc)
SPAN = R.Span("body", 0, 5, "Seoul")
STORY = R.Story(id="s1", body="Seoul said", title="T", published=WHEN, origin=R.Origin("feed", line=3), version=2)
MEMBER = R.Member("s1", outlet="example.com", seen=WHEN)
SPREAD = R.Spread(3, regions=("Eastern Asia",))
ENRICHED = R.EnrichedStory(STORY, (R.CountryTag("KR", 0.9, (SPAN,)),), ("Eastern Asia",),
                           (R.RuleMatch("icbm", 1.0, (SPAN,), "a"),), R.Cluster("s1"), (MEMBER,), SPREAD)
ALERT = R.Alert("a1", "icbm", "s1", "s1", "T", "high", 1.0, countries=("KR",), spans=(SPAN,), published=WHEN,
                evidence=(R.Evidence("body", "Seoul"),), lineage=(MEMBER,), spread=SPREAD)
RECORDS = [R.Origin("feed", 7, 1, 2), SPAN, STORY, R.CountryTag("KR", 0.9), R.RuleMatch("r", 0.5),
           R.Cluster("a", "b"), MEMBER, SPREAD, ENRICHED, R.Evidence("body", "x"), ALERT,
           R.StoryAlerts(ENRICHED, (ALERT,)), R.DeadLetter(R.Origin("feed"), "parse", "bad", raw="x")]


def test_every_slotted_record_is_covered():
    slotted = {c for c in vars(R).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
               and "__slots__" in vars(c) and c.__module__ == R.__name__}
    assert slotted == {type(r) for r in RECORDS}


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_pickles_as_its_field_values_and_comes_back_equal(record):
    values = tuple(getattr(record, f.name) for f in dataclasses.fields(record))
    assert record.__getstate__() == values
    back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == record and type(back) is type(record)
    legacy = object.__new__(type(record))  # the state the dataclass default wrote: a list of the values
    legacy.__setstate__(list(values))
    assert legacy == record
