"""Digests and quiet hours in the delivery step: what the schedule holds is kept durably and sent as one."""

from __future__ import annotations

from datetime import timedelta

import orjson

from tests.pipelines.deliver.kit import T0, Clock, ListDeadLetters, ListSource, alert, subscriptions
from wirewatch.connectors.deliver.store import Store
from wirewatch.pipelines.deliver import Deliverer

FILE = """\
subscribers:
  - id: morning
    schedule: daily
    digest_at: "10:30"
    timezone: Europe/Berlin
    channels: [{type: file, dir: out}]
  - id: night-owl
    quiet_hours: {from: "09:30", to: "10:00", except: critical}
    channels: [{type: file, dir: out}]
"""


def rows(tmp_path, subscriber: str) -> list[dict]:
    path = tmp_path / "out" / f"{subscriber}.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def test_a_daily_digest_and_quiet_hours_survive_a_restart(tmp_path):
    # 09:30 UTC: in the night owl's quiet hours (UTC), just past the morning digest (10:30 in Berlin)
    clock, source, dead = Clock(T0 + timedelta(minutes=30)), ListSource(), ListDeadLetters()
    path = subscriptions(tmp_path, FILE)
    d = Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock)
    source.add(alert(1), alert(2), alert(3, severity="critical"))
    d.step()
    assert [r["id"] for r in rows(tmp_path, "night-owl")] == ["alert:c3-icbm"]  # critical breaks through
    assert rows(tmp_path, "morning") == []
    d.store.close()  # a restart: what was held is in the store
    d = Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock)
    clock.now = T0 + timedelta(hours=1)  # 10:00 UTC: quiet hours are over
    d.step()
    digest = rows(tmp_path, "night-owl")[-1]
    assert digest["kind"] == "digest" and [e["id"] for e in digest["entries"]] == ["alert:c1-icbm", "alert:c2-icbm"]
    clock.now = T0 + timedelta(days=1, minutes=29)
    d.step()
    assert rows(tmp_path, "morning") == []
    clock.now = T0 + timedelta(days=1, minutes=30)  # 10:30 in Berlin the next day
    d.step()
    d.step()
    (daily,) = rows(tmp_path, "morning")
    assert daily["kind"] == "digest" and daily["reason"] == "daily digest" and len(daily["entries"]) == 3
    d.close()


def test_alerts_older_than_a_day_are_not_delivered(tmp_path):
    clock, source, dead = Clock(T0 + timedelta(days=1, seconds=1)), ListSource(), ListDeadLetters()
    d = Deliverer(str(subscriptions(tmp_path, FILE)), Store(tmp_path / "state.sqlite"), source, dead, clock=clock)
    source.add(alert(1, severity="critical"), alert(2, severity="critical", alerted=clock.now))
    d.step()
    d.close()
    assert [r["id"] for r in rows(tmp_path, "night-owl")] == ["alert:c2-icbm"]
