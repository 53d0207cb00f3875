"""Structured logs: one JSON object per line on stderr, with any ``extra=`` fields included."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timezone

import orjson

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
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
    # kafka-python logs every failed connection of an outage, several a second; the service reports an
    # outage itself (one line when it starts, one when it clears, and /health meanwhile). Debug shows them.
    logging.getLogger("kafka").setLevel(logging.DEBUG if str(level) == "DEBUG" else logging.CRITICAL)
