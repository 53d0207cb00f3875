"""The JSON log line: its time stamp made once a second is the one datetime makes, and the line is the
same whether or not records look up their thread and process."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timezone

import orjson

from wirewatch.pipelines.logs import JsonFormatter


def iso(created: float) -> str:
    return datetime.fromtimestamp(created, tz=timezone.utc).isoformat(timespec="milliseconds")


def test_the_stamp_is_datetimes_at_the_edges_of_a_second_and_anywhere():
    r = random.Random(7)
    base = 1_765_100_000
    edges = [base + k / 1e6 + d for k in range(-2500, 2500) for d in (-5e-7, 0.0, 5e-7)]  # rounding, carry
    anywhere = sorted(r.uniform(0, 4e9) for _ in range(50_000))  # each second new, and in order as logs come
    formatter = JsonFormatter()
    for created in edges + anywhere + [0.0, base + 0.9995, base + 0.9999996, -1.25]:
        assert formatter.stamp(created) == iso(created), created


def test_the_line_holds_the_extras_in_order_and_no_thread_or_process():
    record = logging.getLogger("wirewatch.sinks").makeRecord(
        "wirewatch.sinks", logging.INFO, "x.py", 1, "alert %s", ("sent",), None,
        extra={"alert": "a1", "rule": "icbm", "countries": ["KP"], "title": "T"})
    line = JsonFormatter().format(record)
    entry = orjson.loads(line)
    assert list(entry) == ["ts", "level", "logger", "msg", "alert", "rule", "countries", "title"]
    assert entry["ts"] == iso(record.created) and entry["msg"] == "alert sent"
