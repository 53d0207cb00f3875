"""Structured logs: one JSON object per line on stderr, with any ``extra=`` fields included."""

from __future__ import annotations

import logging
import math
import os
import sys
from datetime import datetime, timezone

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


def setup(level: int | str | None = None) -> None:
    """JSON logs at ``level`` (default: $WIREWATCH_LOG_LEVEL, else INFO) for our loggers, WARNING for others."""
    level = level or os.environ.get("WIREWATCH_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
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
