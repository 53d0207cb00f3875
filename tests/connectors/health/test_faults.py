"""Faults in progress: a kind lasts while some step still retries it, and no longer than that."""

from __future__ import annotations

import errno
import logging

import pytest
from kafka.errors import KafkaConnectionError

from wirewatch.connectors.health.faults import Backoff, Faults, Stopping, retry

QUICK = Backoff(first=0.0, cap=0.0)
AWAY = KafkaConnectionError("broker away")


def failing(*errors: BaseException, then: object = "done"):
    """A step that raises ``errors`` in turn, then returns ``then``."""
    left = list(errors)

    def step():
        if left:
            raise left.pop(0)
        return then

    return step


def test_a_kind_lasts_until_the_last_step_retrying_it_goes_through():
    faults = Faults()
    first, second = object(), object()
    faults.failed("kafka", AWAY, first)
    faults.failed("kafka", AWAY, second)
    faults.cleared("kafka", first)
    assert [f.kind for f in faults.active()] == ["kafka"]  # the second step still waits on the broker
    faults.cleared("kafka", second)
    assert faults.active() == []


def test_a_kind_cleared_without_a_holder_is_dropped_whoever_holds_it():
    faults = Faults()
    faults.failed("kafka", AWAY, object())
    faults.failed("kafka", AWAY)
    faults.cleared("kafka")
    assert faults.active() == []


def test_attempts_and_the_first_time_add_up_across_steps():
    faults = Faults()
    one = faults.failed("archive", OSError(errno.ENOSPC, "full"), object())
    two = faults.failed("archive", OSError(errno.ENOSPC, "full"), object())
    assert two.attempts == 2 and two.since == one.since


def test_a_retry_that_goes_through_clears_its_fault(caplog):
    faults = Faults()
    with caplog.at_level(logging.INFO, logger="wirewatch.faults"):
        assert retry("kafka", failing(AWAY, AWAY), faults=faults, backoff=QUICK) == "done"
    assert faults.active() == []
    assert [r.getMessage() for r in caplog.records] == ["fault: retrying until it clears", "fault cleared"]


def test_a_retry_that_then_meets_an_error_for_good_lets_go_of_its_fault(caplog):
    """An ended job's step waits out the broker, then its fenced producer refuses it for good: it stops, and
    must not leave /health saying the service still retries (it did: the fault stayed until a restart)."""
    faults = Faults()
    with caplog.at_level(logging.INFO, logger="wirewatch.faults"), pytest.raises(ValueError):
        retry("kafka", failing(AWAY, ValueError("refused for good")), faults=faults, backoff=QUICK)
    assert faults.active() == []
    assert caplog.records[-1].getMessage() == "fault: no step retries it any more"


def test_a_step_giving_up_leaves_another_steps_fault_in_place():
    faults = Faults()
    other = object()
    faults.failed("kafka", AWAY, other)
    with pytest.raises(ValueError):
        retry("kafka", failing(AWAY, ValueError("refused for good")), faults=faults, backoff=QUICK)
    assert [f.kind for f in faults.active()] == ["kafka"]
    retry("kafka", failing(AWAY), faults=faults, backoff=QUICK)  # a third step, through: the other still waits
    assert [f.kind for f in faults.active()] == ["kafka"]
    faults.cleared("kafka", other)
    assert faults.active() == []


def test_stopping_gives_up_and_lets_go():
    faults = Faults()
    faults.stopping.set()
    with pytest.raises(Stopping):
        retry("archive", failing(OSError(errno.ENOSPC, "full")), faults=faults, backoff=QUICK)
    assert faults.active() == []


def test_an_error_for_good_at_the_first_try_touches_no_fault():
    faults = Faults()
    faults.failed("kafka", AWAY, object())
    with pytest.raises(ValueError):
        retry("kafka", failing(ValueError("bad input")), faults=faults, backoff=QUICK)
    assert [f.kind for f in faults.active()] == ["kafka"]
