"""Memory of the always-on service over a long trickle: RSS of the wirewatch process and of Prism, sampled
while stories arrive at a steady rate. Prints one line per sample.

    WIREWATCH_KAFKA=127.0.0.1:9092 .venv/bin/python bench/service_soak.py [--rate 10] [--minutes 5] [--log PATH]

--log keeps the service's own output (its job restarts, faults) in PATH.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.service_latency import running_service, story  # noqa: E402
from wirewatch.connectors.kafka.topics import STORIES  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=10.0)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--log", type=Path, help="keep the service's output here")
    args = ap.parse_args()
    bootstrap = os.environ["WIREWATCH_KAFKA"]
    with running_service(bootstrap, args.log) as (producer, service):
        t0, i, next_sample = time.monotonic(), 0, 0.0
        while time.monotonic() - t0 < args.minutes * 60:
            producer.send(STORIES, key=f"soak-{i}".encode(), value=story(i, "soak"))
            i += 1
            elapsed = time.monotonic() - t0
            if elapsed >= next_sample:
                prism = [p for p in children(service.pid) if "prism" in Path(f"/proc/{p}/cmdline").read_text()]
                print(f"{elapsed:6.0f} s  stories {i:6d}  wirewatch RSS {rss_mb(service.pid):6.1f} MB  "
                      f"prism RSS {sum(rss_mb(p) for p in prism):6.1f} MB", flush=True)
                next_sample += 30
            time.sleep(max(0.0, t0 + i / args.rate - time.monotonic()))
        producer.flush()

if __name__ == "__main__":
    main()
