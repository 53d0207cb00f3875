"""Reading back a small JSON state file of our own (a poll cursor, a drop folder's ledger), the one way for
each: no file yet is a first run; a file that cannot be read, is not JSON, has another version or does not
hold what it should is an error that says to move it aside (what it held is then done again, deduplicated
downstream). Written with ``sinks.files.write_atomic``, such a file is never torn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

T = TypeVar("T")


def read_state(path: Path, version: int, what: str, error: type[Exception],
               build: Callable[[dict[str, Any]], T]) -> T | None:
    """``build`` applied to the file's JSON object, or None when there is no file. Whatever goes wrong is
    raised as ``error``, naming the file and ``what`` it should be ("poll state")."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from exc
    try:
        data = orjson.loads(raw)
        if data.get("version") != version:
            raise ValueError(f"version {data.get('version')!r}, expected {version}")
        return build(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # JSON errors are ValueErrors
        raise error(f"{path}: not a {what} file ({exc}); move it aside to start over") from exc
