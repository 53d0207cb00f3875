"""A receiver down for five minutes of simulated time (500s, then no answer, then 200): every alert is
delivered after it recovers, none under two webhook-ids, retries spaced as configured; and a restart in the
middle of it changes nothing of that."""

from __future__ import annotations

from collections import defaultdict
from unittest import mock

import orjson
from standardwebhooks import webhooks

from tests.connectors.deliver.receivers import SECRET, Answer, Receiver
from tests.pipelines.deliver.kit import T0, Clock, ListDeadLetters, ListSource, alert, subscriptions
from wirewatch.connectors.deliver.store import Store

ALERTS = 20
from wirewatch.pipelines.deliver import Deliverer, DeliverySettings

SETTINGS = DeliverySettings(per_channel=ALERTS)  # every due attempt in the round it is due

SPACING = [5, 10, 20, 40, 60, 60, 60, 60]  # first 5 s, doubling, capped at 60 s (jitter held at its middle)
FILE = """\
allow: [127.0.0.1]
retry: {attempts: 30, first: 5s, factor: 2, cap: 60s}
subscribers:
  - id: desk
    channels: [{type: webhook, url: "URL", secret: "SECRET", timeout: 1.5}]
"""


class Outage:
    """500 for the first two simulated minutes, then no answer until minute five, then 200."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.answers: list[tuple[str, int]] = []  # (webhook-id, status) for every answer given

    def __call__(self, got, n) -> Answer:
        t = self.clock.elapsed
        answer = Answer(500, body=b"down") if t < 120 else Answer(hang=30) if t < 300 else Answer(200)
        self.answers.append((got.headers["webhook-id"], 0 if answer.hang else answer.status))
        return answer


def run(deliverer: Deliverer, clock: Clock, until: float) -> None:
    while clock.elapsed < until:
        deliverer.step()
        clock.advance(1)


def check(rx: Receiver, outage: Outage) -> None:
    by_id = defaultdict(list)
    for got in rx.requests:
        by_id[got.headers["webhook-id"]].append(got)
    assert len(by_id) == ALERTS  # one webhook-id per alert, on every attempt
    bodies = {wid: {orjson.loads(g.body)["data"]["alert"]["id"] for g in gots} for wid, gots in by_id.items()}
    assert sorted(a for ids in bodies.values() for a in ids) == sorted(f"c{n}-icbm" for n in range(ALERTS))
    delivered = [wid for wid, status in outage.answers if status == 200]
    assert sorted(delivered) == sorted(by_id)  # each delivered exactly once, after the outage
    for wid, gots in by_id.items():
        stamps = [int(g.headers["webhook-timestamp"]) for g in gots]
        assert [b - a for a, b in zip(stamps, stamps[1:])] == SPACING, wid
        assert stamps[-1] - int(T0.timestamp()) == 315
        with mock.patch.object(webhooks, "datetime", mock.Mock(wraps=webhooks.datetime)) as fake:
            fake.now.return_value = webhooks.datetime.fromtimestamp(stamps[-1], webhooks.timezone.utc)
            webhooks.Webhook(SECRET).verify(gots[-1].body, gots[-1].headers)


def test_every_alert_delivered_once_after_the_outage_with_the_configured_spacing(tmp_path):
    clock, source, dead = Clock(), ListSource(), ListDeadLetters()
    outage = Outage(clock)
    with Receiver(outage) as rx:
        path = subscriptions(tmp_path, FILE.replace("URL", rx.url).replace("SECRET", SECRET))
        deliverer = Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock,
                              rand=lambda: 0.5, settings=SETTINGS)
        source.add(*(alert(n) for n in range(ALERTS)))
        run(deliverer, clock, 400)
        assert deliverer.store.backlog().pending == 0
        deliverer.close()
    check(rx, outage)
    assert dead.records == []


def test_a_restart_in_the_middle_of_the_retries_changes_nothing(tmp_path):
    clock, source, dead = Clock(), ListSource(), ListDeadLetters()
    outage = Outage(clock)
    with Receiver(outage) as rx:
        path = subscriptions(tmp_path, FILE.replace("URL", rx.url).replace("SECRET", SECRET))
        first = Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock, rand=lambda: 0.5,
                           settings=SETTINGS)
        source.add(*(alert(n) for n in range(ALERTS // 2)))
        run(first, clock, 100)
        first.store.close()  # gone without a word, as after kill -9: only what was committed remains
        source.add(*(alert(n) for n in range(ALERTS // 2, ALERTS)))
        source.position = 0  # a new consumer: it must resume where the store says, not re-route
        second = Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock, rand=lambda: 0.5,
                           settings=SETTINGS)
        assert source.position == ALERTS // 2  # resumed after what the first one routed
        run(second, clock, 400)
        second.close()
    by_id = defaultdict(list)
    for got in rx.requests:
        by_id[got.headers["webhook-id"]].append(int(got.headers["webhook-timestamp"]))
    assert len(by_id) == ALERTS
    delivered = [wid for wid, status in outage.answers if status == 200]
    assert sorted(delivered) == sorted(by_id)
    early = [stamps for stamps in by_id.values() if stamps[0] == int(T0.timestamp())]
    assert len(early) == ALERTS // 2 and all([b - a for a, b in zip(s, s[1:])] == SPACING for s in early)
