"""What every channel offers the delivery step, and how one is made from its settings."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol

from wirewatch.connectors.deliver.files import FileChannel, FileSpec
from wirewatch.connectors.deliver.kafkatopic import KafkaChannel, KafkaSpec
from wirewatch.connectors.deliver.outcome import Outcome
from wirewatch.connectors.deliver.smtp import EmailChannel, EmailSpec
from wirewatch.connectors.deliver.webhook import WebhookChannel, WebhookSpec
from wirewatch.connectors.http.ssrf import AddressPolicy
from wirewatch.connectors.kafka.topics import Publisher
from wirewatch.notices import Notice

Spec = WebhookSpec | EmailSpec | KafkaSpec | FileSpec


class Channel(Protocol):
    kind: str
    name: str
    target: str  # where it delivers, for logs (no secrets)

    async def deliver(self, notice: Notice, delivery_id: str, now: datetime) -> Outcome: ...

    def close(self) -> None: ...


def make_channel(name: str, spec: Spec, subscriber: str, policy: AddressPolicy,
                 publisher: Callable[[], Publisher]) -> Channel:
    """``publisher`` is called only for a Kafka channel (a broker connection is made only when needed)."""
    if isinstance(spec, WebhookSpec):
        return WebhookChannel(name, spec, policy)
    if isinstance(spec, EmailSpec):
        return EmailChannel(name, spec)
    if isinstance(spec, KafkaSpec):
        return KafkaChannel(name, spec, publisher())
    return FileChannel(name, spec, subscriber)


def kind_of(spec: Spec) -> str:
    return {WebhookSpec: "webhook", EmailSpec: "email", KafkaSpec: "kafka", FileSpec: "file"}[type(spec)]
