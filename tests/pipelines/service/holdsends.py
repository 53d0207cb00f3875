"""``python -m tests.pipelines.service.holdsends HOLD ARGS...``: ``wirewatch ARGS...`` with a fault hook for
tests. While the file ``HOLD`` exists, every alert the job hands to its Kafka publisher waits at the hand-over
(and ``HOLD.held`` says one is waiting): the sends of a job that fails meanwhile are forced to come after the
restarted job has read the alerts already sent, the race that load alone only sometimes produces."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from wirewatch.connectors.kafka.topics import ALERTS, Publisher
from wirewatch.pipelines import cli


def hold_alert_sends(hold: Path) -> None:
    send = Publisher.send

    def held_send(self: Publisher, topic: str, *args: Any, **kwargs: Any) -> Any:
        if topic.endswith(ALERTS):
            while hold.exists():
                Path(f"{hold}.held").touch()
                time.sleep(0.05)
        return send(self, topic, *args, **kwargs)

    Publisher.send = held_send  # type: ignore[method-assign]


if __name__ == "__main__":
    hold_alert_sends(Path(sys.argv[1]))
    sys.exit(cli.main(sys.argv[2:]))
