"""Faults that clear on their own (a broker restart, a full disk, a permission put right): the always-on
service retries the step that met one, with exponential backoff and jitter, and surfaces the fault while
it lasts (a warning when it starts, /health and metrics while it lasts, a line when it clears). A fault
that cannot clear (bad input, a bug) is raised at once."""

from __future__ import annotations

import errno
import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, TypeVar

from kafka import errors as kafka_errors

from wirewatch.connectors.health import metrics

log = logging.getLogger("wirewatch.faults")
T = TypeVar("T")

# errno values of conditions an operator or the system can clear while the service waits
TRANSIENT_ERRNOS = frozenset({
    errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO, errno.EAGAIN, errno.EBUSY,
    errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ETIMEDOUT, errno.ESTALE,
})
_KAFKA_TRANSIENT = (kafka_errors.KafkaConnectionError, kafka_errors.KafkaTimeoutError, kafka_errors.BrokerNotAvailableError)


def is_transient(exc: BaseException) -> bool:
    """True for faults worth waiting out: our errors that say so, Kafka's retriable errors, and file-system
    errors such as a full disk or a permission refused."""
    if isinstance(exc, kafka_errors.KafkaError):
        return bool(exc.retriable) or isinstance(exc, _KAFKA_TRANSIENT)
    if isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS:
        return True
    return getattr(exc, "retriable", None) is True


class Stopping(RuntimeError):
    """The service is stopping while a fault persists: the step gives up, and nothing it did is committed."""

    retriable = True


@dataclass(frozen=True)
class Backoff:
    first: float = 0.5
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2  # +- this fraction, so that many retrying steps do not hit a recovering broker at once

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        base = min(self.cap, self.first * self.factor ** max(0, attempt - 1))
        return base * (1 + self.jitter * (2 * rand() - 1))


@dataclass(frozen=True)
class Fault:
    kind: str
    error: str
    since: datetime
    attempts: int


class Faults:
    """The faults in progress, by kind ("kafka", "archive", ...), for /health and the logs.

    A kind lasts while some step still retries it: each retrying step holds it (``failed`` with a holder of
    its own) and lets go when it succeeds or gives up, so a step that met the fault and then stopped (an ended
    job's step, refused by its fenced producer) cannot hold /health down, and one step going through does not
    hide another still waiting. ``cleared(kind)`` without a holder drops the kind whoever holds it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, Fault] = {}
        self._holders: dict[str, set[object]] = {}
        self.stopping = threading.Event()

    def failed(self, kind: str, exc: BaseException, holder: object = None) -> Fault:
        error = f"{type(exc).__name__}: {exc}"[:300]
        with self._lock:
            previous = self._active.get(kind)
            fault = Fault(kind, error, previous.since if previous else datetime.now(timezone.utc),
                          previous.attempts + 1 if previous else 1)
            self._active[kind] = fault
            self._holders.setdefault(kind, set()).add(kind if holder is None else holder)
        metrics.FAULT_RETRIES.labels(kind).inc()
        metrics.FAULTS_ACTIVE.labels(kind).set(1)
        if previous is None:
            log.warning("fault: retrying until it clears", extra={"fault": kind, "error": error})
        return fault

    def cleared(self, kind: str, holder: object = None, *, gave_up: bool = False) -> None:
        """``holder`` went through (or, ``gave_up``, stopped retrying); without one, the kind is cleared."""
        with self._lock:
            holders = self._holders.get(kind, set())
            holders.discard(holder)
            if holder is not None and holders:
                return  # another step still waits on it
            self._holders.pop(kind, None)
            fault = self._active.pop(kind, None)
        if fault is not None:
            metrics.FAULTS_ACTIVE.labels(kind).set(0)
            seconds = round((datetime.now(timezone.utc) - fault.since).total_seconds(), 1)
            if gave_up:
                log.info("fault: no step retries it any more", extra={"fault": kind, "attempts": fault.attempts,
                                                                      "seconds": seconds})
            else:
                log.info("fault cleared", extra={"fault": kind, "attempts": fault.attempts, "seconds": seconds})

    def active(self) -> list[Fault]:
        with self._lock:
            return sorted(self._active.values(), key=lambda f: f.kind)


FAULTS = Faults()  # one per process, like the metrics registry it feeds


def retry(kind: str, step: Callable[[], T], *, faults: Faults = FAULTS, backoff: Backoff = Backoff(),
          sleep: Callable[[float], object] | None = None) -> T:
    """``step()``, retried through transient faults until it succeeds; other errors are raised at once.
    While the service is stopping, a persisting fault raises ``Stopping`` instead of waiting on. The fault
    is held (``Faults``) from this step's first failure until it succeeds or raises."""
    wait = sleep or (lambda seconds: faults.stopping.wait(seconds))
    attempt, went_through, me = 0, False, object()
    try:
        while True:
            try:
                result = step()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                attempt += 1
                faults.failed(kind, exc, me)
                if faults.stopping.is_set():
                    raise Stopping(f"stopping while {kind} is failing: {exc}") from exc
                wait(backoff.delay(attempt))
                continue
            went_through = True
            return result
    finally:
        if attempt:  # whatever ends this step's waiting, it no longer holds the fault
            faults.cleared(kind, me, gave_up=not went_through)
