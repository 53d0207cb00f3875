"""Where the tools the scripts build are kept (Prism, PyFlink's environment and its jars, Kafka):
``$WIREWATCH_CACHE``, else the checkout's ``.cache/``. The one place the Python side decides it, as
scripts/bootstrap, scripts/flink and scripts/kafka do on theirs. (The compiled watch lists and gazetteer are
a user cache of their own: transforms/rulelang/cache.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import wirewatch

CHECKOUT = Path(wirewatch.__file__).resolve().parent.parent  # wirewatch/ sits at the checkout's top


def tool_cache() -> Path:
    return Path(os.environ.get("WIREWATCH_CACHE") or CHECKOUT / ".cache")
