"""The two engines of bounded runs (pipelines/bounded.py): the in-process loop must write the very bytes the
Beam pipeline writes, over seeds/, the golden inputs and bad input, with the watch list loaded from the
compiled cache (pipelines/warmstart.py) on the local side and built afresh on Beam's; both load the gazetteer
from the cache, which must place stories as a gazetteer built afresh does."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import DATA, SEEDS
from tests.golden_update import GOLDEN, NAMES
from wirewatch.pipelines import bounded, warmstart
from wirewatch.transforms import steps
from wirewatch.transforms.rulelang.cache import CompiledCache
from wirewatch.transforms.rules import default_watchlist

OUTPUTS = ("stories.jsonl", "alerts.jsonl", "dead.jsonl")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    """A compiled cache holding the gazetteer and the default watch list, as a first run leaves it."""
    root = tmp_path_factory.mktemp("cache")
    warmstart.gazetteer(CompiledCache(root))
    warmstart.watchlist(None, CompiledCache(root))
    return root


BAD = {  # each a kind of input that must become a dead letter, beside stories that go through
    "empty.txt": b"",
    "latin1.txt": "Caf\xe9 in S\xe3o Paulo".encode("latin-1"),
    "stories.jsonl": b"\n".join([
        b'{"id": "ok", "body": "Troops will withdraw from the border, Kyiv said."}',
        b"not json",
        b'{"id": "ok2", "body": "North Korea fired an ICBM.", "published": "yesterday"}',
        b'{"id": "ok", "body": "Troops will withdraw from the border, Kyiv said."}',
        b'{"body": "no id"}',
        b'{"id": "icbm", "body": "North Korea fired an ICBM.", "dateline": "SEOUL"}',
    ]) + b"\n",
}


@pytest.fixture
def bad_inputs(tmp_path) -> list[str]:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, data in BAD.items():
        (folder / name).write_bytes(data)
    return [str(folder), str(folder / "missing.txt")]


def run(engine: str, paths: list[str], out: Path, watchlist, *, keep: bool = False,
        archive_format: str | None = None) -> bounded.Outputs:
    """A bounded run on ``engine``; with ``archive_format``, an archive under ``out/archive`` too."""
    archive = {"archive": out / "archive", "archive_format": archive_format} if archive_format else {}
    outputs = bounded.Outputs(*(out / name for name in OUTPUTS), **archive)
    bounded.run(paths, outputs, watchlist, engine=engine, keep_input_order=keep)
    return outputs


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


CASES = {
    "seeds": ([str(SEEDS)], None),
    "seed and a copy, text archive": ([str(SEEDS), str(DATA / "seed-reuters-copy.txt")], "jsonl"),
    "wire formats, Parquet archive": ([str(DATA / "wire"), str(DATA / "wire-fields")], "parquet"),
    "feeds": ([str(DATA / "feeds")], None),
    "shared expectations, geotag and concept samples": (
        [str(DATA / "shared-expected"), str(DATA / "geotag"), str(DATA / "concepts")], None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_local_engine_writes_the_bytes_beam_writes(name, tmp_path, warm_cache, monkeypatch):
    paths, archive_format = CASES[name]
    monkeypatch.setenv("WIREWATCH_CACHE", str(warm_cache))
    got = {}
    for engine, watchlist in (("local", warmstart.watchlist(None)), ("beam", default_watchlist())):
        outputs = run(engine, paths, tmp_path / engine, watchlist, archive_format=archive_format)
        assert outputs.stories.read_bytes(), f"{engine} wrote no stories"
        got[engine] = files_under(tmp_path / engine)
    assert got["local"] == got["beam"]
    assert any(k.startswith("archive/") for k in got["local"]) == bool(archive_format)


def test_local_engine_matches_beam_on_bad_input_and_keeps_input_order(tmp_path, bad_inputs, warm_cache,
                                                                       monkeypatch):
    monkeypatch.setenv("WIREWATCH_CACHE", str(warm_cache))
    fingerprint, classify = steps.fingerprint, steps.classify

    def failing(real, word):  # a step that fails on some stories: both engines must dead-letter them alike
        def run(story, *args):
            if word in story.body:
                raise ValueError(f"no {word} here")
            return real(story, *args)
        return run

    monkeypatch.setattr(steps, "fingerprint", failing(fingerprint, "ICBM"))
    monkeypatch.setattr(steps, "classify", failing(classify, "border"))
    got = {}
    for engine in ("local", "beam"):
        run(engine, bad_inputs, tmp_path / engine, default_watchlist(), keep=True)
        got[engine] = files_under(tmp_path / engine)
    assert got["local"] == got["beam"]
    dead = [orjson.loads(line) for line in got["local"]["dead.jsonl"].splitlines()]
    assert {"read", "dedupe", "classify"} <= {d["stage"] for d in dead}, dead


def test_local_replay_of_seeds_is_the_golden_output(tmp_path, warm_cache, monkeypatch):
    monkeypatch.setenv("WIREWATCH_CACHE", str(warm_cache))
    outputs = run("local", [str(SEEDS)], tmp_path, warmstart.watchlist(None))
    for name, path in zip(NAMES, (outputs.stories, outputs.alerts)):
        got = [orjson.loads(line) for line in path.read_bytes().splitlines()]
        assert got == orjson.loads((GOLDEN / name).read_bytes()), f"{name} differs from the golden file"
    assert outputs.deadletter.read_bytes() == b""


def test_the_cached_gazetteer_and_watch_list_are_loaded_not_rebuilt(warm_cache, monkeypatch):
    import wirewatch.transforms.gazetteer as gazetteer
    import wirewatch.transforms.rules as rules

    def refuse(*_a, **_k):
        raise AssertionError("built again although the cache holds it")

    monkeypatch.setattr(gazetteer, "default_gazetteer", refuse)
    monkeypatch.setattr(rules, "default_watchlist", refuse)
    assert warmstart.gazetteer(CompiledCache(warm_cache)).size > 1000
    assert warmstart.watchlist(None, CompiledCache(warm_cache)).rules


def test_a_changed_watch_list_file_is_parsed_again(tmp_path):
    cache = CompiledCache(tmp_path / "cache")
    rules = tmp_path / "w.yaml"
    rules.write_text("rules:\n  - id: a\n    query: missile\n")
    assert [r.id for r in warmstart.watchlist([str(rules)], cache).rules] == ["a"]
    rules.write_text("rules:\n  - id: b\n    query: missile\n")
    assert [r.id for r in warmstart.watchlist([str(rules)], cache).rules] == ["b"]


def test_the_cache_keeps_the_newest_entries_of_each_kind(tmp_path):
    cache = CompiledCache(tmp_path)
    for n in range(warmstart.KEEP + 3):
        assert warmstart.cached("thing", [str(n).encode()], lambda n=n: n, int, cache) == n
    assert len(list(tmp_path.glob("thing-*.pickle"))) == warmstart.KEEP
    assert warmstart.cached("thing", [str(warmstart.KEEP + 2).encode()], lambda: -1, int, cache) == warmstart.KEEP + 2


@pytest.mark.parametrize("requested, files, args, engine", [
    ("auto", ["a.txt"], [], "local"),
    ("auto", ["a.txt"], ["--runner=PrismRunner"], "beam"),
    ("auto", ["a.txt"], ["--direct_num_workers=2"], "beam"),
    ("auto", ["archive/dt=2026-01-01/part-1.parquet"], [], "beam"),
    ("beam", ["a.txt"], [], "beam"),
    ("local", ["a.txt"], [], "local"),
])
def test_which_engine_a_run_gets(requested, files, args, engine):
    assert bounded.choose_engine(requested, files, args) == engine


@pytest.mark.parametrize("files, args", [
    (["a.txt"], ["--runner=FnApiRunner"]),
    (["archive/dt=2026-01-01/part-1.parquet"], []),
])
def test_the_local_engine_refuses_what_only_beam_can_run(files, args):
    with pytest.raises(bounded.EngineError, match="local engine cannot take"):
        bounded.choose_engine("local", files, args)


def test_the_cached_gazetteer_places_stories_as_one_built_afresh(warm_cache):
    from wirewatch.connectors.files.read import expand_paths
    from wirewatch.pipelines import local
    from wirewatch.transforms.gazetteer import default_gazetteer
    from wirewatch.transforms.geotag import classify
    from wirewatch.transforms.normalize import normalize

    stories, _ = local.read(expand_paths([str(SEEDS), str(DATA / "geotag")]))
    stories = [normalize(s) for s in stories]
    cached = warmstart.gazetteer(CompiledCache(warm_cache))
    assert cached is not default_gazetteer() and len(stories) > 40
    placed = [classify(s, cached) for s in stories]
    assert placed == [classify(s, default_gazetteer()) for s in stories]
    assert sum(bool(countries) for countries, _ in placed) > 40


def test_rules_that_test_the_spread_give_the_same_bytes_on_both_engines(tmp_path, warm_cache, monkeypatch):
    """A rule on the cluster's spread is matched after the clusters are settled (steps.finished), on Beam
    inside the one gather's step: both engines must still write the same bytes, and the rule must fire."""
    from wirewatch.transforms.rulelang.loader import load_watchlist

    monkeypatch.setenv("WIREWATCH_CACHE", str(warm_cache))
    watchlist = load_watchlist("version: 1\nrules:\n  - id: spreading\n    query: 'spread>=2'\n"
                               "  - id: troops\n    query: 'troops'\n")
    assert not steps.matched_alone(watchlist)
    got = {}
    for engine in ("local", "beam"):
        run(engine, [str(SEEDS), str(DATA / "seed-reuters-copy.txt")], tmp_path / engine, watchlist)
        got[engine] = files_under(tmp_path / engine)
    assert got["local"] == got["beam"]
    rules = {orjson.loads(line)["rule"] for line in got["local"]["alerts.jsonl"].splitlines()}
    assert {"spreading", "troops"} <= rules, rules


def test_an_empty_input_writes_empty_files_on_both_engines(tmp_path, warm_cache, monkeypatch):
    monkeypatch.setenv("WIREWATCH_CACHE", str(warm_cache))
    (tmp_path / "none").mkdir()
    for engine in ("local", "beam"):
        outputs = run(engine, [str(tmp_path / "none")], tmp_path / engine, default_watchlist())
        assert [p.read_bytes() for p in (outputs.stories, outputs.alerts, outputs.deadletter)] == [b""] * 3
