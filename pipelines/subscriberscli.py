"""``wirewatch subscribers check|test`` and ``wirewatch deliver``: the subscriptions file checked, one
subscriber's channels tried with a sample alert, and the delivery step run on its own (``wirewatch run
--subscriptions FILE`` runs it inside the service instead)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("wirewatch.deliver")


def default_state(subscriptions: str) -> str:
    """``subscribers.yaml`` -> ``subscribers.state.sqlite`` beside it."""
    path = Path(subscriptions)
    return str(path.with_name(path.stem + ".state.sqlite"))


def sample_alert() -> Any:
    from wirewatch.records import Alert, Evidence, Span

    now = datetime.now(timezone.utc)
    sentence = "North Korea test-fired an intercontinental ballistic missile on Monday, Seoul said."
    start = sentence.index("intercontinental")
    end = start + len("intercontinental ballistic missile")
    return Alert(id="wirewatch-test", rule="test", story_id="wirewatch-test", cluster_id="wirewatch-test",
                 title="wirewatch test alert: North Korea fires an ICBM", severity="low", score=1.0,
                 countries=("KP", "KR"), regions=("Eastern Asia",), spans=(Span("body", start, end, sentence[start:end]),),
                 published=now, alerted=now, url="https://example.org/wirewatch-test", source="wirewatch",
                 evidence=(Evidence("body", sentence, ((start, end),)),))


def cmd_check(args: argparse.Namespace) -> int:
    from wirewatch.pipelines.subscriptionfile import load_subscriptions

    subs = load_subscriptions(args.file)
    for sub in subs.subscribers:
        p = sub.policy
        what = ", ".join(p.selector.rules) or "every rule"
        if p.selector.min_severity:
            what += f", severity >= {p.selector.min_severity}"
        print(f"{sub.id}: {what}; {p.schedule.mode}")
        for config in sub.channels:
            print(f"  {config.name}: {config.spec.target}")
    print(f"{args.file}: {len(subs.subscribers)} subscriber(s), valid")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from wirewatch.connectors.deliver.channel import make_channel
    from wirewatch.connectors.deliver.kafkatopic import KafkaSpec
    from wirewatch.notices import Notice
    from wirewatch.pipelines.deliver import delivery_id
    from wirewatch.pipelines.subscriptionfile import load_subscriptions

    subs = load_subscriptions(args.file)
    sub = subs.by_id(args.id)
    if sub is None:
        print(f"wirewatch: {args.file}: no subscriber {args.id!r} (there are: "
              f"{', '.join(s.id for s in subs.subscribers)})", file=sys.stderr)
        return 2
    now = datetime.now(timezone.utc)
    notice = Notice(f"test:{now.isoformat()}", "alert", sub.id, now, sample_alert())
    failed = 0
    for config in sub.channels:
        spec = config.spec
        if isinstance(spec, KafkaSpec):
            spec = KafkaSpec(_topics(args).prefix + spec.topic)
        try:
            channel = make_channel(config.name, spec, sub.id, subs.policy, lambda: _publisher(args))
            outcome = asyncio.run(channel.deliver(notice, delivery_id(notice.id, sub.id, config.name), now))
            channel.close()
            text = f"{outcome.state}" + (f" ({outcome.detail})" if outcome.detail else "")
            text += f": {outcome.reason}" if outcome.reason else ""
        except Exception as exc:  # no broker for a kafka channel, a bad CA file
            outcome, text = None, f"failed: {type(exc).__name__}: {exc}"
        ok = outcome is not None and outcome.state == "delivered"
        failed += not ok
        print(f"{config.name} [{config.spec.target}]: {text}")
    return 0 if not failed else 1


def _topics(args: argparse.Namespace) -> Any:
    from wirewatch.connectors.kafka.topics import Topics

    return Topics.from_env(getattr(args, "topic_prefix", None))


def _publisher(args: argparse.Namespace) -> Any:
    from wirewatch.connectors.kafka.topics import Publisher, bootstrap_servers

    return Publisher(bootstrap_servers(args.bootstrap), client_id="wirewatch-deliver", topics=_topics(args))


def open_deliverer(subscriptions: str, state: str | None, bootstrap: str, topics: Any,
                   unhealthy_after: float | None = None) -> Any:
    """The delivery step on the alerts topic, its topics made sure of."""
    from wirewatch.connectors.deliver.alertsource import KafkaAlerts, KafkaDeadLetters, deadletter_spec
    from wirewatch.connectors.deliver.store import Store
    from wirewatch.connectors.kafka.topics import Publisher, ensure_topics, topic_specs
    from wirewatch.pipelines.deliver import Deliverer, DeliverySettings

    from wirewatch.connectors.deliver.kafkatopic import KafkaSpec
    from wirewatch.connectors.kafka.topics import WEEK_MS, TopicSpec
    from wirewatch.pipelines.subscriptionfile import load_subscriptions

    own = {c.spec.topic for s in load_subscriptions(subscriptions).subscribers for c in s.channels
           if isinstance(c.spec, KafkaSpec)}  # subscribers' own topics: key = delivery id, four weeks kept
    ensure_topics(bootstrap, [s for s in topic_specs(topics=topics) if s.name == topics.alerts] + [deadletter_spec(topics)]
                  + [TopicSpec(topics.prefix + t, 1, {"retention.ms": str(4 * WEEK_MS)}) for t in sorted(own)])
    settings = DeliverySettings() if unhealthy_after is None else DeliverySettings(unhealthy_after=unhealthy_after)
    store = Store(state or default_state(subscriptions))
    try:
        publisher = Publisher(bootstrap, client_id="wirewatch-deliver", topics=topics)
        return Deliverer(subscriptions, store, KafkaAlerts(bootstrap, topics), KafkaDeadLetters(publisher, topics),
                         settings=settings, publisher=lambda: publisher, topic_prefix=topics.prefix)
    except BaseException:
        store.close()
        raise


class DeliveryThread:
    """The delivery step inside another process (``wirewatch run``): started once Kafka answers, stopped
    with the service. Its health joins the service's."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make, self.stop = make, threading.Event()
        self.deliverer: Any = None
        self.thread = threading.Thread(target=self._run, name="deliver", daemon=True)

    def start(self) -> "DeliveryThread":
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.is_set() and self.deliverer is None:
            try:
                self.deliverer = self.make()
            except Exception as exc:
                if getattr(exc, "retriable", True) is False:
                    log.error("delivery cannot start", extra={"error": str(exc)[:500]})
                    return
                log.warning("delivery waiting for Kafka", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
                self.stop.wait(2.0)
        if self.deliverer is not None:
            try:
                self.deliverer.run(self.stop)
            finally:
                self.deliverer.close()

    def health(self) -> tuple[bool, str]:
        if self.deliverer is None:
            return False, "delivery not started"
        return self.deliverer.health()

    def close(self, timeout: float = 30.0) -> None:
        self.stop.set()
        self.thread.join(timeout)


def cmd_deliver(args: argparse.Namespace) -> int:
    from wirewatch.connectors.health import metrics
    from wirewatch.connectors.kafka.topics import bootstrap_servers
    from wirewatch.pipelines import logs
    from wirewatch.pipelines.subscriptionfile import load_subscriptions

    logs.setup()
    load_subscriptions(args.subscriptions)  # a bad file stops the start with file:line:column
    bootstrap, topics = bootstrap_servers(args.bootstrap), _topics(args)
    runner = DeliveryThread(lambda: open_deliverer(args.subscriptions, args.delivery_state, bootstrap, topics,
                                                   args.unhealthy_after))
    server = metrics.serve(args.metrics_port, runner.health, host=args.metrics_host)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner.stop.set())
    runner.start()
    while runner.thread.is_alive():
        runner.thread.join(0.5)
    server.shutdown()
    log.info("delivery stopped")
    return 0 if runner.deliverer is not None else 2


def _seconds(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return value


def add_service_args(p: argparse.ArgumentParser, required: bool = False) -> None:
    """``--subscriptions`` and ``--delivery-state``, for ``deliver`` (which needs the file) and ``run``."""
    p.add_argument("--subscriptions", metavar="FILE", required=required,
                   help="subscriptions YAML: deliver alerts to its subscribers")
    p.add_argument("--delivery-state", metavar="PATH",
                   help="the delivery step's state file (default: FILE.state.sqlite beside the subscriptions file)")
    p.add_argument("--unhealthy-after", type=_seconds, default=900.0, metavar="SECONDS",
                   help="/health fails while an undelivered alert is older than this (default 900)")


def add_commands(sub: Any) -> None:
    from wirewatch.pipelines.cli import _kafka_args

    s = sub.add_parser("subscribers", help="check a subscriptions file, or try one subscriber's channels")
    ssub = s.add_subparsers(dest="action", required=True)
    c = ssub.add_parser("check", help="validate a subscriptions file (errors as file:line:column)")
    c.add_argument("file", metavar="FILE", help="the subscriptions YAML to check")
    c.set_defaults(func=cmd_check)
    t = ssub.add_parser("test", help="send a sample alert through each channel of one subscriber")
    t.add_argument("file", metavar="FILE", help="the subscriptions YAML")
    t.add_argument("id", metavar="ID", help="the subscriber's id in FILE")
    _kafka_args(t)
    t.set_defaults(func=cmd_test)

    d = sub.add_parser("deliver", help="the delivery step: alerts topic -> subscribers' channels, until stopped")
    add_service_args(d, required=True)
    _kafka_args(d)
    d.add_argument("--metrics-port", type=int, default=9109, help="port for /metrics and /health (0: any free port)")
    d.add_argument("--metrics-host", default="127.0.0.1", help="address for /metrics and /health")
    d.set_defaults(func=cmd_deliver)
