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


PLAIN = (R.Story, R.Member)  # pickled as plain values (records._plainly); the rest as the default writes


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_pickled_the_default_way_still_loads(record, monkeypatch):
    """``__reduce_ex__`` only saves the default's look-ups, and for a story or a lineage member writes plain
    values: what the default wrote (object's own reduction: NEWOBJ, then BUILD with the values) loads equal,
    and a record holding neither is pickled byte for byte as the default writes it."""
    ours = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    for cls in {type(r) for r in RECORDS}:
        monkeypatch.delattr(cls, "__reduce_ex__")  # object's own: __getstate__ through NEWOBJ and BUILD
    default = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    monkeypatch.undo()
    assert pickle.loads(default) == record
    assert (ours == default) == (not _holds_plain(record))


def _holds_plain(value) -> bool:
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, tuple):
        return any(map(_holds_plain, value))
    return dataclasses.is_dataclass(value) and any(_holds_plain(getattr(value, f.name))
                                                   for f in dataclasses.fields(value))


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


TIMES = [None, WHEN, datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
         datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc),
         datetime(2026, 3, 1, 12, 30, 0, 1, tzinfo=timezone.utc)]


@pytest.mark.parametrize("when", TIMES, ids=str)
def test_a_story_and_a_member_pickle_as_plain_values_and_come_back_the_same(when):
    """Times as microseconds since the epoch and the origin as its fields: back equal, each time the same
    instant in UTC (``timezone.utc`` itself), the origin's ``follows`` (outside equality) kept, and no
    datetime, timezone or Origin class written."""
    story = R.Story("s", "b", published=when, fetched=WHEN, produced=when,
                    origin=R.Origin.kafka("stories", 2, 40, follows=38), authors=("a",), version=3)
    member = R.Member("s", "outlet", "https://x", when, 2, True, "changed")
    for record in (story, member, R.Story("s", "b"), R.Member("s")):
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        assert b"datetime" not in data and b"Origin" not in data
        back = pickle.loads(data)
        assert back == record and type(back) is type(record)
        for f in dataclasses.fields(record):
            mine, theirs = getattr(record, f.name), getattr(back, f.name)
            if isinstance(mine, datetime):
                assert theirs.tzinfo is timezone.utc and theirs.isoformat() == mine.isoformat()
            elif isinstance(mine, R.Origin):
                assert theirs.__getstate__() == mine.__getstate__()
            else:
                assert theirs == mine and type(theirs) is type(mine)


def test_a_time_in_another_zone_is_pickled_as_it_is():
    """Records keep UTC (their __post_init__); one set otherwise (as a pickle could) keeps its zone."""
    other = datetime(2026, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    story = object.__new__(R.Story)
    story.__setstate__(R.Story("s", "b").__getstate__()[:11] + (other,) + R.Story("s", "b").__getstate__()[12:])
    back = pickle.loads(pickle.dumps(story, protocol=pickle.HIGHEST_PROTOCOL))
    assert back.published == other and back.published.utcoffset() == timedelta(hours=2)


def test_plain_values_of_another_length_are_set_as_far_as_they_go():
    """A story's plain values from a class with one field fewer (a record of another version): converted and
    set as far as they go, as ``__setstate__`` sets a shorter state."""
    story = R.Story("s", "b", produced=WHEN, origin=R.Origin.kafka("t", 0, 3, follows=2), correction=True)
    rebuild, (values,) = story.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    assert rebuild is R._plain_Story and isinstance(values[13], int) and isinstance(values[15], tuple)
    shorter = rebuild(values[:-1])
    assert shorter.produced == WHEN and shorter.produced.tzinfo is timezone.utc
    assert shorter.origin == story.origin and shorter.origin.follows == 2
    with pytest.raises(AttributeError):
        shorter.correction  # noqa: B018 (never set)
