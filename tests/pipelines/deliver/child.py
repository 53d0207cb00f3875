"""A delivery step in a process of its own, on the simulated time a test writes into a file, so that the test
can kill it with SIGKILL at any moment and start another on the same state:

    python -m tests.pipelines.deliver.child SUBSCRIPTIONS STATE BOOTSTRAP PREFIX CLOCK_FILE ACK_FILE

CLOCK_FILE holds "N SECONDS": for each new N the step runs once at SECONDS after kit.T0, and then writes N to
ACK_FILE."""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

from tests.pipelines.deliver.kit import T0, Clock
from wirewatch.connectors.deliver.alertsource import KafkaAlerts, KafkaDeadLetters
from wirewatch.connectors.deliver.store import Store
from wirewatch.connectors.kafka.topics import Publisher, Topics
from wirewatch.pipelines.deliver import Deliverer, DeliverySettings


def main(subscriptions: str, state: str, bootstrap: str, prefix: str, clock_file: str, ack_file: str) -> None:
    topics, clock = Topics(prefix), Clock()
    publisher = Publisher(bootstrap, client_id="test-child", topics=topics)
    deliverer = Deliverer(subscriptions, Store(state), KafkaAlerts(bootstrap, topics),
                          KafkaDeadLetters(publisher, topics), clock=clock, rand=lambda: 0.5,
                          settings=DeliverySettings(per_channel=64), publisher=lambda: publisher, topic_prefix=prefix)
    last = None
    while True:
        try:
            tick, now = Path(clock_file).read_text().split()
        except (OSError, ValueError):
            tick = None
        if tick is None or tick == last:
            time.sleep(0.005)
            continue
        clock.now = T0 + timedelta(seconds=float(now))
        deliverer.step()
        last = tick
        temp = f"{ack_file}.{os.getpid()}"
        Path(temp).write_text(tick)
        os.replace(temp, ack_file)


if __name__ == "__main__":
    main(*sys.argv[1:7])
