from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings

# No time limit per hypothesis example: a first example that loads a model (lingua's, the gazetteer) or a
# machine busy with Kafka and Flink beside the tests is slow once, and a failure for that is noise. Speed is
# measured in bench/, not in tests.
settings.register_profile("wirewatch", deadline=None)
settings.load_profile("wirewatch")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED = next(SEEDS.glob("*.txt"))
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("WIREWATCH_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def in_ci() -> bool:
    """Whether this run is CI's: ``CI`` set (as CI services and .ci/run set it) to anything but a false word."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_unless_required(reason: str, *, required_by: str | None = None, module: bool = False) -> NoReturn:
    """Skips for a missing optional prerequisite (the ../shared corpora, the compiled core) on a developer's
    clone, but fails in CI, or where the ``required_by`` environment variable is 1: there a skip would
    quietly drop coverage (the corpus floors among it). Every such skip goes through here."""
    if in_ci() or (required_by and os.environ.get(required_by) == "1"):
        why = "CI is set" if in_ci() else f"{required_by}=1"
        pytest.fail(f"{reason}; required here ({why}), so this fails instead of skipping", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        skip_unless_required(f"{corpora} is absent (third-party corpora are optional; set WIREWATCH_SHARED)")
    return corpora


# The real-broker fixtures (bootstrap, topics, fresh_topics) for every test that talks to Kafka.
from tests.kafkakit import bootstrap, fresh_topics, topics  # noqa: E402,F401
