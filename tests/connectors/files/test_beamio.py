"""The Beam edges of bounded runs (connectors/files/beamio.py): several PCollections written to JSONL files
through one gather, each file sorted by its key, empty input writing empty files; stories read in batches."""

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


def test_stories_read_in_batches_come_as_story_batches_sized_without_pickling(tmp_path, monkeypatch) -> None:
    from wirewatch.connectors.files.beamio import ReadBatches, StoryBatch
    from wirewatch.records import Story

    source = tmp_path / "s.jsonl"
    source.write_bytes(b"".join(orjson.dumps({"id": f"s{i}", "body": f"story {i}"}) + b"\n" for i in range(7))
                       + b"not json\n")
    pickled = []

    def counted(self, state=Story.__getstate__):
        pickled.append(self.id)
        return state(self)

    monkeypatch.setattr(Story, "__getstate__", counted)
    got = tmp_path / "got.jsonl"
    with beam.Pipeline(options=options()) as p:
        rows = p | ReadBatches([str(source)], batch=3) | beam.Map(
            lambda b: {"k": ",".join(getattr(s, "id", "dead") for s in b), "batch": isinstance(b, StoryBatch)})
        _ = rows | WriteJsonLines(str(got), _key)
    assert [orjson.loads(line) for line in got.read_bytes().splitlines()] == [
        {"k": "", "batch": True}, {"k": "s0,s1,s2", "batch": True}, {"k": "s3,s4,s5", "batch": True},
        {"k": "s6,dead", "batch": True}]
    assert pickled == []  # sized by their text; a list of stories the runner would pickle to size


def test_read_batches_hold_a_files_stories_and_dead_letters_in_order_after_an_empty_one(tmp_path) -> None:
    from wirewatch.connectors.files.beamio import ReadBatches
    from wirewatch.records import DeadLetter

    source = tmp_path / "s.jsonl"
    source.write_bytes(b"".join(orjson.dumps({"id": f"s{i}", "body": f"story {i}"}) + b"\n" for i in range(4))
                       + b"not json\n" + orjson.dumps({"id": "s4", "body": "story 4"}) + b"\n")
    got = tmp_path / "got.jsonl"

    def row(batch):
        return {"k": ",".join(f"dead@{str(x.origin).rsplit(':', 1)[1]}" if isinstance(x, DeadLetter) else x.id
                              for x in batch)}

    with beam.Pipeline(options=options()) as p:
        rows = p | ReadBatches([str(source), str(tmp_path / "missing.jsonl")], batch=3) | beam.Map(row)
        _ = rows | WriteJsonLines(str(got), _key)
    assert [orjson.loads(line)["k"] for line in got.read_bytes().splitlines()] == [
        "", "dead@0", "s0,s1,s2", "s3,dead@5,s4"]  # sorted: the empty start batch, the missing file's dead letter


def test_read_batches_of_no_files_is_the_empty_start_batch(tmp_path) -> None:
    from wirewatch.connectors.files.beamio import ReadBatches, StoryBatch

    got = tmp_path / "got.jsonl"
    with beam.Pipeline(options=options()) as p:
        rows = p | ReadBatches([]) | beam.Map(lambda b: {"k": f"{type(b).__name__}:{len(b)}"})
        _ = rows | WriteJsonLines(str(got), _key)
    assert got.read_bytes() == b'{"k":"%s:0"}\n' % StoryBatch.__name__.encode()
