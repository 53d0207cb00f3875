"""The delivery step on the real alerts topic: a receiver down for five simulated minutes, a SIGKILL of the
step in the middle of its retries, and 10,000 matches of one story cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from tests.connectors.deliver.receivers import SECRET, Receiver
from tests.kafkakit import read_all, wait_for
from tests.pipelines.deliver import test_flood, test_outage
from tests.pipelines.deliver.kit import Clock, alert, subscriptions
from tests.conftest import ROOT
from wirewatch.connectors.deliver.alertsource import KafkaAlerts, KafkaDeadLetters, deadletter_spec
from wirewatch.connectors.deliver.store import Store
from wirewatch.connectors.kafka.topics import Publisher, ensure_topics, topic_specs
from wirewatch.pipelines.deliver import Deliverer, DeliverySettings

pytestmark = pytest.mark.kafka


def publish(bootstrap: str, topics, alerts) -> None:
    ensure_topics(bootstrap, topic_specs(topics=topics) + [deadletter_spec(topics)])
    with Publisher(bootstrap, topics=topics) as publisher:
        for a in alerts:
            publisher.alert(a)


def deliverer(tmp_path, path, bootstrap, topics, clock, **settings) -> Deliverer:
    publisher = Publisher(bootstrap, client_id="test-deliver", topics=topics)
    return Deliverer(str(path), Store(tmp_path / "state.sqlite"), KafkaAlerts(bootstrap, topics),
                     KafkaDeadLetters(publisher, topics), clock=clock, rand=lambda: 0.5,
                     settings=DeliverySettings(**settings), publisher=lambda: publisher, topic_prefix=topics.prefix)


def routed(d: Deliverer, count: int) -> None:
    """Step without moving the clock until ``count`` alerts of the topic are routed."""
    wait_for(lambda: d.step() is not None and d.store.offsets(d.source.topic).get(0) == count, 60, every=0,
             what=f"{count} alerts routed")


def test_outage_on_the_alerts_topic(tmp_path, fresh_topics, topics):
    clock = Clock()
    outage = test_outage.Outage(clock)
    publish(fresh_topics, topics, [alert(n) for n in range(test_outage.ALERTS)])
    with Receiver(outage) as rx:
        path = subscriptions(tmp_path, test_outage.FILE.replace("URL", rx.url).replace("SECRET", SECRET))
        d = deliverer(tmp_path, path, fresh_topics, topics, clock, per_channel=test_outage.ALERTS)
        routed(d, test_outage.ALERTS)
        test_outage.run(d, clock, 400)
        d.close()
    test_outage.check(rx, outage)
    assert read_all(fresh_topics, topics.delivery_deadletter) == []


def test_ten_thousand_matches_on_the_alerts_topic(tmp_path, fresh_topics, topics):
    clock = Clock()
    publish(fresh_topics, topics, [test_flood.flood(n) for n in range(10_000)])
    with Receiver() as rx:
        path = subscriptions(tmp_path, test_flood.FILE.replace("URL", rx.url))
        d = deliverer(tmp_path, path, fresh_topics, topics, clock)
        routed(d, 10_000)
        for _ in range(70):
            d.step()
            clock.advance(1)
        d.close()
    kinds = [(orjson.loads(r.body)["data"]["subscriber"], orjson.loads(r.body)["type"]) for r in rx.requests]
    assert sorted(kinds) == sorted([("desk", "wirewatch.alert")] * 3 + [("desk", "wirewatch.escalation"),
                                    ("desk", "wirewatch.summary"), ("quiet-desk", "wirewatch.alert")])


class Child:
    """The delivery step in its own process, stepped by the simulated time the test writes."""

    def __init__(self, tmp_path: Path, path: Path, bootstrap: str, prefix: str) -> None:
        self.clock_file, self.ack_file = tmp_path / "clock", tmp_path / "ack"
        self.ticks = int(self.clock_file.read_text().split()[0]) if self.clock_file.exists() else 0
        args = [str(path), str(tmp_path / "state.sqlite"), bootstrap, prefix, str(self.clock_file), str(self.ack_file)]
        self.process = subprocess.Popen([sys.executable, "-m", "tests.pipelines.deliver.child", *args], cwd=ROOT,
                                        stderr=open(tmp_path / "child.log", "ab"))

    def step(self, t: float, wait: bool = True) -> None:
        self.ticks += 1
        temp = self.clock_file.with_suffix(".tmp")
        temp.write_text(f"{self.ticks} {t!r}")
        os.replace(temp, self.clock_file)
        tick = str(self.ticks)
        if wait:
            wait_for(lambda: self.ack_file.exists() and self.ack_file.read_text() == tick, 60, every=0.002,
                     what=f"the child's step at {t}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


def test_sigkill_in_the_middle_of_a_retry_storm(tmp_path, fresh_topics, topics):
    alerts = 30
    clock = Clock()
    outage = test_outage.Outage(clock)
    publish(fresh_topics, topics, [alert(n) for n in range(alerts)])
    with Receiver(outage) as rx:
        path = subscriptions(tmp_path, test_outage.FILE.replace("URL", rx.url).replace("SECRET", SECRET))
        child = Child(tmp_path, path, fresh_topics, topics.prefix)
        try:
            wait_for(lambda: child.step(0.0) or len(rx.requests) >= alerts, 60, every=0, what="first attempts")
            t = 0.0
            while t < 75:  # five rounds of 500s
                t += 1
                clock.advance(1)
                child.step(t)
            t += 1
            clock.advance(1)
            child.step(t, wait=False)  # the retries of t = 75 are due now: killed while it works
            time.sleep(0.02)
            child.kill()
            attempts_before = len(rx.requests)
            child = Child(tmp_path, path, fresh_topics, topics.prefix)
            while t < 400:
                child.step(t)
                t += 1
                clock.advance(1)
        finally:
            child.kill()
    by_id = defaultdict(set)
    for got in rx.requests:
        by_id[got.headers["webhook-id"]].add(orjson.loads(got.body)["data"]["alert"]["id"])
    assert len(by_id) == alerts and all(len(a) == 1 for a in by_id.values())  # one webhook-id per alert
    delivered = [wid for wid, status in outage.answers if status == 200]
    assert sorted(delivered) == sorted(by_id)  # every alert, once
    assert attempts_before > alerts  # the kill came in the middle of the retries
    assert read_all(fresh_topics, topics.delivery_deadletter) == []


def test_wirewatch_deliver_runs_until_sigterm_with_health_and_metrics(tmp_path, fresh_topics, topics):
    from tests.kafkakit import free_port

    from datetime import datetime, timezone

    port = free_port()
    publish(fresh_topics, topics, [alert(1, alerted=datetime.now(timezone.utc))])  # a real clock: a fresh alert
    with Receiver() as rx:
        path = subscriptions(tmp_path, "allow: [127.0.0.1]\nsubscribers:\n  - id: desk\n    channels: "
                                       f"[{{type: webhook, url: \"{rx.url}\"}}, {{type: kafka, topic: desk}}]\n")
        process = subprocess.Popen(
            [sys.executable, "-m", "wirewatch.pipelines.cli", "deliver", "--subscriptions", str(path),
             "--bootstrap", fresh_topics, "--metrics-port", str(port)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: rx.requests, 60, what="the alert at the receiver")
            health = wait_for(lambda: _get(f"http://127.0.0.1:{port}/health"), 30, what="/health")
            assert health.startswith("delivery: 0 pending")
            metrics = _get(f"http://127.0.0.1:{port}/metrics")
            assert 'wirewatch_deliveries_total{channel="webhook",outcome="delivered"} 1.0' in metrics
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    (record,) = read_all(fresh_topics, topics.prefix + "desk")  # the per-subscriber topic, keyed by delivery id
    assert record.key.decode().startswith("msg_") and record.key.decode() != rx.requests[0].headers["webhook-id"]
    assert orjson.loads(record.value)["data"]["alert"]["id"] == "c1-icbm"
    assert (tmp_path / "subscribers.state.sqlite").exists()


def _get(url: str) -> str | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None
    return text if text.startswith("delivery: 0 pending") or "wirewatch_" in text else None


def test_the_service_delivers_the_seeds_alerts_to_a_subscriber_end_to_end(tmp_path, fresh_topics, topics):
    """`wirewatch run SEED --subscriptions FILE`: Prism detects, the service's own delivery thread signs and
    sends each of the seed's alerts to the webhook once, verified by an independent Standard Webhooks
    implementation."""
    from standardwebhooks import Webhook

    from tests.pipelines.service.test_service import SEED_RULES, start, stop
    from tests.conftest import SEED

    with Receiver() as rx:
        path = subscriptions(tmp_path, test_outage.FILE.replace("URL", rx.url).replace("SECRET", SECRET))
        log = tmp_path / "service.log"
        service = start("run", str(SEED), "--archive", str(tmp_path / "archive"), "--metrics-port", "0",
                        "--subscriptions", str(path), "--delivery-state", str(tmp_path / "state.sqlite"), log=log)
        try:
            wait_for(lambda: SEED_RULES <= {alert_of(r)["rule"] for r in rx.requests}, 120,
                     what="the seed's alerts at the webhook")
            time.sleep(2)  # nothing more comes
        finally:
            assert stop(service) == 0, log.read_text()[-3000:]
    ids = [r.headers["webhook-id"] for r in rx.requests]
    assert len(ids) == len(set(ids))  # each alert once
    verifier = Webhook(SECRET)
    for r in rx.requests:
        verifier.verify(r.body, {k: v for k, v in r.headers.items() if k.startswith("webhook-")})
    sent = {a["id"] for a in (orjson.loads(x.value) for x in read_all(fresh_topics, topics.alerts))}
    assert {alert_of(r)["id"] for r in rx.requests} == sent


def alert_of(request) -> dict:
    data = orjson.loads(request.body)["data"]
    assert data["kind"] == "alert", data
    return data["alert"]
