"""The Beam edges of bounded runs (connectors/files/beamio.py): several PCollections written to JSONL files
through one gather, each file sorted by its key, empty input writing empty files."""

from __future__ import annotations

import apache_beam as beam
import orjson

from wirewatch.connectors.files.beamio import WriteJsonLines, WriteJsonLinesFiles
from wirewatch.pipelines.bounded import options


def _key(row: dict) -> str:
    return row["k"]


def test_several_pcollections_go_to_their_files_each_sorted_by_its_key(tmp_path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    with beam.Pipeline(options=options()) as p:
        a = p | "A" >> beam.Create([{"k": "b"}, {"k": "a"}])
        b = p | "B" >> beam.Create([{"k": "z"}])
        c = p | "C" >> beam.Create([{"k": "c"}, {"k": "0"}])
        _ = (a, b, c) | WriteJsonLinesFiles([(str(one), _key), (str(two), _key), (str(one), _key)])
    assert [orjson.loads(line)["k"] for line in one.read_bytes().splitlines()] == ["0", "a", "b", "c"]
    assert two.read_bytes() == b'{"k":"z"}\n'


def test_empty_input_writes_empty_files(tmp_path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    with beam.Pipeline(options=options()) as p:
        empty = p | "None" >> beam.Create([]) | beam.Filter(bool)
        _ = (empty, empty) | WriteJsonLinesFiles([(str(one), _key), (str(two), _key)])
        _ = empty | "One" >> WriteJsonLines(str(tmp_path / "three.jsonl"), _key)
    assert one.read_bytes() == two.read_bytes() == (tmp_path / "three.jsonl").read_bytes() == b""
