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


def test_an_archive_file_reads_as_the_stories_it_archived(tmp_path) -> None:
    from tests.connectors.archive.kit import enriched
    from wirewatch.connectors.archive.writer import ParquetArchive
    from wirewatch.connectors.files.read import read_data, read_path

    archived = [enriched(n) for n in range(3)]
    [path] = ParquetArchive(tmp_path).write(archived)
    assert list(read_path(str(path))) == [e.story for e in archived]
    renamed = tmp_path / "drop" / "history.bin"  # sniffed by content too (a drop folder's file, any name)
    assert list(read_data(path.read_bytes(), str(renamed))) == [e.story for e in archived]
    [dead] = list(read_data(b"PAR1 not really", str(tmp_path / "cut.parquet")))
    assert isinstance(dead, DeadLetter) and dead.stage == "read" and "cannot read archive file" in dead.message()


def test_a_folder_lists_an_archives_stories_once_across_a_compaction(tmp_path) -> None:
    """A compaction writes its manifest, then the merged file, then removes the files it merged: a folder
    listed in between must not give the merged stories twice, nor read the manifest as a wire page."""
    from tests.connectors.archive.kit import enriched
    from wirewatch.connectors.archive.layout import REPLACES
    from wirewatch.connectors.archive.writer import ParquetArchive
    from wirewatch.connectors.files.read import expand_paths

    archive = ParquetArchive(tmp_path / "archive")
    small = archive.write([enriched(0)]) + archive.write([enriched(1)])
    folder = small[0].parent
    (folder / "notes.txt").write_text("kept: not an archive file")
    keep = {p.name: p.read_bytes() for p in small}
    [merged] = archive.compact(small_bytes=1 << 30)
    for name, data in keep.items():  # the state between the merged file's rename and the small files' removal
        (folder / name).write_bytes(data)
    (merged.with_suffix(REPLACES)).write_text("".join(f"{n}\n" for n in keep))
    assert [p.rsplit("/", 1)[1] for p in expand_paths([tmp_path / "archive"])] == [merged.name, "notes.txt"]
    assert {p.rsplit("/", 1)[1] for p in expand_paths([folder / n for n in keep])} == set(keep)  # named: read


def _guarded(data: bytes, path: str) -> list:
    """What each line gives read the guarded way only: decoded (a BOM dropped), then story_from_json."""
    from wirewatch.connectors.files.read import _decode
    from wirewatch.records import story_from_json

    out = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        origin = Origin(path, line=number)
        text = _decode(line, origin)
        out.append(text if isinstance(text, DeadLetter) else
                   story_from_json(text, origin, stage="parse", default_format="jsonl"))
    return out


_FIELD = st.sampled_from(["id", "body", "title", "published", "authors", "version", "format", "language", "x"])
_VALUE = st.one_of(st.none(), st.text(max_size=8), st.integers(-3, 3), st.booleans(),
                   st.sampled_from(["2024-03-04T06:00:00Z", "2024-03-04T06:00:00", "", "é\u2028"]),
                   st.lists(st.text(max_size=3), max_size=2))
_LINE = st.one_of(
    st.dictionaries(_FIELD, _VALUE, max_size=6).map(lambda d: __import__("orjson").dumps(d)),
    st.builds(lambda body: b'{"id": "a", "body": ' + body + b"}",
              st.sampled_from([b'"x"', b'"caf\xc3\xa9"', b'"\\ud800"', b'"bad \xff"', b"1", b'"x\r"'])),
    st.binary(max_size=12),
).flatmap(lambda line: st.sampled_from([line, b"\xef\xbb\xbf" + line, line + b"\r", b" " + line]))


@given(st.lists(_LINE, max_size=6))
def test_lines_read_straight_from_their_bytes_read_as_the_guarded_decode_reads_them(lines) -> None:
    # most lines go to orjson as bytes; a BOM, bad UTF-8, bad JSON or a bad story takes the guarded path:
    # either way, the same stories and the same dead letters, line for line
    data = b"\n".join(lines)
    assert repr(list(parse_jsonl(data, "in/s.jsonl"))) == repr(_guarded(data, "in/s.jsonl"))
