"""The compact lexicon (transforms/lexicon.py) answers exactly what lemminflect's getAllLemmas answers, and a
warm cache spares lemminflect's tables."""

from __future__ import annotations

import re

import lemminflect
import pytest

from tests.conftest import SEED
from wirewatch.transforms import lexicon
from wirewatch.transforms.rulelang.cache import CompiledCache


@pytest.fixture(scope="module")
def words() -> frozenset[str]:
    return lexicon.load_words(None)


def test_a_word_is_in_the_lexicon_exactly_when_lemminflect_has_lemmas_for_it(words):
    seed = {w.lower() for w in re.findall(r"[A-Za-z']+", SEED.read_text(encoding="utf-8"))}
    odd = {"seoul", "kyiv", "zzyzx", "qwertyuiop", "", "north", "central", "mountain", "withdrew", "mice"}
    table = lemminflect.Lemmatizer()._getLemmaDict()
    overrides = lemminflect.Lemmatizer()._getOverridesDict()
    sample = sorted(table)[::9] + sorted(overrides) + sorted(seed | odd)  # capitalised keys among them too
    assert len(sample) > 7000
    assert [w for w in sample if (w.lower() in words) != bool(lemminflect.getAllLemmas(w))] == []


def test_a_warm_cache_does_not_read_the_tables(tmp_path, words, monkeypatch):
    cache = CompiledCache(tmp_path)
    assert lexicon.load_words(cache) == words  # the first load reads the tables and fills the cache

    def refuse() -> str:
        raise AssertionError("lemminflect's tables read although the cache holds the words")

    monkeypatch.setattr(lexicon, "_from_tables", refuse)
    assert lexicon.load_words(cache) == words
