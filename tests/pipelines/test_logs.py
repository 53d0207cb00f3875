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


class Stream:
    """A stderr stand-in that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


def _record(level: int, msg: str) -> logging.LogRecord:
    return logging.getLogger("wirewatch.test").makeRecord("wirewatch.test", level, "x.py", 1, msg, (), None)


def test_held_lines_come_in_one_write_and_a_warning_brings_them_in_order():
    from wirewatch.pipelines.logs import HeldLines

    stream = Stream()
    handler = HeldLines(stream, hold_s=3600)  # its own writer waits an hour: only a warning or flush writes
    handler.setFormatter(logging.Formatter("%(message)s"))
    try:
        for n in range(3):
            handler.handle(_record(logging.INFO, f"alert {n}"))
        assert stream.writes == []
        handler.handle(_record(logging.WARNING, "fault"))
        assert stream.writes == ["alert 0\nalert 1\nalert 2\nfault\n"]
        handler.handle(_record(logging.INFO, "alert 3"))
        handler.flush()
        assert stream.writes[1:] == ["alert 3\n"]
    finally:
        handler.close()


def test_held_lines_are_written_by_their_thread_and_when_too_many():
    from tests.kafkakit import wait_for
    from wirewatch.pipelines.logs import HeldLines

    stream = Stream()
    handler = HeldLines(stream, hold_s=0.05, most=10)
    handler.setFormatter(logging.Formatter("%(message)s"))
    try:
        handler.handle(_record(logging.INFO, "alone"))
        wait_for(lambda: stream.writes == ["alone\n"], timeout=10, every=0.01, what="the held line written")
    finally:
        handler.close()
    many = HeldLines(stream := Stream(), hold_s=3600, most=10)
    many.setFormatter(logging.Formatter("%(message)s"))
    try:
        for n in range(25):
            many.handle(_record(logging.INFO, str(n)))
        assert [w.count("\n") for w in stream.writes] == [10, 10]
    finally:
        many.close()
    assert "".join(stream.writes).split() == [str(n) for n in range(25)]  # the rest at close


def test_a_process_logging_held_lines_ends_with_every_line_written(tmp_path):
    import subprocess
    import sys

    """Also after a logging set-up of someone else's closed every handler and cleared the list logging's exit
    flushes, as uvicorn's does when the service starts its web server (the service's lines stopped there)."""
    script = ("import logging, logging.config, time; from wirewatch.pipelines import logs; logs.setup(held=True)\n"
              "log = logging.getLogger('wirewatch.test')\n"
              "for n in range(500): log.info('alert', extra={'n': n})\n"
              "logging.config.dictConfig({'version': 1, 'disable_existing_loggers': False})\n"
              "for n in range(500, 1000): log.info('alert', extra={'n': n})\n"
              "time.sleep(1.0); print('written', flush=True)\n"
              "for n in range(1000, 1500): log.info('alert', extra={'n': n})\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path)
    assert proc.stdout.readline() == b"written\n"
    lines = []
    while len(lines) < 1000:  # the thread writes what came after the set-up while the process runs
        lines.append(proc.stderr.readline())
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines += err.splitlines()
    assert [orjson.loads(line)["n"] for line in lines] == list(range(1500))
