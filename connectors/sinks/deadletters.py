"""Dead letters to ``wirewatch.deadletter`` (and the log), acknowledged by Kafka before the bundle's
outcomes move on."""

from __future__ import annotations

import logging
from typing import Any

from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.kafka.topics import Publisher, Topics
from wirewatch.connectors.sinks.alerts import flush
from wirewatch.connectors.sinks.durable import PassOnWhenDurable
from wirewatch.records import DeadLetter

log = logging.getLogger("wirewatch.deadletters")


class PublishDeadLetters(PassOnWhenDurable):
    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.bootstrap, self.topics = bootstrap, topics

    def setup(self) -> None:
        self.publisher = retry("kafka", lambda: Publisher(
            self.bootstrap, client_id="wirewatch-deadletters", topics=self.topics, delivery_timeout_ms=600_000))

    def start_bundle(self) -> None:
        super().start_bundle()
        self.sent = 0

    def take(self, outcome: Any) -> Any:
        if isinstance(outcome, DeadLetter):
            retry("kafka", lambda: self.publisher.dead_letter(outcome))
            self.sent += 1
            log.warning("dead letter", extra={"origin": str(outcome.origin), "stage": outcome.stage,
                                              "reason": outcome.reason})
        return outcome

    def make_durable(self) -> None:
        if self.sent:
            flush(self.publisher)

    def teardown(self) -> None:
        self.publisher.close()
