"""Records are built with ``records.straight_init``'s ``__init__``: the dataclass's parameters, defaults and
``__post_init__``, each slot set through its descriptor."""

import dataclasses
import inspect
from datetime import datetime, timedelta, timezone

import pytest

from wirewatch import records as R
from wirewatch.errors import RecordError

from tests.base.test_record_pickling import RECORDS

CLASSES = sorted({type(r) for r in RECORDS}, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_record_has_the_straight_init_with_the_dataclass_signature(cls):
    ours = cls.__init__
    assert ours.__qualname__ == f"{cls.__name__}.__init__"
    assert inspect.signature(ours) == inspect.signature(ours.dataclass_init)  # names, kinds, defaults, hints


def _by_dataclass(cls, *args, **kwargs):
    record = object.__new__(cls)
    cls.__init__.dataclass_init(record, *args, **kwargs)
    return record


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_built_either_way_holds_the_same_objects(record):
    cls = type(record)
    values = [getattr(record, f.name) for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    for args, kwargs in ((values, {}), ((), dict(zip([f.name for f in dataclasses.fields(cls)], values))),
                         (values[:len(required)], {})):  # the defaults too
        ours, theirs = cls(*args, **kwargs), _by_dataclass(cls, *args, **kwargs)
        assert ours == theirs
        for f in dataclasses.fields(cls):
            assert getattr(ours, f.name) is getattr(theirs, f.name), f.name


def test_post_init_still_runs():
    with pytest.raises(RecordError, match="naive"):
        R.Story("s1", "body", published=datetime(2026, 1, 1))
    east = datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    assert R.Story("s1", "body", published=east).published.tzinfo is timezone.utc
    assert R.Story("s1", "body", origin="t/2@15").origin == R.Origin("t", partition=2, offset=15)
    assert R.DeadLetter("f.jsonl:3", "parse", "bad").origin == R.Origin("f.jsonl", line=3)
    with pytest.raises(RecordError, match="empty"):
        R.Story("", "body")


def test_records_stay_frozen_and_argument_errors_read_as_before():
    span = R.Span("body", 0, 5, "Seoul")
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 1  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"Span.__init__\(\) missing 1 required positional argument: 'text'"):
        R.Span("body", 0, 5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        R.Cluster("a", nope=1)  # type: ignore[call-arg]


def test_a_class_the_plain_form_does_not_cover_keeps_the_dataclass_init():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        tags: tuple = ()
        seen: list = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithInitVar:
        a: int
        scale: dataclasses.InitVar[int] = 1

        def __post_init__(self, scale):
            object.__setattr__(self, "a", self.a * scale)

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(slots=True)
    class Checked:  # not frozen: its own __setattr__ must still see every field set
        a: int

        def __setattr__(self, name, value):
            object.__setattr__(self, name, value * 2)

    for cls in (Factory, WithInitVar, NoSlots, Checked):
        before = cls.__init__
        assert R.straight_init(cls) is cls and cls.__init__ is before
    assert WithInitVar(2, 3).a == 6 and Checked(2).a == 4


def test_a_plain_class_gets_it_and_behaves_the_same():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Plain:
        a: int
        b: str = "x"
        c: tuple = ()

    R.straight_init(Plain)
    assert hasattr(Plain.__init__, "dataclass_init")
    assert Plain(1) == Plain(1, "x", ()) == Plain(a=1, c=()) and Plain(1, c=(2,)).c == (2,)
