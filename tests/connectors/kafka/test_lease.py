"""The one-instance lease on the real broker: a second holder is refused with the reason, a released lease
is taken at once, and one whose holder was killed with kill -9 is taken once its session times out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from wirewatch.connectors.kafka.lease import SESSION_MS, AnotherInstance, InstanceLease

pytestmark = pytest.mark.kafka


def test_a_second_instance_is_refused_until_the_first_releases(fresh_topics, topics):
    first = InstanceLease(fresh_topics, topics)
    first.acquire()
    try:
        second = InstanceLease(fresh_topics, topics)
        with pytest.raises(AnotherInstance, match=f"consumer group '{topics.group}'.*twice.*--topic-prefix"):
            second.acquire(wait_s=3)
        assert not first.lost.is_set()  # the newcomer's join did not take the lease away
    finally:
        first.release()
    third = InstanceLease(fresh_topics, topics)
    t0 = time.monotonic()
    third.acquire(wait_s=30)
    try:
        assert time.monotonic() - t0 < SESSION_MS / 1000  # a clean release leaves the group at once
    finally:
        third.release()


def test_the_lease_of_a_killed_holder_passes_on_after_its_session(fresh_topics, topics):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from wirewatch.connectors.kafka.lease import InstanceLease\n"
         "from wirewatch.connectors.kafka.topics import Topics\n"
         f"InstanceLease({fresh_topics!r}, Topics({topics.prefix!r})).acquire()\n"
         "print('held', flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(AnotherInstance):
            InstanceLease(fresh_topics, topics).acquire(wait_s=2)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    successor = InstanceLease(fresh_topics, topics)
    successor.acquire(wait_s=SESSION_MS / 1000 + 20)
    successor.release()
