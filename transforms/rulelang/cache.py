"""The on-disk cache of compiled watch lists, keyed by the rules' hash. This module is the rule
language's only I/O, kept at the edge: callers inject a cache, and None means "compile every time".

Entries are pickles written atomically (temp file, fsync, rename) into a directory the user owns:
``$WIREWATCH_CACHE`` or ``~/.cache/wirewatch``. Only load caches you wrote yourself.
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any


class CompiledCache:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, key: str) -> Path:
        return self.root / f"{kind}-{key}.pickle"

    def get(self, kind: str, key: str) -> Any | None:
        enabled = gc.isenabled()
        gc.disable()  # millions of small objects: collections during the load would cost seconds
        try:
            with open(self.path(kind, key), "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None  # absent or stale: compile again
        finally:
            if enabled:
                gc.enable()

    def put(self, kind: str, key: str, value: Any) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{kind}-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(kind, key))
        except OSError:
            pass  # a cache that cannot be written only costs time


def default_cache() -> CompiledCache | None:
    """``$WIREWATCH_CACHE`` (``off`` disables caching) or ``~/.cache/wirewatch``."""
    root = os.environ.get("WIREWATCH_CACHE")
    if root == "off":
        return None
    return CompiledCache(root or Path.home() / ".cache" / "wirewatch")
