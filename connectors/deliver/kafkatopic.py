"""A subscriber's own Kafka topic: one record per notice, key = delivery id (the same on a resend), value =
the standard webhook body. Acknowledged (acks=all) before the delivery counts as done."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime

from wirewatch.connectors.deliver import payloads
from wirewatch.connectors.deliver.outcome import Outcome
from wirewatch.connectors.kafka.topics import KafkaRefused, Publisher
from wirewatch.notices import Notice

FLUSH_S = 10.0


@dataclass(frozen=True, slots=True)
class KafkaSpec:
    topic: str  # the full name, prefix included

    @property
    def target(self) -> str:
        return f"kafka topic {self.topic}"


class KafkaChannel:
    kind = "kafka"

    def __init__(self, name: str, spec: KafkaSpec, publisher: Publisher) -> None:
        self.name, self.spec, self.publisher = name, spec, publisher
        self.target = spec.target
        self._lock = threading.Lock()  # one flush at a time: a flush answers for everything sent before it

    async def deliver(self, notice: Notice, delivery_id: str, now: datetime) -> Outcome:
        return await asyncio.to_thread(self.send, notice, delivery_id)

    def send(self, notice: Notice, delivery_id: str) -> Outcome:
        try:
            with self._lock:
                self.publisher.send(self.spec.topic, delivery_id, payloads.body(notice, "standard"))
                self.publisher.flush(timeout=FLUSH_S)
        except KafkaRefused as exc:
            return Outcome("failed", f"{self.target}: {exc}"[:300])
        except Exception as exc:  # the broker away, a timeout: the publisher keeps the record and resends it
            return Outcome("retry", f"{self.target}: {type(exc).__name__}: {exc}"[:300])
        return Outcome.ok("acknowledged")

    def close(self) -> None:
        pass
