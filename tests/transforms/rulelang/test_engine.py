"""The engine: both prefilter backends agree, compiled lists are cached by the rules' hash, and only
candidate rules are evaluated."""

from __future__ import annotations

import pickle

import pytest

import wirewatch.transforms.rules as rules_module
from tests.transforms.rulelang.test_paraphrases import NEGATIVE, POSITIVE
from wirewatch.transforms.match import Matcher
from wirewatch.records import Story
from wirewatch.transforms.rulelang import engine as engine_module
from wirewatch.transforms.rulelang.cache import CompiledCache
from wirewatch.transforms.rulelang.prefilter import hyperscan
from wirewatch.transforms.rules import default_watchlist, load_watchlist, load_watchlist_file

TEXTS = [t for table in (POSITIVE, NEGATIVE) for texts in table.values() for t in texts]


@pytest.mark.skipif(hyperscan is None, reason="hyperscan is not installed")
def test_hyperscan_and_aho_corasick_find_the_same(seed_text):
    watchlist = default_watchlist()
    fast = Matcher(watchlist, backend="hyperscan", cache=None)
    portable = Matcher(watchlist, backend="ahocorasick", cache=None)
    for i, text in enumerate([*TEXTS, seed_text, "Zürich — the ICBM flew; ÄÖÜ withdrew troops."]):
        story = Story(id=str(i), body=text, title=text[:40])
        assert fast.match(story) == portable.match(story), text


def test_only_candidate_rules_are_evaluated():
    text = "rules:\n" + "".join(f"  - id: r{i}\n    query: '\"term{i} x\" NEAR/3 y{i}'\n" for i in range(50))
    matcher = Matcher(load_watchlist(text), cache=None)
    from wirewatch.transforms.rulelang.view import StoryView

    view = StoryView(Story(id="s", body="term7 x and y7, term8 x"))
    hits = matcher.engine.hits(view)
    assert matcher.engine.candidates(hits, view.facts) == [7]  # r8 lacks y8: set-filtered, never evaluated
    assert [m.rule for m in matcher.match(Story(id="s", body="term7 x and y7, term8 x"))] == ["r7"]


def test_compiled_rules_are_cached_by_their_hash(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "CACHE_MIN_PATTERNS", 1)
    cache = CompiledCache(tmp_path)
    watchlist = default_watchlist()
    first = Matcher(watchlist, cache=cache)
    entries = list(tmp_path.glob("engine-*.pickle"))  # the Python engine's tables (+ the compiled core's plan)
    assert entries and all(watchlist.digest in entry.name for entry in entries)
    calls = []
    monkeypatch.setattr(engine_module, "compile_program", lambda w: calls.append(w))
    second = Matcher(watchlist, cache=cache)
    assert calls == []  # loaded, not compiled
    story = Story(id="s", body="North Korea's supply of weaponry to Moscow and its Hwasong-19 launch.")
    assert second.match(story) == first.match(story) and first.match(story)
    changed = load_watchlist("rules:\n  - id: x\n    query: y\n")
    assert changed.digest != watchlist.digest


def test_a_corrupt_cache_entry_is_recompiled(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "CACHE_MIN_PATTERNS", 1)
    cache = CompiledCache(tmp_path)
    watchlist = default_watchlist()
    Matcher(watchlist, cache=cache)
    for entry in tmp_path.glob("engine-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert Matcher(watchlist, cache=cache).match(Story(id="s", body="an ICBM"))
    for entry in tmp_path.glob("engine-*.pickle"):
        entry.write_bytes(pickle.dumps((1, "a pickle of the wrong shape")))
    assert Matcher(watchlist, cache=cache).match(Story(id="s", body="an ICBM"))
    for entry in tmp_path.glob("engine-*.pickle"):
        entry.write_bytes(pickle.dumps((-1, [], [], [], [], [], [], [])))  # a negative count
    assert Matcher(watchlist, cache=cache).match(Story(id="s", body="an ICBM"))


def test_parsed_watch_list_files_are_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(rules_module, "CACHE_MIN_BYTES", 1)
    path = tmp_path / "w.yaml"
    path.write_text("rules:\n  - id: a\n    query: missile\n", encoding="utf-8")
    cache = CompiledCache(tmp_path / "cache")
    first = load_watchlist_file(path, cache=cache)
    monkeypatch.setattr(rules_module, "load_watchlist", lambda *a, **k: pytest.fail("parsed again"))
    assert load_watchlist_file(path, cache=cache) == first


def test_default_list_keeps_its_ids_and_fires_on_the_seed(seed_text, default_matcher):
    from wirewatch.transforms.normalize import normalize

    ids = [r.id for r in default_watchlist().rules]
    assert {"icbm", "troop-withdrawal", "arms-transfer"} <= set(ids) and len(ids) == len(set(ids))
    matches = {m.rule for m in default_matcher.match(normalize(Story(id="seed", body=seed_text)))}
    assert {"icbm", "troop-withdrawal", "arms-transfer"} <= matches


def test_default_list_uses_the_whole_language():
    text = rules_module.DEFAULT_WATCHLIST.read_text(encoding="utf-8")
    for construct in ("case:", "NEAR/", "ONEAR/", "NOT ", "^-", "threshold:", "country:", "region:", "title:",
                      "*", "=", "version:", " | "):
        assert construct in text, construct
