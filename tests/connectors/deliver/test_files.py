"""Daily JSONL files per subscriber, for people who tail them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import orjson

from tests.connectors.deliver.test_webhook import ALERT
from wirewatch.connectors.deliver.files import FileChannel, FileSpec
from wirewatch.notices import Notice

DAY = datetime(2026, 3, 2, 23, 59, tzinfo=timezone.utc)


def lines(path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_a_file_a_day_a_link_to_today_and_each_delivery_once(tmp_path):
    channel = FileChannel("file", FileSpec(str(tmp_path)), "desk")
    notice = Notice("alert:a1", "alert", "desk", DAY, ALERT)
    assert channel.write(notice, "msg_1", DAY).state == "delivered"
    assert channel.write(notice, "msg_1", DAY).detail.startswith("already in")
    first = tmp_path / "desk-2026-03-02.jsonl"
    assert [row["delivery"] for row in lines(first)] == ["msg_1"] and lines(first)[0]["alert"]["id"] == "a1"
    assert os.readlink(tmp_path / "desk.jsonl") == first.name
    channel.write(notice, "msg_2", DAY + timedelta(minutes=1))
    assert os.readlink(tmp_path / "desk.jsonl") == "desk-2026-03-03.jsonl"
    assert len(lines(tmp_path / "desk-2026-03-03.jsonl")) == 1


def test_after_a_restart_a_delivery_already_written_is_not_written_again_and_a_torn_line_is_ended(tmp_path):
    path = tmp_path / "desk-2026-03-02.jsonl"
    path.write_bytes(orjson.dumps({"delivery": "msg_1"}) + b"\n" + b'{"delivery": "msg_2", "ki')
    channel = FileChannel("file", FileSpec(str(tmp_path)), "desk")
    notice = Notice("alert:a1", "alert", "desk", DAY, ALERT)
    channel.write(notice, "msg_1", DAY)
    channel.write(notice, "msg_2", DAY)
    rows = path.read_bytes().splitlines()
    assert len(rows) == 3 and orjson.loads(rows[2])["delivery"] == "msg_2"
