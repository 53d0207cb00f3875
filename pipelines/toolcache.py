"""Where the tools the scripts build are kept (Prism, PyFlink's environment and its jars, Kafka):
``$WIREWATCH_CACHE``, else the checkout's ``.cache/``. The one place the Python side decides it, as
scripts/bootstrap, scripts/flink and scripts/kafka do on theirs. (The compiled watch lists and gazetteer are
a user cache of their own: transforms/rulelang/cache.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import wirewatch

CHECKOUT = Path(wirewatch.__file__).resolve().parent.parent  # wirewatch/ sits at the checkout's top

# ``WIREWATCH_CACHE=off`` switches off the compiled cache only (transforms/rulelang/cache.py); the tools
# cannot be rebuilt on every run, so for them it means "the default place", never a folder named ``off``.
OFF = "off"


def tool_cache() -> Path:
    root = os.environ.get("WIREWATCH_CACHE")
    if not root or root == OFF:
        return CHECKOUT / ".cache"
    return Path(root)
