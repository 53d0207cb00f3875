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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Pause:
    freeze = False  # set inside the pause to keep what was made out of the collector's sight afterwards


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[Pause]:
    """No garbage collection inside: a large watch list is millions of small objects made at once, and each
    full collection meanwhile walks all of them (0.9 s a time with 100,000 rules loaded). With ``freeze``
    (or ``Pause.freeze`` set inside), what lives at the end is moved out of the collector's sight
    (``gc.freeze``): it lives as long as the process, and otherwise the first collections after the pause
    (they were only postponed) walk it all."""
    pause = Pause()
    pause.freeze = freeze
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield pause
    finally:
        if pause.freeze:
            gc.freeze()
        if enabled:
            gc.enable()


class CompiledCache:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, key: str) -> Path:
        return self.root / f"{kind}-{key}.pickle"

    def get(self, kind: str, key: str) -> Any | None:
        try:
            with paused_gc(freeze=True), open(self.path(kind, key), "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None  # absent or stale: compile again

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
