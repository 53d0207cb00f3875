"""Reading JSON Lines (connectors/files/read.py): each line's story with its origin and format, bad lines as
dead letters naming file and line."""

from __future__ import annotations

from hypothesis import given, strategies as st

from wirewatch.connectors.files.read import parse_jsonl
from wirewatch.records import DeadLetter, Origin, Story


def test_a_story_gets_its_line_as_origin_and_jsonl_as_format_when_it_gives_none() -> None:
    data = (b'{"id": "a", "body": "x"}\n\n{"id": "b", "body": "y", "format": "rss"}\n'
            b'{"id": "c", "body": "z", "format": ""}\nnot json\n\xff\n')
    got = list(parse_jsonl(data, "in/s.jsonl"))
    stories = [s for s in got if isinstance(s, Story)]
    assert [(s.id, s.format, s.origin) for s in stories] == [
        ("a", "jsonl", Origin("in/s.jsonl", line=1)), ("b", "rss", Origin("in/s.jsonl", line=3)),
        ("c", "jsonl", Origin("in/s.jsonl", line=4))]
    dead = [d for d in got if isinstance(d, DeadLetter)]
    assert [(str(d.origin), d.stage) for d in dead] == [("in/s.jsonl:5", "parse"), ("in/s.jsonl:6", "decode")]


@given(st.text(min_size=1).filter(lambda t: "\x00" not in t), st.integers(min_value=1, max_value=2_000))
def test_the_origin_made_directly_is_the_one_its_text_parses_to(path: str, line: int) -> None:
    data = b"\n" * (line - 1) + b'{"id": "a", "body": "x"}'
    story = next(parse_jsonl(data, path))
    assert story.origin == Origin.parse(f"{path}:{line}")
