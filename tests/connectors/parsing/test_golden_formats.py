"""Golden files: each copied fixture ``x`` beside ``x.expected.json`` (checked by hand against the source
file), plus expectations for corpus files we may not copy, read from ../shared when present."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wirewatch.connectors.parsing.dispatch import parse_document
from tests.connectors.parsing.golden import summary
from tests.conftest import DATA as TESTS_DATA

DATA = TESTS_DATA
COPIED = sorted(p for folder in ("feeds", "wire") for p in (DATA / folder).iterdir()
                if p.is_file() and not p.name.endswith((".expected.json", ".md")))
SHARED_ONLY = sorted((DATA / "shared-expected").glob("*.expected.json"))


@pytest.mark.parametrize("path", COPIED, ids=lambda p: p.name)
def test_copied_fixture_matches_golden(path: Path) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))
    url = expected.pop("input", {}).get("url")
    result = parse_document(path.read_bytes(), origin=f"{path.name}:0", filename=path.name, url=url)
    assert summary(result) == expected


@pytest.mark.parametrize("golden", SHARED_ONLY, ids=lambda p: p.name)
def test_shared_corpus_file_matches_golden(golden: Path, shared_corpora: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))
    path = shared_corpora / expected.pop("shared")
    result = parse_document(path.read_bytes(), origin=f"{path.name}:0", filename=path.name)
    assert summary(result) == expected


def test_every_copied_fixture_has_a_golden_file() -> None:
    assert COPIED and all(p.with_name(p.name + ".expected.json").exists() for p in COPIED)
    assert SHARED_ONLY  # (the parametrized tests above would quietly be none)
