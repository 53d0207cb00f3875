"""10,000 matches of one story cluster within a minute: the subscriber gets one alert per rule, each
escalation once, and one rate-limit summary of what the limit held."""

from __future__ import annotations

import orjson

from tests.connectors.deliver.receivers import Receiver
from tests.pipelines.deliver.kit import Clock, ListDeadLetters, ListSource, alert, subscriptions
from wirewatch.connectors.deliver.store import Store
from wirewatch.pipelines.deliver import Deliverer

FILE = """\
allow: [127.0.0.1]
subscribers:
  - id: desk
    escalate: {stories: [5, 20], new_region: true}
    rate_limit: {max: 4, per: 1m}
    channels: [{type: webhook, url: "URL"}, {type: file, dir: out}]
  - id: quiet-desk
    rules: [troops]
    channels: [{type: webhook, url: "URL"}]
"""


def flood(n: int):
    """Three rules, one cluster; a new region half-way."""
    rule = ("icbm", "missile-test", "troops")[n % 3]
    regions = ("Eastern Asia",) if n < 5000 else ("Eastern Asia", "Eastern Europe")
    return alert(n, cluster="big", rule=rule, regions=regions)


def test_ten_thousand_matches_of_one_cluster(tmp_path):
    clock, source, dead = Clock(), ListSource(), ListDeadLetters()
    with Receiver() as rx:
        path = subscriptions(tmp_path, FILE.replace("URL", rx.url))
        deliverer = Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock)
        for second in range(60):
            source.add(*(flood(n) for n in range(second * 10_000 // 60, (second + 1) * 10_000 // 60)))
            deliverer.step()
            clock.advance(1)
        for _ in range(5):
            deliverer.step()
            clock.advance(1)
        deliverer.close()
    got = [orjson.loads(r.body) for r in rx.requests]
    desk = [(g["type"], g["data"]["id"]) for g in got if g["data"]["subscriber"] == "desk"]
    (summary,) = [g["data"] for g in got if g["type"] == "wirewatch.summary"]
    assert sorted(desk) == [("wirewatch.alert", "alert:big-icbm"), ("wirewatch.alert", "alert:big-missile-test"),
                            ("wirewatch.alert", "alert:big-troops"), ("wirewatch.escalation", "escalation:big:stories>=5"),
                            ("wirewatch.summary", summary["id"])]  # the first four at once (concurrently)
    assert summary["reason"].startswith("2 more alert(s) were held by the rate limit of 4 per 1 min")
    assert [e["id"] for e in summary["entries"]] == ["escalation:big:stories>=20", "escalation:big:region:Eastern Europe"]
    quiet = [g["data"]["id"] for g in got if g["data"]["subscriber"] == "quiet-desk"]
    assert quiet == ["alert:big-troops"]
    lines = (tmp_path / "out" / f"desk-{clock.now.date()}.jsonl").read_bytes().splitlines()
    assert len(lines) == 5  # the file channel got the same five
    assert dead.records == []
