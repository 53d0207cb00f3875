"""Structured logs: one JSON object per line on stderr, with any ``extra=`` fields included."""

from __future__ import annotations

import atexit
import logging
import math
import os
import sys
import threading
import time
import weakref
from datetime import datetime, timezone
from typing import TextIO

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second: tuple[float, str] = (math.nan, "")  # the last whole second stamped, as isoformat has it

    def stamp(self, created: float) -> str:
        """``datetime.fromtimestamp(created, utc).isoformat(timespec="milliseconds")``, its date and time made
        once a second: the service logs a line an alert, and under a backlog thousands a second."""
        fraction, whole = math.modf(created)
        micros = round(fraction * 1e6)  # as datetime.fromtimestamp rounds (half to even), carry included
        if micros >= 1_000_000:
            whole, micros = whole + 1, micros - 1_000_000
        elif micros < 0:  # before 1970
            return datetime.fromtimestamp(created, tz=timezone.utc).isoformat(timespec="milliseconds")
        second, text = self._second
        if whole != second:
            text = datetime.fromtimestamp(whole, tz=timezone.utc).isoformat(timespec="seconds")[:-6]
            self._second = whole, text
        return f"{text}.{micros // 1000:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.stamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class HeldLines(logging.StreamHandler):
    """A stream handler that writes its lines in batches: a line below WARNING is held at most ``hold_s``
    (a thread of its own writes what is held), a WARNING or worse is written at once with all held before
    it, in order, and so is everything at ``flush`` and at exit. The service logs a line an alert, each a
    write of its own to stderr that gives up the interpreter lock and waits to get it back from the worker
    threads: under a backlog a third of the alert sink's CPU. Lines held are lost only to a kill -9, and at
    most ``hold_s`` of them.

    ``close`` only writes what is held: uvicorn's logging set-up closes every handler there is and keeps
    using them (and takes them off the list that logging's exit flushes), so the thread and the exit hook
    of this handler end only when the handler itself is gone."""

    def __init__(self, stream: TextIO, hold_s: float = 0.1, most: int = 1_000) -> None:
        super().__init__(stream)
        self.held: list[str] = []
        self.most = most
        me = weakref.ref(self)
        threading.Thread(target=_write_every, args=(me, hold_s), name="wirewatch-log", daemon=True).start()
        atexit.register(_write_held_of, me)

    def emit(self, record: logging.LogRecord) -> None:  # logging holds self.lock here
        try:
            self.held.append(self.format(record))
            if record.levelno >= logging.WARNING or len(self.held) >= self.most:
                self._write_held()
        except Exception:  # noqa: BLE001 (logging's own way: report on stderr, never raise)
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:
            self._write_held()

    def close(self) -> None:
        self.flush()
        super().close()

    def _write_held(self) -> None:
        if self.held:
            text, self.held = "\n".join(self.held) + "\n", []
            self.stream.write(text)
            self.stream.flush()


def _write_held_of(handler: weakref.ref) -> bool:
    """Write what the handler holds; False once it is gone."""
    alive = handler()
    if alive is None:
        return False
    try:
        alive.flush()
    except Exception:  # noqa: BLE001 (stderr gone: nothing to report it on)
        pass
    return True


def _write_every(handler: weakref.ref, hold_s: float) -> None:
    while True:
        time.sleep(hold_s)
        if not _write_held_of(handler):
            return


def setup(level: int | str | None = None, held: bool = False) -> None:
    """JSON logs at ``level`` (default: $WIREWATCH_LOG_LEVEL, else INFO) for our loggers, WARNING for others;
    ``held``: written in batches (``HeldLines``), for the always-on service and its workers."""
    level = level or os.environ.get("WIREWATCH_LOG_LEVEL", "INFO").upper()
    handler = HeldLines(sys.stderr) if held else logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("wirewatch").setLevel(level)  # every module of ours logs under wirewatch.*
    # Each record would look up its multiprocessing process's name (the logging HOWTO's "Optimization"): no
    # line shows it, and the service writes one an alert. Thread names stay: Beam's log handler reads them.
    logging.logMultiprocessing = False
    # kafka-python logs every failed connection of an outage, several a second; the service reports an
    # outage itself (one line when it starts, one when it clears, and /health meanwhile). Debug shows them.
    logging.getLogger("kafka").setLevel(logging.DEBUG if str(level) == "DEBUG" else logging.CRITICAL)
