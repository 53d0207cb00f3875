"""The poison lines the fault trial sent to Kafka, given to the bounded commands as JSONL: the run completes
(exit 0), the good stories come out, and each bad line is a dead letter naming its line."""

from __future__ import annotations

import orjson

from wirewatch.pipelines.cli import main

LINES = [
    b'{"id":"good-1","body":"North Korea fired an intercontinental ballistic missile on Monday."}',
    b'{"id":"p","body":"x y z","authors":5}',
    b'{"id":"y","body":"x y z","published":"0001-01-01T00:00:00+01:00"}',
    b"null",
    b"42",
    b"[1,2,3]",
    b'{"id":"s","body":"\\ud800 alone"}',
    b"[" * 5000 + b"]" * 5000,
    b'{"id":{"a":1},"body":"x"}',
    b'{"id":"good-2","body":"Russia said it would withdraw its troops from the border region."}',
]


def test_replay_of_poison_lines_exits_zero_with_dead_letters(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(LINES) + b"\n")
    assert main(["replay", str(src), "--out", str(tmp_path / "out"), "-q"]) == 0
    stories = [orjson.loads(x) for x in (tmp_path / "out" / "stories.jsonl").read_bytes().splitlines()]
    assert sorted(s["id"] for s in stories) == ["good-1", "good-2"]
    dead = [orjson.loads(x) for x in (tmp_path / "out" / "deadletter.jsonl").read_bytes().splitlines()]
    assert sorted(int(d["origin"].rpartition(":")[2]) for d in dead) == list(range(2, 10))
    assert all(d["raw"] for d in dead)
    assert "dead letters: 8" in capsys.readouterr().out


def test_enrich_of_poison_lines_exits_zero(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(LINES) + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["enrich", str(src), "-o", str(out)]) == 0
    assert [orjson.loads(x)["id"] for x in out.read_bytes().splitlines()] == ["good-1", "good-2"]
    assert len((tmp_path / "out.deadletter.jsonl").read_bytes().splitlines()) == 8
