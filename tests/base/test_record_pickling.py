"""Records pass between Beam steps pickled: each pickles as the tuple of its field values and comes back
equal, nested records and tz-aware times included."""

import dataclasses
import io
import pickle
from datetime import datetime, timedelta, timezone

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


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_pickles_to_the_bytes_the_default_reduction_writes(record, monkeypatch):
    """``__reduce_ex__`` only saves the default's look-ups: a log or an element pickled before (or by a reader
    without it) is byte for byte what it writes, nested records included."""
    ours = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    for cls in {type(r) for r in RECORDS}:
        monkeypatch.delattr(cls, "__reduce_ex__")  # object's own: __getstate__ through NEWOBJ and BUILD
    assert pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL) == ours


def test_a_shorter_state_is_set_as_far_as_it_goes():
    """A record pickled before its last field was added: the fields it has are set, as the loop set them."""
    values = tuple(getattr(ALERT, f.name) for f in dataclasses.fields(ALERT))
    older = object.__new__(R.Alert)
    older.__setstate__(values[:-1])
    assert older.lineage == ALERT.lineage and older.evidence == ALERT.evidence
    with pytest.raises(AttributeError):
        older.spread  # noqa: B018 (never set)


def test_a_wrapped_getstate_still_sees_every_pickle(monkeypatch):
    """Tests count pickles by wrapping ``__getstate__`` (tests/pipelines/test_bounded_beam.py): the faster
    reduction still goes through it."""
    seen = []
    original = R.Story.__getstate__

    def counted(self):
        seen.append(self.id)
        return original(self)

    monkeypatch.setattr(R.Story, "__getstate__", counted)
    pickle.dumps(ENRICHED, protocol=pickle.HIGHEST_PROTOCOL)
    assert seen == ["s1"]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_copies_through_the_same_reduction(record):
    """copy and deepcopy go through ``__reduce_ex__`` and ``__setstate__`` too (the alert sink deep-copies)."""
    import copy

    for copied in (copy.copy(record), copy.deepcopy(record)):
        assert copied == record and type(copied) is type(record) and copied is not record


ZONES = [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-3, minutes=-30), "X"),
         timezone(timedelta(0), "named UTC")]


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_a_timezone_pickles_to_the_default_bytes_and_back(zone, protocol):
    """records registers a reduction for ``timezone``: the bytes are those of the default (a pickler whose
    own dispatch table is empty does not consult copyreg's), and they load as the same zone (UTC as the
    one ``timezone.utc``)."""
    when = datetime(2026, 3, 1, 12, 30, 15, 250, tzinfo=zone)

    def default(value):
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=protocol)
        pickler.dispatch_table = {}
        pickler.dump(value)
        return out.getvalue()

    for value in (zone, when, (when, when.astimezone(timezone.utc))):
        ours = pickle.dumps(value, protocol=protocol)
        assert ours == default(value)
        back = pickle.loads(ours)
        assert back == value and str(back) == str(value)
    assert pickle.loads(pickle.dumps(zone, protocol=protocol)).tzname(None) == zone.tzname(None)
    assert pickle.loads(pickle.dumps(timezone.utc, protocol=protocol)) is timezone.utc


def test_a_story_with_a_time_pickles_without_searching_slot_names(monkeypatch):
    """The default reduction of a ``timezone`` asked ``copyreg._slotnames`` for every pickle (a C type cannot
    keep the answer): a story's or a lineage member's aware time no longer does."""
    import copyreg

    def searched(cls):
        raise AssertionError(f"slot names of {cls.__name__} searched")

    monkeypatch.setattr(copyreg, "_slotnames", searched)
    for record in (STORY, MEMBER, ENRICHED, ALERT):
        assert pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)) == record
