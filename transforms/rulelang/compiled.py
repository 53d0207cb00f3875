"""Loading the optional compiled core (the ``wirewatch_native`` module, built from ``native/`` by
scripts/bootstrap where cargo is installed), in one place for the engine (native.py) and the word
splitter (words.py). ``WIREWATCH_NATIVE=0`` turns it off."""

from __future__ import annotations

import os
import unicodedata
from typing import Any

PLAN_VERSION = 5  # the plan and call format the Python side makes; native/src/lib.rs has the same number

wirewatch_native: Any
try:
    import wirewatch_native  # type: ignore[import-untyped,no-redef]
except ImportError:  # pragma: no cover - exercised where the core was not built
    wirewatch_native = None
if getattr(wirewatch_native, "PLAN_VERSION", None) != PLAN_VERSION:  # a stale build (scripts/bootstrap rebuilds)
    wirewatch_native = None


def wanted() -> bool:
    """Use the compiled core unless it is missing or ``WIREWATCH_NATIVE=0``."""
    return wirewatch_native is not None and os.environ.get("WIREWATCH_NATIVE", "1") != "0"


def word_splitter() -> Any:
    """The compiled ``split_words`` when wanted and its Unicode tables are this Python's (it then splits
    exactly as ``words.python_split``), else None."""
    if wanted() and getattr(wirewatch_native, "UNICODE_VERSION", None) == unicodedata.unidata_version:
        return wirewatch_native.split_words
    return None
