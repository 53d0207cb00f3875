"""The delivery step: reads the alerts topic with its own consumer group, routes each alert through every
subscriber's policy (transforms/subscriptions), and delivers the notices through their channels
(connectors/deliver), retrying with backoff. It runs apart from detection (its own thread or process), so a
slow or dead receiver never slows the pipeline.

Progress is durable (connectors/deliver/store.py): a batch of alerts is routed, and the offsets it reached
are stored, in one transaction; each delivery is stored with its id (the ``webhook-id``) before its first
attempt and its outcome after each. After a restart or ``kill -9`` the step goes on from there: nothing is
lost, and what is sent again (an attempt whose outcome was not yet stored) carries the same ``webhook-id``.
The clock and the jitter's randomness are injected, so tests run simulated time."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol, Sequence

import orjson
import xxhash

from wirewatch.connectors.deliver.channel import Channel, kind_of, make_channel
from wirewatch.connectors.deliver.kafkatopic import KafkaSpec
from wirewatch.connectors.deliver.outcome import Outcome
from wirewatch.connectors.deliver.store import DEAD, DEADLETTER, DELIVERED, PENDING, Delivery, Store
from wirewatch.connectors.health import metrics
from wirewatch.connectors.kafka.topics import Publisher
from wirewatch.notices import Notice
from wirewatch.pipelines.subscriptionfile import Subscriber, Subscriptions, SubscriptionsError, load_subscriptions
from wirewatch.records import Alert, DeadLetter, Origin, alert_from_json
from wirewatch.transforms.subscriptions.clusters import ClusterState
from wirewatch.transforms.subscriptions.pacing import Pacing, due, release
from wirewatch.transforms.subscriptions.retry import next_attempt
from wirewatch.transforms.subscriptions.route import route

log = logging.getLogger("wirewatch.deliver")
Clock = Callable[[], datetime]


def delivery_id(notice_id: str, subscriber: str, channel: str) -> str:
    """The ``webhook-id``: the same for the same notice, subscriber and channel, on every attempt and start."""
    return "msg_" + xxhash.xxh3_128_hexdigest(f"{notice_id}\x1f{subscriber}\x1f{channel}".encode())


def channel_identity(spec: Any) -> str:
    """What a channel delivers to, as a hash (a webhook URL may be a credential): a 410 disables the channel
    until this changes, that is, until the subscriptions file gives it a new target."""
    url = getattr(spec, "url", None)
    return xxhash.xxh3_64_hexdigest((url.value if url is not None else spec.target).encode())


class AlertSource(Protocol):
    """Where alerts come from: the alerts topic (``KafkaAlerts``), or a list in tests."""

    topic: str

    def seek(self, offsets: dict[int, int]) -> None: ...

    def poll(self, limit: int, wait: float) -> list[tuple[int, int, bytes | None]]: ...  # (partition, offset, value)

    def commit(self, offsets: dict[int, int]) -> None: ...

    def close(self) -> None: ...


class DeadLetterSink(Protocol):
    def send(self, records: Sequence[tuple[str, bytes]]) -> None: ...  # (key, value); raises until durable


@dataclass(frozen=True)
class DeliverySettings:
    batch: int = 500  # alerts routed per transaction
    in_flight: int = 64  # delivery attempts at once
    per_channel: int = 8  # of them, to one channel
    unhealthy_after: float = 900.0  # /health fails while an undelivered alert is older than this (seconds)
    reload_every: float = 2.0  # how often the subscriptions file is checked for changes (seconds)
    cluster_ttl: float = 7 * 86400.0  # a story cluster not seen this long is forgotten
    keep_done: float = 7 * 86400.0  # finished deliveries are kept this long
    max_alert_age: float = 86400.0  # older alerts are not routed (a first start on a month-old topic floods no one)


def _signature(paths: Sequence[str]) -> tuple:
    out: list[tuple] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((path, st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((path, None))
    return tuple(out)


class Deliverer:
    def __init__(self, subscriptions: str, store: Store, source: AlertSource, deadletters: DeadLetterSink, *,
                 settings: DeliverySettings | None = None, clock: Clock | None = None,
                 rand: Callable[[], float] = random.random, publisher: Callable[[], Publisher] | None = None,
                 topic_prefix: str = "") -> None:
        self.path, self.store, self.source, self.deadletters = subscriptions, store, source, deadletters
        self.settings = settings or DeliverySettings()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.rand = rand
        self._publisher_factory, self._publisher = publisher, None
        self.topic_prefix = topic_prefix
        self.subs: Subscriptions = load_subscriptions(subscriptions)  # a bad file at start is an error
        self._signature = _signature(self.subs.read)
        self._checked = self.clock()
        self.channels: dict[tuple[str, str], Channel] = {}
        self.identity: dict[tuple[str, str], str] = {}
        self._health: tuple[bool, str] = (True, "delivery starting")
        self.source.seek(self.store.offsets(self.source.topic))
        self._build_channels()
        self._housekept: datetime | None = None
        log.info("delivery up", extra={"subscribers": len(self.subs.subscribers), "state": str(store.path)})

    # subscriptions
    def _publisher_once(self) -> Publisher:
        if self._publisher is None:
            if self._publisher_factory is None:
                raise RuntimeError("a kafka channel needs a broker: start delivery with --bootstrap")
            self._publisher = self._publisher_factory()
        return self._publisher

    def _build_channels(self) -> None:
        for channel in self.channels.values():
            channel.close()
        self.channels, self.identity = {}, {}
        for sub in self.subs.subscribers:
            for config in sub.channels:
                spec = config.spec
                self.identity[(sub.id, config.name)] = channel_identity(spec)
                if isinstance(spec, KafkaSpec):
                    spec = KafkaSpec(self.topic_prefix + spec.topic)
                self.channels[(sub.id, config.name)] = make_channel(config.name, spec, sub.id, self.subs.policy,
                                                                     self._publisher_once)

    def reload(self, now: datetime) -> None:
        """Take a changed subscriptions file; a bad new version is refused and the old one kept."""
        if (now - self._checked).total_seconds() < self.settings.reload_every:
            return
        self._checked = now
        signature = _signature(self.subs.read)
        if signature == self._signature:
            return
        self._signature = signature
        try:
            new = load_subscriptions(self.path)
        except SubscriptionsError as exc:
            metrics.SUBSCRIPTION_RELOADS.labels("refused").inc()
            log.error("subscriptions file changed but is not valid; keeping the previous version",
                      extra={"error": str(exc)})
            return
        self.subs = new
        self._signature = _signature(new.read)
        self._build_channels()
        metrics.SUBSCRIPTION_RELOADS.labels("loaded").inc()
        log.info("subscriptions reloaded", extra={"subscribers": len(new.subscribers)})

    # one round
    def step(self, wait: float = 0.0) -> int:
        """Route what arrived (waiting up to ``wait`` seconds for it), release what is due, attempt what is
        due: the work done (0 when idle)."""
        now = self.clock()
        self.reload(now)
        work = self.route(now, wait)
        work += self.attempt(now)
        work += self.flush_deadletters()
        self.housekeep(now)
        self.measure(now)
        return work

    def route(self, now: datetime, wait: float = 0.0) -> int:
        records = self.source.poll(self.settings.batch, wait)
        decoded: list[Alert] = []
        dead: list[DeadLetter] = []
        offsets: dict[int, int] = {}
        oldest = now - timedelta(seconds=self.settings.max_alert_age)
        stale = 0
        for partition, offset, value in records:
            got = alert_from_json(value, Origin.kafka(self.source.topic, partition, offset))
            if isinstance(got, DeadLetter):
                dead.append(got)
            elif got.alerted is not None and got.alerted < oldest:
                stale += 1
            else:
                decoded.append(got)
            offsets[partition] = offset + 1
        if stale:
            log.warning("alerts too old to deliver were skipped", extra={"count": stale,
                                                                        "max_age_s": self.settings.max_alert_age})
        if dead:  # durable before the offsets that pass them are
            self.deadletters.send([(str(d.origin), orjson.dumps(d.to_dict())) for d in dead])
            log.error("alerts that could not be read", extra={"count": len(dead), "first": dead[0].message()})
        with self.store.transaction():
            batch = _Batch(self.store)
            for alert in decoded:
                for sub in self.subs.subscribers:
                    self._route_one(batch, sub, alert, now)
            made = sum(self._release(batch, sub, now) for sub in self.subs.subscribers)
            batch.write()
            for partition, next_offset in offsets.items():
                self.store.set_offset(self.source.topic, partition, next_offset)
        if offsets:
            try:
                self.source.commit(offsets)  # the group's offsets show the lag; the store is what resumes
            except Exception as exc:
                log.warning("could not commit the delivery group's offsets", extra={"error": repr(exc)[:300]})
        return len(records) + made

    def _route_one(self, batch: "_Batch", sub: Subscriber, alert: Alert, now: datetime) -> None:
        routed = route(sub.policy, batch.cluster(sub.id, alert.cluster_id), batch.pacing(sub.id), alert, now)
        if routed.cluster is None:
            return
        batch.set(sub.id, routed.pacing, alert.cluster_id, routed.cluster)
        for notice in routed.hold:
            self.store.hold(sub.id, orjson.dumps(notice.to_dict()).decode())
        for notice in routed.send:
            self._enqueue(sub, notice, now)

    def _release(self, batch: "_Batch", sub: Subscriber, now: datetime) -> int:
        pacing = batch.pacing(sub.id)
        if not due(sub.policy, pacing, now):
            return 0
        held = [Notice.from_dict(orjson.loads(n)) for n in self.store.held(sub.id, sub.policy.listed)]
        after, notice = release(sub.policy, pacing, held, now)
        batch.set(sub.id, after)
        self.store.clear_held(sub.id)
        self._enqueue(sub, notice, now)
        return 1

    def _enqueue(self, sub: Subscriber, notice: Notice, now: datetime) -> None:
        text = orjson.dumps(notice.to_dict()).decode()
        for config in sub.channels:
            self.store.add_delivery(delivery_id(notice.id, sub.id, config.name), sub.id, config.name, notice.kind,
                                    text, notice.oldest_alerted(), now)

    def attempt(self, now: datetime) -> int:
        s = self.settings
        chosen: list[tuple[Delivery, Channel | None]] = []
        per_channel: dict[tuple[str, str], int] = defaultdict(int)
        disabled = self.store.disabled()
        for d in self.store.due(now, s.in_flight * 4):
            key = (d.subscriber, d.channel)
            if per_channel[key] >= s.per_channel or len(chosen) >= s.in_flight:
                continue
            per_channel[key] += 1
            chosen.append((d, self.channels.get(key)))
        if not chosen:
            return 0
        outcomes = asyncio.run(self._attempt_all(chosen, disabled, now))
        with self.store.transaction():
            for (d, channel), outcome in zip(chosen, outcomes):
                self._record(d, channel, outcome, now)
        return len(chosen)

    async def _attempt_all(self, chosen: list[tuple[Delivery, Channel | None]],
                           disabled: dict[tuple[str, str], tuple[str, str]], now: datetime) -> list[Outcome]:
        async def one(d: Delivery, channel: Channel | None) -> Outcome:
            if channel is None:
                return Outcome("failed", f"channel {d.channel!r} of subscriber {d.subscriber!r} is no longer in "
                                         "the subscriptions file")
            off = disabled.get((d.subscriber, d.channel))
            if off is not None and off[0] == self.identity.get((d.subscriber, d.channel)):
                return Outcome("failed", f"the channel is disabled: {off[1]}")
            metrics.DELIVERY_ATTEMPTS.labels(channel.kind).inc()
            try:
                return await channel.deliver(Notice.from_dict(orjson.loads(d.notice)), d.id, now)
            except Exception as exc:  # a bug or an unforeseen fault: retried, and visible in the reason
                log.exception("delivery attempt raised", extra={"delivery": d.id})
                return Outcome("retry", f"{type(exc).__name__}: {exc}"[:300])

        return list(await asyncio.gather(*(one(d, c) for d, c in chosen)))

    def _record(self, d: Delivery, channel: Channel | None, outcome: Outcome, now: datetime) -> None:
        attempts = d.attempts + 1
        kind = channel.kind if channel is not None else "gone"
        where = {"delivery": d.id, "subscriber": d.subscriber, "channel": d.channel, "attempt": attempts}
        if outcome.state == "delivered":
            self.store.record(d.id, attempts=attempts, status=DELIVERED, reason=outcome.detail, done=now)
            metrics.DELIVERIES.labels(kind, "delivered").inc()
            if d.alerted is not None:
                metrics.DELIVERY_LATENCY.labels(d.kind).observe(max(0.0, (now - d.alerted).total_seconds()))
            log.info("delivered", extra={**where, "detail": outcome.detail})
            return
        if outcome.state == "gone" and channel is not None:
            self.store.disable(d.subscriber, d.channel, self.identity[(d.subscriber, d.channel)], outcome.reason, now)
            log.error("receiver gone: channel disabled until its target changes in the subscriptions file",
                      extra={**where, "reason": outcome.reason})
        retry_at = next_attempt(self.subs.retry, attempts, now, outcome.retry_after, self.rand) \
            if outcome.state == "retry" else None
        if retry_at is not None:
            self.store.record(d.id, attempts=attempts, status=PENDING, next_attempt=retry_at, reason=outcome.reason)
            metrics.DELIVERIES.labels(kind, "retry").inc()
            log.warning("delivery failed; will retry", extra={**where, "reason": outcome.reason,
                                                              "retry_at": retry_at.isoformat()})
            return
        reason = outcome.reason if outcome.state != "retry" else f"gave up after {attempts} attempts: {outcome.reason}"
        self.store.record(d.id, attempts=attempts, status=DEADLETTER, reason=reason, done=now)
        metrics.DELIVERIES.labels(kind, "failed" if outcome.state != "gone" else "gone").inc()
        log.error("delivery failed for good: to the delivery dead-letter topic", extra={**where, "reason": reason})

    def flush_deadletters(self) -> int:
        rows = self.store.with_status(DEADLETTER, 500)
        if not rows:
            return 0
        self.deadletters.send([(d.id, orjson.dumps({
            "id": d.id, "subscriber": d.subscriber, "channel": d.channel, "kind": d.kind, "attempts": d.attempts,
            "reason": d.reason, "notice": orjson.loads(d.notice)})) for d in rows])
        with self.store.transaction():
            for d in rows:
                self.store.record(d.id, attempts=d.attempts, status=DEAD, reason=d.reason, done=self.clock())
        return len(rows)

    def housekeep(self, now: datetime) -> None:
        if self._housekept is not None and now - self._housekept < timedelta(hours=1):
            return
        self._housekept = now
        with self.store.transaction():
            self.store.forget_clusters(now - timedelta(seconds=self.settings.cluster_ttl))
            self.store.forget_done(now - timedelta(seconds=self.settings.keep_done))

    def measure(self, now: datetime) -> None:
        backlog = self.store.backlog()
        metrics.DELIVERY_QUEUE.labels("first").set(backlog.pending - backlog.retrying)
        metrics.DELIVERY_QUEUE.labels("retrying").set(backlog.retrying)
        age = max(0.0, (now - backlog.oldest).total_seconds()) if backlog.oldest else 0.0
        metrics.DELIVERY_OLDEST.set(age)
        text = f"delivery: {backlog.pending} pending ({backlog.retrying} retrying)"
        if backlog.oldest:
            text += f", oldest undelivered alert {age:.0f} s old"
        ok = age <= self.settings.unhealthy_after
        if not ok:
            text += f" (over {self.settings.unhealthy_after:g} s)"
        self._health = (ok, text)

    def health(self) -> tuple[bool, str]:
        return self._health

    def run(self, stop: threading.Event, idle: float = 0.2) -> None:
        """Steps until ``stop``; after a step with nothing to do, the next waits up to ``idle`` seconds for
        alerts (a busy step does not wait: deliveries are due)."""
        busy = True
        while not stop.is_set():
            try:
                busy = self.step(0.0 if busy else idle) > 0
            except Exception as exc:  # Kafka away, a disk full: wait and go on; nothing half-done was stored
                self._health = (False, f"delivery: {type(exc).__name__}: {exc}"[:300])
                log.error("delivery step failed; retrying", extra={"error": f"{type(exc).__name__}: {exc}"[:500]})
                stop.wait(2.0)

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
        if self._publisher is not None:
            self._publisher.close()
        self.source.close()
        self.store.close()


class _Batch:
    """Routing state read once and written once per transaction (many alerts of one cluster in a batch)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clusters: dict[tuple[str, str], ClusterState | None] = {}
        self.pacings: dict[str, Pacing] = {}
        self._dirty: set[Any] = set()

    def cluster(self, subscriber: str, cluster: str) -> ClusterState | None:
        key = (subscriber, cluster)
        if key not in self.clusters:
            text = self.store.cluster(subscriber, cluster)
            self.clusters[key] = ClusterState.from_dict(orjson.loads(text)) if text else None
        return self.clusters[key]

    def pacing(self, subscriber: str) -> Pacing:
        if subscriber not in self.pacings:
            text = self.store.pacing(subscriber)
            self.pacings[subscriber] = Pacing.from_dict(orjson.loads(text)) if text else Pacing()
        return self.pacings[subscriber]

    def set(self, subscriber: str, pacing: Pacing, cluster: str | None = None, state: ClusterState | None = None) -> None:
        self.pacings[subscriber] = pacing
        self._dirty.add(subscriber)
        if cluster is not None:
            self.clusters[(subscriber, cluster)] = state
            self._dirty.add((subscriber, cluster))

    def write(self) -> None:
        """Only what changed: an idle step writes nothing (no sync to disk)."""
        for key in self._dirty:
            if isinstance(key, str):
                self.store.put_pacing(key, orjson.dumps(self.pacings[key].to_dict()).decode())
            elif (state := self.clusters[key]) is not None:
                self.store.put_cluster(*key, orjson.dumps(state.to_dict()).decode(), state.seen)
