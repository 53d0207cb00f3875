"""The records every stage passes along: frozen dataclasses with a documented JSON shape.

This module imports nothing of ours, so connectors, transforms and pipelines can all depend on it.
The JSON shape (see the README's Records section) is a contract: field names do not change without a version bump.
"""

from __future__ import annotations

import copyreg
import dataclasses
import inspect
import operator
import types
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import orjson

from wirewatch.errors import RecordError


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise RecordError(f"naive datetime {value.isoformat()} (timezone-aware datetimes only)")
    return value.astimezone(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 text (a trailing Z allowed) to an aware UTC datetime; a naive time is an error."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"time must be an ISO 8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"time {value[:64]!r} is not ISO 8601") from exc
    if parsed.tzinfo is None:
        raise RecordError(f"time {value[:64]!r} has no timezone")
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 is before datetime.min in UTC
        raise RecordError(f"time {value[:64]!r} is out of range") from exc


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record's raw bytes are: a line of a file (line 0: the whole file), a URL, or a Kafka position
    (``source`` is then the topic). Written in JSON and logs as ``path:line``, the URL, or
    ``topic/partition@offset``; records accept that text where they take an origin."""

    source: str
    line: int | None = None
    partition: int | None = None
    offset: int | None = None
    # A Kafka position's predecessor as its reader saw it: where the partition's reading stood before this
    # record (the previous record's offset + 1, or where reading started). It chains delivered records for
    # the offset commit, gaps in the log included. Not part of the text form, nor of equality.
    follows: int | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def file(cls, path: str, line: int = 0) -> "Origin":
        return cls(str(path), line=line)

    @classmethod
    def kafka(cls, topic: str, partition: int, offset: int, follows: int | None = None) -> "Origin":
        return cls(topic, partition=partition, offset=offset, follows=follows)

    @classmethod
    def parse(cls, text: "str | Origin") -> "Origin":
        """The text form back: ``t/2@15`` a Kafka position, ``path:12`` a file line, anything else a source."""
        if isinstance(text, Origin):
            return text
        text = str(text)
        topic, slash, rest = text.rpartition("/")
        partition, at, offset = rest.partition("@")
        if slash and at and partition.isdigit() and offset.isdigit():
            return cls(topic, partition=int(partition), offset=int(offset))
        path, colon, line = text.rpartition(":")
        if colon and line.isdigit() and path:
            return cls(path, line=int(line))
        return cls(text)

    @property
    def position(self) -> tuple[str, int, int] | None:
        """(topic, partition, offset) for a Kafka position, else None."""
        if self.partition is None or self.offset is None:
            return None
        return self.source, self.partition, self.offset

    def at_line(self, line: int) -> "Origin":
        return Origin(self.source, line=line)

    def sort_key(self) -> tuple[str, int, int]:
        return (self.source, self.partition if self.partition is not None else -1,
                self.offset if self.offset is not None else (self.line or 0))

    def __str__(self) -> str:
        if self.partition is not None and self.offset is not None:
            return f"{self.source}/{self.partition}@{self.offset}"
        return self.source if self.line is None else f"{self.source}:{self.line}"


def _origin(value: "Origin | str | None") -> "Origin | None":
    return None if value is None or value == "" else Origin.parse(value)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of evidence: ``text == <story field>[start:end]`` (character offsets)."""

    field: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Span":
        return cls(str(data["field"]), int(data["start"]), int(data["end"]), str(data["text"]))


@dataclass(frozen=True, slots=True)
class Story:
    """One news item as a connector delivers it (``body`` raw) or as Normalize leaves it (clean)."""

    id: str
    body: str
    title: str | None = None
    summary: str | None = None
    url: str | None = None
    source: str | None = None
    dateline: str | None = None
    credit: str | None = None
    publisher: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    published: datetime | None = None
    fetched: datetime | None = None
    produced: datetime | None = None  # when it entered Kafka (the record's timestamp)
    format: str | None = None
    origin: Origin | None = None  # where the raw bytes are (text is parsed: "path:line", "topic/partition@offset")
    undated: bool = False  # the source gave no usable date: ``published`` is the fetch time (None in a replay)
    # Wire versions (omitted from the JSON form when unset): the identity an item's versions share (a
    # NewsML-G2 guid, a ninjs uri, an agency's slug), its version (1: the first; "UPDATE 2" is 3), the id of
    # the version it replaces (filled in when that version was seen), and whether it is a correction.
    item_id: str | None = None
    version: int | None = None
    supersedes: str | None = None
    correction: bool = False

    def __post_init__(self) -> None:
        if not self.id:
            raise RecordError("story id is empty")
        if self.origin is not None and not isinstance(self.origin, Origin):
            object.__setattr__(self, "origin", _origin(self.origin))
        # Each time made UTC; the field set again only when that gives another object (an aware time already
        # in UTC is returned as it is), so a story from a feed or a record pays three None checks.
        for name, value in (("published", self.published), ("fetched", self.fetched), ("produced", self.produced)):
            if value is not None and (utc := _utc(value)) is not value:
                object.__setattr__(self, name, utc)

    def fetched_at(self, when: datetime) -> Story:
        """This story as read at ``when`` (a clock read at the I/O edge): that is its fetch time unless it has
        one, and for an undated story without a date also its stand-in publication time."""
        fetched = self.fetched or when
        published = fetched if self.undated and self.published is None else self.published
        return dataclasses.replace(self, fetched=fetched, published=published)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "url": self.url,
            "source": self.source,
            "dateline": self.dateline,
            "credit": self.credit,
            "publisher": self.publisher,
            "authors": list(self.authors),
            "language": self.language,
            "published": _iso(self.published),
            "undated": self.undated,
            "fetched": _iso(self.fetched),
            "produced": _iso(self.produced),
            "format": self.format,
            "origin": None if self.origin is None else str(self.origin),
            **self.version_fields(),
        }

    def version_fields(self) -> dict[str, Any]:
        """The wire-version fields that are set, for JSON: records without them keep their old shape."""
        fields: dict[str, Any] = {}
        if self.item_id is not None:
            fields["item_id"] = self.item_id
        if self.version is not None:
            fields["version"] = self.version
        if self.supersedes is not None:
            fields["supersedes"] = self.supersedes
        if self.correction:
            fields["correction"] = True
        return fields

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: Origin | None = None,
                  default_format: str | None = None, default_produced: datetime | None = None) -> "Story":
        """Build from the JSON shape; only ``id`` and ``body`` are required. ``origin``: the story's origin
        whatever the JSON says; ``default_format`` and ``default_produced``: its format and the time it entered
        Kafka where the JSON gives none (all set in the one construction, where a copy would make the story
        twice)."""
        if not isinstance(data, Mapping):
            raise RecordError(f"a story must be a JSON object, got {type(data).__name__}")
        missing = [key for key in ("id", "body") if data.get(key) in (None, "")]
        if missing:
            raise RecordError(f"missing required field(s): {', '.join(missing)}")
        if not isinstance(data["body"], str):
            raise RecordError("field 'body' must be a string")
        if isinstance(data["id"], (dict, list, bool)):
            raise RecordError(f"field 'id' must be text or a number, got {type(data['id']).__name__}")
        get = data.get
        text = {key: _opt_str(data, key) for key in _TEXT_FIELDS if get(key) is not None}  # the rest default to None
        if origin is not None:
            text["origin"] = origin
        if default_format and not text.get("format"):
            text["format"] = default_format
        authors = data.get("authors") or ()
        if isinstance(authors, str):
            authors = (authors,)
        if not isinstance(authors, (list, tuple)) or not all(isinstance(a, str) for a in authors):
            raise RecordError("field 'authors' must be a list of names (or one name)")
        return cls(
            id=str(data["id"]),
            body=data["body"],
            authors=tuple(authors),
            published=parse_time(data.get("published")),
            undated=data.get("undated") is True,
            fetched=parse_time(data.get("fetched")),
            # parsed in its place among the times, so that the first bad field is the one a dead letter names
            produced=default_produced if (produced := parse_time(data.get("produced"))) is None else produced,
            version=_opt_int(data, "version"),
            correction=data.get("correction") is True,
            **text,
        )


_TEXT_FIELDS = (
    "title", "summary", "url", "source", "dateline", "credit", "publisher", "language", "format", "origin",
    "item_id", "supersedes",
)


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"field {key!r} must be a whole number, got {type(value).__name__}")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise RecordError(f"field {key!r} must be text, got {type(value).__name__}")
    return str(value)


@dataclass(frozen=True, slots=True)
class CountryTag:
    code: str  # ISO 3166-1 alpha-2
    score: float
    evidence: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "score": self.score, "evidence": [s.to_dict() for s in self.evidence]}


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule: str
    score: float
    spans: tuple[Span, ...] = ()
    clause: str | None = None  # the part of the rule's query that held

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "score": self.score, "spans": [s.to_dict() for s in self.spans],
                "clause": self.clause}


@dataclass(frozen=True, slots=True)
class Cluster:
    """``id`` is the id of the cluster's first story; ``duplicate_of`` is None for that first story."""

    id: str
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "duplicate_of": self.duplicate_of}


@dataclass(frozen=True, slots=True)
class Member:
    """One story of a cluster as the cluster's lineage lists it: who carried it, where, when first seen, which
    version, and what changed against the version it replaces (``changes``: a short text, or None)."""

    story_id: str
    outlet: str | None = None
    url: str | None = None
    seen: datetime | None = None
    version: int | None = None
    correction: bool = False
    changes: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "seen", _utc(self.seen))

    def to_dict(self) -> dict[str, Any]:
        return {"story_id": self.story_id, "outlet": self.outlet, "url": self.url, "seen": _iso(self.seen),
                "version": self.version, "correction": self.correction, "changes": self.changes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Member":
        return cls(str(data["story_id"]), _opt_str(data, "outlet"), _opt_str(data, "url"),
                   parse_time(data.get("seen")), _opt_int(data, "version"), data.get("correction") is True,
                   _opt_str(data, "changes"))


@dataclass(frozen=True, slots=True)
class Spread:
    """How far a story cluster had spread when one of its stories came: independent outlets, regions reached
    (``new_regions``: those this story added), outlets in the growth window against the baseline's
    expectation (``growth``), and the thresholds this story made the cluster cross (``crossed``)."""

    outlets: int
    regions: tuple[str, ...] = ()
    new_regions: tuple[str, ...] = ()
    growth: float = 0.0
    window_outlets: int = 0
    crossed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"outlets": self.outlets, "regions": list(self.regions), "new_regions": list(self.new_regions),
                "growth": self.growth, "window_outlets": self.window_outlets, "crossed": list(self.crossed)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Spread":
        return cls(int(data["outlets"]), tuple(_strings(data, "regions")), tuple(_strings(data, "new_regions")),
                   float(data.get("growth") or 0.0), int(data.get("window_outlets") or 0),
                   tuple(_strings(data, "crossed")))


@dataclass(frozen=True, slots=True)
class EnrichedStory:
    story: Story
    countries: tuple[CountryTag, ...] = ()
    regions: tuple[str, ...] = ()
    matches: tuple[RuleMatch, ...] = ()
    cluster: Cluster | None = None
    # The cluster's lineage up to this story (capped) and its spread then; not in the story's JSON form.
    lineage: tuple[Member, ...] = ()
    spread: Spread | None = None

    @property
    def id(self) -> str:
        return self.story.id

    def to_dict(self) -> dict[str, Any]:
        s = self.story
        return {
            "id": s.id,
            "title": s.title,
            "body": s.body,
            "dateline": s.dateline,
            "credit": s.credit,
            "publisher": s.publisher,
            "language": s.language,
            "published": _iso(s.published),
            "undated": s.undated,
            "source": s.source,
            "url": s.url,
            "countries": [c.to_dict() for c in self.countries],
            "regions": list(self.regions),
            "matches": [m.to_dict() for m in self.matches],
            "cluster": self.cluster.to_dict() if self.cluster else None,
            **s.version_fields(),
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of the story that made a rule fire, with the matched words' ranges in it: what a person
    reads in an alert e-mail without opening the story. ``marks`` are character offsets into ``text``."""

    field: str
    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "text": self.text, "marks": [list(m) for m in self.marks]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Evidence":
        marks = tuple((int(m[0]), int(m[1])) for m in data.get("marks") or ())
        return cls(str(data["field"]), str(data["text"]), marks)


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule firing for one story cluster; ``id`` depends only on (cluster id, rule)."""

    id: str
    rule: str
    story_id: str
    cluster_id: str
    title: str
    severity: str
    score: float
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()
    published: datetime | None = None  # the story's publication time
    alerted: datetime | None = None  # when the always-on service delivered it (None in replays)
    undated: bool = False  # the story's source gave no date: ``published`` is its fetch time
    url: str | None = None  # the story's link
    source: str | None = None  # the story's feed or file name
    publisher: str | None = None  # the outlet, e.g. "VOA"
    credit: str | None = None  # the wire agency, e.g. "Reuters"
    evidence: tuple[Evidence, ...] = ()  # the sentences the spans are in, for people to read
    # The cluster's lineage so far (when it has more than this story) and, on a ``spreading`` event, the
    # numbers that raised it; both left out of the JSON form when empty.
    lineage: tuple[Member, ...] = ()
    spread: Spread | None = None

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.lineage:
            extra["lineage"] = [m.to_dict() for m in self.lineage]
        if self.spread is not None:
            extra["spread"] = self.spread.to_dict()
        return {
            "id": self.id,
            "rule": self.rule,
            "story_id": self.story_id,
            "cluster_id": self.cluster_id,
            "title": self.title,
            "severity": self.severity,
            "score": self.score,
            "countries": list(self.countries),
            "regions": list(self.regions),
            "spans": [s.to_dict() for s in self.spans],
            "published": _iso(self.published),
            "undated": self.undated,
            "alerted": _iso(self.alerted),
            "url": self.url,
            "source": self.source,
            "publisher": self.publisher,
            "credit": self.credit,
            "evidence": [e.to_dict() for e in self.evidence],
            **extra,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Alert":
        """Build from the JSON shape (records written before a field existed decode with its default)."""
        if not isinstance(data, Mapping):
            raise RecordError(f"an alert must be a JSON object, got {type(data).__name__}")
        missing = [k for k in ("id", "rule", "story_id", "cluster_id") if not isinstance(data.get(k), str) or not data[k]]
        if missing:
            raise RecordError(f"missing required field(s): {', '.join(missing)}")
        score = data.get("score", 0.0)
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise RecordError("field 'score' must be a number")
        try:
            return cls(
                id=data["id"], rule=data["rule"], story_id=data["story_id"], cluster_id=data["cluster_id"],
                title=str(data.get("title") or ""), severity=str(data.get("severity") or "medium"),
                score=float(score), countries=tuple(_strings(data, "countries")),
                regions=tuple(_strings(data, "regions")),
                spans=tuple(Span.from_dict(s) for s in data.get("spans") or ()),
                published=parse_time(data.get("published")), alerted=parse_time(data.get("alerted")),
                undated=data.get("undated") is True,
                evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence") or ()),
                lineage=tuple(Member.from_dict(m) for m in data.get("lineage") or ()),
                spread=Spread.from_dict(data["spread"]) if data.get("spread") else None,
                **{key: _opt_str(data, key) for key in ("url", "source", "publisher", "credit")},
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            if isinstance(exc, RecordError):
                raise
            raise RecordError(f"malformed alert: {type(exc).__name__}: {exc}") from exc


def _strings(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"field {key!r} must be a list of text")
    return value


@dataclass(frozen=True, slots=True)
class StoryAlerts:
    """An enriched story with the alerts it raised, delivered together on an endless stream."""

    story: EnrichedStory
    alerts: tuple[Alert, ...] = ()
    repeats: int = 0  # alerts this story raised that its cluster had raised before (not sent again)

    @property
    def origin(self) -> Origin | None:
        return self.story.story.origin


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Input that could not become a story, or a story a stage could not process. Never dropped silently."""

    origin: Origin  # where the input was (text is parsed: "path:line", line 0 = the whole file, or a Kafka position)
    stage: str  # read, decode, parse, normalize, ...
    reason: str
    raw: str | None = None  # the offending input, truncated to keep records small
    retriable: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.origin, Origin):
            object.__setattr__(self, "origin", Origin.parse(self.origin))

    def message(self) -> str:
        return f"{self.origin}: {self.stage}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"origin": str(self.origin), "stage": self.stage, "reason": self.reason, "raw": self.raw,
                "retriable": self.retriable}


RAW_EXCERPT = 2000  # characters of the offending input a dead letter keeps


def excerpt(data: bytes | str | None, limit: int = RAW_EXCERPT) -> str | None:
    """The start of some offending input as text, for a dead letter's ``raw``: the first ``limit`` characters
    of text, or of bytes decoded as UTF-8 with what is not UTF-8 escaped (lone surrogates too, so that the
    dead letter itself can always be written as JSON)."""
    if data is None:
        return None
    if isinstance(data, bytes):
        return data[:limit].decode("utf-8", "backslashreplace")
    text = data[:limit]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
    return text


def story_from_json(data: bytes | str | None, origin: Origin | str, stage: str = "decode",
                    default_format: str | None = None, default_produced: datetime | None = None) -> Story | DeadLetter:
    """The one guarded decode of a story's JSON form (a Kafka value, a JSONL line, an HTTP body): a Story,
    or a DeadLetter with the offending bytes whatever went wrong. It never raises. ``default_format`` and
    ``default_produced``: the story's ``format`` and ``produced`` when its JSON gives none (set in the same
    construction as the origin)."""
    try:
        if not data:
            raise RecordError("empty record (a tombstone or a blank value)")
        return Story.from_dict(orjson.loads(data), Origin.parse(origin), default_format, default_produced)
    except orjson.JSONDecodeError as exc:
        reason = f"not JSON: {exc}"
    except RecordError as exc:
        reason = str(exc)
    except Exception as exc:  # any other failure on hostile input is still the input's fault, and data
        reason = f"{type(exc).__name__}: {exc}"
    return DeadLetter(origin, stage, reason[:500], raw=excerpt(data))


def alert_from_json(data: bytes | str | None, origin: Origin | str) -> Alert | DeadLetter:
    """The guarded decode of an alert's JSON form (a record of the alerts topic): an Alert, or a DeadLetter
    with the offending bytes whatever went wrong. It never raises."""
    try:
        if not data:
            raise RecordError("empty record (a tombstone or a blank value)")
        return Alert.from_dict(orjson.loads(data))
    except orjson.JSONDecodeError as exc:
        reason = f"not JSON: {exc}"
    except RecordError as exc:
        reason = str(exc)
    except Exception as exc:  # hostile input is the input's fault, and data
        reason = f"{type(exc).__name__}: {exc}"
    return DeadLetter(origin, "decode-alert", reason[:500], raw=excerpt(data))


def dumps(record: Any) -> bytes:
    """One record as compact JSON bytes (no newline), keys in a stable order."""
    return orjson.dumps(record.to_dict() if hasattr(record, "to_dict") else record)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def pickled_as_tuple(cls: type) -> type:
    """Pickle a slotted dataclass as the tuple of its field values. The dataclass default builds that list by
    looking the fields up (``dataclasses.fields``) on every call, which was most of what a record cost to
    pass between two Beam steps; the state (the values in field order) is the same.

    The pickle is the default's too (NEWOBJ of the class, then BUILD with the state), only cheaper both
    ways: ``__reduce_ex__`` answers directly where the default first looks for ``__getnewargs_ex__`` and
    ``__getnewargs__``, and ``__setstate__`` sets each slot through its descriptor in straight-line code
    made for the class (as ``dataclasses`` makes ``__init__``) rather than by name in a loop. A state of
    another length (a record pickled before a field was added) is set as far as it goes, as before."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    values = operator.attrgetter(*names) if len(names) > 1 else (lambda record: (getattr(record, names[0]),))
    newobj, args = copyreg.__newobj__, (cls,)

    def getstate(self: Any) -> tuple:
        return values(self)  # type: ignore[no-any-return]

    def reduce_ex(self: Any, protocol: int) -> tuple:
        return newobj, args, self.__getstate__()  # through __getstate__, which tests may wrap to count pickles

    def set_each(self: Any, state: Any) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)

    cls.__getstate__ = getstate  # type: ignore[attr-defined]
    cls.__reduce_ex__ = reduce_ex  # type: ignore[method-assign,assignment]
    cls.__setstate__ = _straight_setstate(cls, names, set_each)  # type: ignore[attr-defined]
    return cls


def _slot_setters(cls: type, names: tuple[str, ...]) -> dict[str, Any] | None:
    """``{"_set0": ..., "_set1": ...}``: the ``__set__`` of each name's slot descriptor (what
    ``object.__setattr__`` finds for the name on every call, found once here), or None if a name has none."""
    slots = [inspect.getattr_static(cls, name, None) for name in names]
    if not all(isinstance(slot, types.MemberDescriptorType) for slot in slots):
        return None
    return {f"_set{i}": slot.__set__ for i, slot in enumerate(slots)}


def _made(source: str, scope: dict[str, Any], qualname: str) -> Any:
    """The one function ``source`` defines, run in ``scope`` (its only names), named ``qualname``."""
    exec(source, scope)  # noqa: S102 (our own text, made from the dataclass's field names)
    function = scope[qualname.rpartition(".")[2]]
    function.__qualname__ = qualname
    return function


def _straight_setstate(cls: type, names: tuple[str, ...], fallback: Any) -> Any:
    """``fallback`` (set each field of ``names`` from the state, by name), as straight-line code for a state
    of exactly ``len(names)`` values: ``v0, v1 = state; _set0(self, v0); _set1(self, v1)``."""
    scope = _slot_setters(cls, names)
    if scope is None:
        return fallback  # not a slotted class: nothing to find once
    scope["_fallback"] = fallback
    unpacked = "".join(f"v{i}, " for i in range(len(names)))
    sets = "".join(f"    _set{i}(self, v{i})\n" for i in range(len(names)))
    source = (f"def __setstate__(self, state):\n"
              f"    if len(state) != {len(names)}:\n        return _fallback(self, state)\n"
              f"    {unpacked}= state\n{sets}")
    return _made(source, scope, f"{cls.__qualname__}.__setstate__")


def straight_init(cls: type) -> type:
    """Give a frozen slotted dataclass an ``__init__`` that sets each slot through its descriptor, where the
    one ``dataclass`` writes calls ``object.__setattr__(self, "name", value)`` for each field (a frozen class
    cannot assign): the same parameters, defaults and ``__post_init__`` call, for less. Every record is built
    several times a story (decoded, normalized, placed, traced, matched, its alerts), and the always-on
    service is bound to one interpreter lock. A class the plain form does not cover (not frozen, so its own
    ``__setattr__`` may matter; a field that is no ``__init__`` parameter, keyword-only, or has a default
    factory; an InitVar) keeps the dataclass's own."""
    fields = dataclasses.fields(cls)
    if not cls.__dataclass_params__.frozen or any(not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING for f in fields):
        return cls
    scope = _slot_setters(cls, tuple(f.name for f in fields))
    if scope is None:
        return cls
    params = []
    for i, f in enumerate(fields):
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
    sets = "".join(f"    _set{i}(self, {f.name})\n" for i, f in enumerate(fields))
    after = "    self.__post_init__()\n" if hasattr(cls, "__post_init__") else ""
    original = cls.__init__  # type: ignore[misc]
    init = _made(f"def __init__(self, {', '.join(params)}):\n{sets}{after}", scope, f"{cls.__qualname__}.__init__")
    if _parameters(init) != _parameters(original):  # e.g. an InitVar, which is no field: keep the dataclass's
        return cls
    init.__annotations__ = dict(original.__annotations__)
    init.dataclass_init = original  # what it stands for (tests compare the two)
    cls.__init__ = init  # type: ignore[misc]
    return cls


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def _timezone_reduced(zone: timezone) -> tuple:
    """A ``timezone`` as its default reduction gives it (the class and its offset, and its name if it has
    one), found directly. The default asks ``copyreg._slotnames`` for the class's slot names on every call:
    a C type cannot keep the answer, so each record holding an aware time (a story, a lineage member) paid
    the search again whenever it was pickled to cross the runner or to enter the keyed step's log."""
    return timezone, zone.__getinitargs__()  # type: ignore[attr-defined]


# Registered for the process (pickle consults copyreg's table before an object's own reduction); the bytes
# are the default's, so what reads them needs nothing of ours.
copyreg.pickle(timezone, _timezone_reduced)

for _record in (Origin, Span, Story, CountryTag, RuleMatch, Cluster, Member, Spread, EnrichedStory, Evidence, Alert,
                StoryAlerts, DeadLetter):
    pickled_as_tuple(straight_init(_record))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _origin_of(values: tuple) -> Origin:
    origin = object.__new__(Origin)
    origin.__setstate__(values)
    return origin


def _plainly(cls: type, times: tuple[str, ...] = (), origins: tuple[str, ...] = ()) -> type:
    """Pickle a record (``pickled_as_tuple``'s) as a call of a function of this module, ``_plain_<class>``,
    over plain values: the fields ``times`` (aware times, in UTC as the records keep them) as whole
    microseconds since the epoch and ``origins`` as the tuple of the Origin's fields. Pickle writes those in a
    few bytes each, where a time was a datetime's and a timezone's reductions (three classes looked up and
    called to load it) and an origin a record of its own. A story crosses the runner in this form, and a
    lineage member enters the keyed step's log in it, once a story each. The function sets the record as
    unpickling does (no ``__init__``), in straight-line code made for the class. A time in another zone is
    left as it is; a record pickled the default way (NEWOBJ and BUILD) still loads."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    at_times, at_origins = tuple(map(names.index, times)), tuple(map(names.index, origins))

    def reduce_ex(self: Any, protocol: int) -> tuple:
        state = list(self.__getstate__())  # through __getstate__, which tests may wrap to count pickles
        for i in at_times:
            value = state[i]
            if value is not None and value.tzinfo is timezone.utc:
                state[i] = (value - _EPOCH) // _MICROSECOND
        for i in at_origins:
            if type(state[i]) is Origin:
                state[i] = state[i].__getstate__()
        return rebuild, (tuple(state),)

    def set_each(state: tuple) -> Any:  # a state of another length: converted, then set as far as it goes
        values = list(state)
        for i in (i for i in at_times if i < len(values) and type(values[i]) is int):
            values[i] = _EPOCH + values[i] * _MICROSECOND
        for i in (i for i in at_origins if i < len(values) and type(values[i]) is tuple):
            values[i] = _origin_of(values[i])
        record = object.__new__(cls)
        record.__setstate__(values)
        return record

    scope = _slot_setters(cls, names)
    assert scope is not None, cls
    scope.update(__name__=__name__, _new=object.__new__, _cls=cls, _EPOCH=_EPOCH, _US=_MICROSECOND,
                 _origin_of=_origin_of, _fallback=set_each)
    converted = "".join(f"    if type(v{i}) is int:\n        v{i} = _EPOCH + v{i} * _US\n" for i in at_times)
    converted += "".join(f"    if type(v{i}) is tuple:\n        v{i} = _origin_of(v{i})\n" for i in at_origins)
    sets = "".join(f"    _set{i}(self, v{i})\n" for i in range(len(names)))
    name = f"_plain_{cls.__name__}"
    source = (f"def {name}(state):\n    if len(state) != {len(names)}:\n        return _fallback(state)\n"
              f"    {''.join(f'v{i}, ' for i in range(len(names)))}= state\n{converted}"
              f"    self = _new(_cls)\n{sets}    return self\n")
    rebuild = _made(source, scope, name)
    globals()[name] = rebuild  # where pickle finds it by name
    cls.__reduce_ex__ = reduce_ex  # type: ignore[method-assign,assignment]
    return cls


_plainly(Story, times=("published", "fetched", "produced"), origins=("origin",))
_plainly(Member, times=("seen",))


__all__ = [
    "Alert", "Cluster", "CountryTag", "DeadLetter", "Evidence", "Member", "Origin", "EnrichedStory", "RAW_EXCERPT", "RecordError", "RuleMatch",
    "Span", "Spread", "Story", "StoryAlerts", "alert_from_json", "dumps", "excerpt", "loads", "parse_time",
    "story_from_json",
]
