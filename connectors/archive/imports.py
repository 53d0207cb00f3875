"""Enriched stories from the JSON forms, for ``wirewatch archive import``: the always-on service's JSON
archive (one ``<topic>-<partition>-<offset>.json`` file per story, the Kafka position in its name) and JSON
Lines of enriched stories (a replay's ``stories.jsonl``, its JSONL archive)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from wirewatch.connectors.archive import schema
from wirewatch.records import DeadLetter, EnrichedStory, Origin, excerpt

POSITION_NAME = re.compile(r"^(?P<topic>.+)-(?P<partition>\d+)-(?P<offset>\d+)\.json$")


def read_enriched(paths: Iterable[str]) -> Iterator[EnrichedStory | DeadLetter]:
    """Every enriched story in ``paths`` (``.json``: one story; ``.jsonl``/``.ndjson``: one a line); a file or
    line that is not one is a dead letter naming it, and the rest is still read."""
    for path in paths:
        suffix = Path(path).suffix.lower()
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            yield DeadLetter(f"{path}:0", "read", f"cannot read file: {exc.strerror or exc}", retriable=True)
            continue
        if suffix == ".json":
            yield _decode(data, Origin.file(path), _position(path))
        elif suffix in (".jsonl", ".ndjson"):
            for number, line in enumerate(data.split(b"\n"), start=1):
                if line.strip():
                    yield _decode(line, Origin.file(path, number), None)
        else:
            yield DeadLetter(f"{path}:0", "read", "not an enriched-story file (.json, .jsonl or .ndjson)")


def _position(path: str) -> Origin | None:
    found = POSITION_NAME.match(Path(path).name)
    if not found:
        return None
    return Origin.kafka(found["topic"], int(found["partition"]), int(found["offset"]))


def _decode(data: bytes, where: Origin, position: Origin | None) -> EnrichedStory | DeadLetter:
    try:
        record = orjson.loads(data)
        if not isinstance(record, dict) or not record.get("id"):
            raise ValueError("not an enriched story (a JSON object with an id)")
        story = schema.enriched(record)
    except Exception as exc:  # anything wrong with the input is the input's fault: a dead letter
        return DeadLetter(where, "import", f"{type(exc).__name__}: {exc}"[:500], raw=excerpt(data))
    origin = position or story.story.origin or where
    return schema.with_origin(story, origin)
