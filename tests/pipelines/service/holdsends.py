"""``python -m tests.pipelines.service.holdsends HOLD ARGS...``: ``wirewatch ARGS...`` with a fault hook for
tests. While the file ``HOLD`` exists, every alert the job hands to a Kafka producer waits at the hand-over
(and ``HOLD.held`` says one is waiting): the sends of a job that fails meanwhile are forced to come after the
restarted job has read the alerts already sent, the race that load alone only sometimes produces."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from wirewatch.connectors.kafka.topics import ALERTS
from wirewatch.pipelines import cli


def hold_alert_sends(hold: Path) -> None:
    send = KafkaProducer.send

    def held_send(self: KafkaProducer, topic: str, *args: Any, **kwargs: Any) -> Any:
        if topic.endswith(ALERTS):
            while hold.exists():
                Path(f"{hold}.held").touch()
                time.sleep(0.05)
        return send(self, topic, *args, **kwargs)

    KafkaProducer.send = held_send  # type: ignore[method-assign]


if __name__ == "__main__":
    hold_alert_sends(Path(sys.argv[1]))
    sys.exit(cli.main(sys.argv[2:]))
