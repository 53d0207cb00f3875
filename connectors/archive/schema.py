"""One archive row per enriched story: the Arrow schema, and the conversions between rows and records.

Nested fields (countries with their evidence, matches with their spans) are kept whole, so a row turns back
into the same EnrichedStory; flat lists beside them (``country_codes``, ``rules``) are what queries filter on.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from itertools import accumulate, chain
from typing import Any, Callable, Iterable, Mapping

import pyarrow as pa

from wirewatch.records import Cluster, CountryTag, EnrichedStory, Member, Origin, RuleMatch, Span, Story, parse_time

SPAN = pa.struct([("field", pa.string()), ("start", pa.int32()), ("end", pa.int32()), ("text", pa.string())])
TIME = pa.timestamp("us", tz="UTC")

SCHEMA = pa.schema([
    ("id", pa.string()),
    ("title", pa.string()),
    ("summary", pa.string()),
    ("body", pa.string()),
    ("url", pa.string()),
    ("source", pa.string()),
    ("dateline", pa.string()),
    ("credit", pa.string()),
    ("publisher", pa.string()),
    ("authors", pa.list_(pa.string())),
    ("language", pa.string()),
    ("format", pa.string()),
    ("published", TIME),
    ("undated", pa.bool_()),
    ("fetched", TIME),
    ("produced", TIME),
    ("country_codes", pa.list_(pa.string())),
    ("regions", pa.list_(pa.string())),
    ("rules", pa.list_(pa.string())),
    ("countries", pa.list_(pa.struct([("code", pa.string()), ("score", pa.float64()),
                                      ("evidence", pa.list_(SPAN))]))),
    ("matches", pa.list_(pa.struct([("rule", pa.string()), ("score", pa.float64()), ("clause", pa.string()),
                                    ("spans", pa.list_(SPAN))]))),
    ("cluster_id", pa.string()),
    ("duplicate_of", pa.string()),
    ("origin", pa.string()),  # where the story's bytes were: "topic/partition@offset" or "path:line"
    ("kafka_topic", pa.string()),  # the Kafka position, when the story came from Kafka
    ("kafka_partition", pa.int32()),
    ("kafka_offset", pa.int64()),
    # Issue 16 (added last: files written before have none of these; readers take them as absent): the wire
    # version, and the cluster's lineage as it stood when the story came.
    ("item_id", pa.string()),
    ("version", pa.int32()),
    ("supersedes", pa.string()),
    ("correction", pa.bool_()),
    ("lineage", pa.list_(pa.struct([("story_id", pa.string()), ("outlet", pa.string()), ("url", pa.string()),
                                    ("seen", TIME), ("version", pa.int32()), ("correction", pa.bool_()),
                                    ("changes", pa.string())]))),
])
COLUMNS = tuple(SCHEMA.names)


# The nested columns (countries with their evidence, matches with their spans, lineage) are built from flat
# lists, one a struct field, over every value of the bundle, with the list offsets beside them: Arrow converts
# a flat list of str or float in one C loop, where the rows' nested lists of tuples cost a Python object
# each and a converter call each in from_pydict.
# (a struct's field names by iterating it: pyarrow 16, the Flink environment's, has no StructType.names)
_FLAT = ("id", "title", "summary", "body", "url", "source", "dateline", "credit", "publisher", "language", "format",
         "published", "undated", "fetched", "produced")
_COUNTRY = SCHEMA.field("countries").type.value_type
_MATCH = SCHEMA.field("matches").type.value_type
_MEMBER = SCHEMA.field("lineage").type.value_type
_OFFSET = pa.int32()


def _listed(lists: list[Any], type_: pa.DataType, struct: Callable[[list[Any]], pa.StructArray]) -> pa.ListArray:
    """A list<struct> column (``type_``) of ``lists`` (one sequence of records a row), its structs built by
    ``struct`` from the records of all the rows in one flat list."""
    offsets = pa.array(list(accumulate(map(len, lists), initial=0)), _OFFSET)
    return pa.ListArray.from_arrays(offsets, struct(list(chain.from_iterable(lists))), type=type_)


def _struct(type_: pa.StructType, columns: Iterable[Any]) -> pa.StructArray:
    return pa.StructArray.from_arrays(
        [c if isinstance(c, pa.Array) else pa.array(c, f.type) for c, f in zip(columns, type_)], fields=list(type_))


def _span_array(spans: list[Span]) -> pa.StructArray:
    return _struct(SPAN, ([s.field for s in spans], [s.start for s in spans], [s.end for s in spans],
                          [s.text for s in spans]))


def _country_array(countries: list[CountryTag]) -> pa.StructArray:
    return _struct(_COUNTRY, ([c.code for c in countries], [c.score for c in countries],
                              _listed([c.evidence for c in countries], _COUNTRY.field("evidence").type, _span_array)))


def _match_array(matches: list[RuleMatch]) -> pa.StructArray:
    return _struct(_MATCH, ([m.rule for m in matches], [m.score for m in matches], [m.clause for m in matches],
                            _listed([m.spans for m in matches], _MATCH.field("spans").type, _span_array)))


def _member_array(members: list[Member]) -> pa.StructArray:
    return _struct(_MEMBER, ([getattr(m, f.name) for m in members] for f in _MEMBER))


def table(stories: Iterable[EnrichedStory]) -> pa.Table:
    """The archive rows of ``stories``, built column by column; each story's Kafka position comes from its
    ``story.origin``, when it has one. The columns are converted in the schema's order, so a story that a
    row cannot hold fails on the first field that cannot hold it, as ``Table.from_pydict`` would."""
    items = list(stories)
    plain = [e.story for e in items]
    positions = [s.origin.position if s.origin else None for s in plain]
    clusters = [e.cluster for e in items]
    columns: dict[str, Any] = {name: [getattr(s, name) for s in plain] for name in _FLAT}
    columns["authors"] = [list(s.authors) for s in plain]
    columns["country_codes"] = [[c.code for c in e.countries] for e in items]
    columns["regions"] = [list(e.regions) for e in items]
    columns["rules"] = [[m.rule for m in e.matches] for e in items]
    # the nested columns as functions, called in the schema's order below
    columns["countries"] = lambda t: _listed([e.countries for e in items], t, _country_array)
    columns["matches"] = lambda t: _listed([e.matches for e in items], t, _match_array)
    columns["cluster_id"] = [c.id if c else None for c in clusters]
    columns["duplicate_of"] = [c.duplicate_of if c else None for c in clusters]
    columns["origin"] = [None if s.origin is None else str(s.origin) for s in plain]
    columns["kafka_topic"] = [p[0] if p else None for p in positions]
    columns["kafka_partition"] = [p[1] if p else None for p in positions]
    columns["kafka_offset"] = [p[2] if p else None for p in positions]
    for name in ("item_id", "version", "supersedes", "correction"):
        columns[name] = [getattr(s, name) for s in plain]
    columns["lineage"] = lambda t: _listed([e.lineage for e in items], t, _member_array)
    return pa.Table.from_arrays([c(f.type) if callable(c) else pa.array(c, f.type)
                                 for c, f in zip(map(columns.__getitem__, COLUMNS), SCHEMA)], schema=SCHEMA)


def _spans(items: Iterable[Mapping[str, Any]] | None) -> tuple[Span, ...]:
    return tuple(Span(str(x["field"]), int(x["start"]), int(x["end"]), str(x["text"])) for x in items or ())


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value is not None else None
    return parse_time(value)


def enriched(data: Mapping[str, Any]) -> EnrichedStory:
    """An archive row (or an enriched story's JSON shape, ``EnrichedStory.to_dict``) back to the record."""
    story = Story(
        id=str(data["id"]), body=data.get("body") or "", title=data.get("title"), summary=data.get("summary"),
        url=data.get("url"), source=data.get("source"), dateline=data.get("dateline"), credit=data.get("credit"),
        publisher=data.get("publisher"), authors=tuple(data.get("authors") or ()), language=data.get("language"),
        published=_time(data.get("published")), fetched=_time(data.get("fetched")),
        produced=_time(data.get("produced")), format=data.get("format"), undated=bool(data.get("undated")),
        origin=data.get("origin") or None, item_id=data.get("item_id"), version=data.get("version"),
        supersedes=data.get("supersedes"), correction=bool(data.get("correction")),
    )
    cluster = data.get("cluster")  # the JSON shape nests it; a row has it flat
    cluster_id = cluster.get("id") if isinstance(cluster, Mapping) else data.get("cluster_id")
    duplicate_of = cluster.get("duplicate_of") if isinstance(cluster, Mapping) else data.get("duplicate_of")
    return EnrichedStory(
        story,
        countries=tuple(CountryTag(str(c["code"]), float(c["score"]), _spans(c.get("evidence")))
                        for c in data.get("countries") or ()),
        regions=tuple(data.get("regions") or ()),
        matches=tuple(RuleMatch(str(m["rule"]), float(m["score"]), _spans(m.get("spans")), m.get("clause"))
                      for m in data.get("matches") or ()),
        cluster=Cluster(str(cluster_id), duplicate_of) if cluster_id else None,
        lineage=tuple(Member(str(m["story_id"]), m.get("outlet"), m.get("url"), _time(m.get("seen")), m.get("version"),
                             bool(m.get("correction")), m.get("changes")) for m in data.get("lineage") or ()),
    )


def with_origin(story: EnrichedStory, origin: Origin) -> EnrichedStory:
    """The same story, recorded as read from ``origin`` (e.g. the Kafka position in a JSON archive's file name)."""
    return dataclasses.replace(story, story=dataclasses.replace(story.story, origin=origin))


def encodable(stories: Iterable[EnrichedStory]) -> tuple[list[EnrichedStory], list[tuple[EnrichedStory, str]]]:
    """``stories`` split into those a row can hold and those it cannot, with why (text Parquet cannot carry,
    such as a lone surrogate): the archive step dead-letters the second kind and writes the first."""
    ok: list[EnrichedStory] = []
    bad: list[tuple[EnrichedStory, str]] = []
    for story in stories:
        try:
            table([story])
        except (pa.ArrowException, UnicodeError, ValueError, TypeError, OverflowError) as exc:
            bad.append((story, f"{type(exc).__name__}: {exc}"[:500]))
        else:
            ok.append(story)
    return ok, bad
