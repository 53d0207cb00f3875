"""Alerts to ``wirewatch.alerts``: the bundle's alerts are acknowledged by Kafka (acks=all) before its
outcomes move on. Which alerts are new is decided upstream, in the engine's state (SuppressRepeats); a bundle
re-run after a failure may send some again, with the same id: the topic is compacted by id."""

from __future__ import annotations

import dataclasses
import logging
import sys
from datetime import datetime, timezone
from typing import Any, Iterable

import orjson

from wirewatch.connectors.health import metrics
from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.kafka.topics import KafkaRefused, Publisher, Topics
from wirewatch.connectors.sinks.durable import PassOnWhenDurable
from wirewatch.records import Alert, StoryAlerts, excerpt

log = logging.getLogger("wirewatch.alerts")
FLUSH_TIMEOUT_S = 10.0  # then the wait goes on as a fault the service reports, not as one silent call
# A bundle's alerts in a few produce batches (librdkafka's batch.size; kafka-python's 16 KB default, when it
# was the producer, made one batch, one build and one response per ~20 alerts).
BATCH_BYTES = 512 * 1024


class PublishAlerts(PassOnWhenDurable):
    """StoryAlerts -> the same, once the alerts not sent before are acknowledged by Kafka."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.bootstrap, self.topics = bootstrap, topics

    def setup(self) -> None:
        # A worker may set up a new instance while the broker is away: wait for it rather than fail the job.
        self.publisher = retry("kafka", lambda: Publisher(
            self.bootstrap, client_id="wirewatch-alerts", topics=self.topics,
            delivery_timeout_ms=600_000,  # ride out a broker restart inside the producer before resending
            batch_size=BATCH_BYTES))

    def start_bundle(self) -> None:
        super().start_bundle()
        self.alerts: dict[str, Alert] = {}
        # each rule's counter, looked up once a bundle: prometheus_client's labels() checks the values and locks
        self.counters: dict[str, Any] = {}

    def take(self, outcome: Any) -> Any:
        if isinstance(outcome, StoryAlerts):
            metrics.ALERTS_SUPPRESSED.inc(outcome.repeats)
            for alert in outcome.alerts:
                self.alerts[alert.id] = alert
        return outcome

    def make_durable(self) -> None:
        if not self.alerts:
            return
        # the "alerted" stamp, read at the edge, as the JSON holds it
        stamp = alerted_stamp(next(iter(self.alerts.values())), datetime.now(timezone.utc))
        topic, send = self.topics.alerts, self.publisher.send
        alerts, done = list(self.alerts.values()), 0

        def send_rest() -> None:  # after a fault, from the alert that failed on: none is sent twice
            nonlocal done
            for alert in alerts[done:]:
                send(topic, alert.id, stamped(alert, stamp))
                done += 1

        # one retried step for the bundle's sends, not one each (the retry's bookkeeping costs what a send does)
        retry("kafka", send_rest)
        flush(self.publisher)
        counters = self.counters
        for alert in self.alerts.values():
            counter = counters.get(alert.rule)
            if counter is None:
                counter = counters[alert.rule] = metrics.ALERTS.labels(alert.rule)
            counter.inc()
        log_alerts(self.alerts.values())

    def teardown(self) -> None:
        self.publisher.close()


def log_alerts(alerts: Iterable[Alert]) -> None:
    """One log line an alert ("alert", with its id, rule, story, countries and title), the record that
    ``log.info`` would make, less its search of the stack for the caller, made once here for every line."""
    if not log.isEnabledFor(logging.INFO):
        return
    frame = sys._getframe()
    code = frame.f_code
    for alert in alerts:
        log.handle(log.makeRecord(log.name, logging.INFO, code.co_filename, frame.f_lineno, "alert", (), None,
                                  code.co_name, {"alert": alert.id, "rule": alert.rule, "story": alert.story_id,
                                                 "countries": list(alert.countries), "title": alert.title[:120]}))


def alerted_stamp(alert: Alert, alerted: datetime) -> Any:
    """``alerted`` as an alert's JSON holds it."""
    return dataclasses.replace(alert, alerted=alerted).to_dict()["alerted"]


def stamped(alert: Alert, stamp: Any) -> bytes:
    """The alert's JSON with its "alerted" field set to ``stamp`` (``alerted_stamp``): the bytes of
    ``dumps(dataclasses.replace(alert, alerted=...))`` without making each alert again."""
    data = alert.to_dict()
    data["alerted"] = stamp
    return orjson.dumps(data)


def flush(publisher: Publisher) -> None:
    """Everything sent acknowledged (retried through a broker outage); records Kafka refuses for good (too
    large) are logged with their bytes and counted as dead letters, since resending cannot help."""
    try:
        retry("kafka", lambda: publisher.flush(timeout=FLUSH_TIMEOUT_S))
    except KafkaRefused as exc:
        for topic, key, value in exc.records:
            log.error("record refused by Kafka", extra={"topic": topic, "key": key, "reason": str(exc),
                                                        "raw": excerpt(value)})
        metrics.DEAD_LETTERS.labels("deliver").inc(len(exc.records))
