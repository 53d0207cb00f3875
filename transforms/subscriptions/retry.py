"""When a failed delivery is tried again: exponential backoff with jitter, or the receiver's Retry-After."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 12  # in all, the first included; then the delivery is a dead letter
    first: float = 10.0  # seconds before the second attempt
    factor: float = 2.0
    cap: float = 1800.0  # the longest wait between two attempts
    jitter: float = 0.2  # +- this fraction, so that retries of many deliveries spread out
    max_retry_after: float = 86400.0  # a receiver's Retry-After is honoured up to this

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Seconds to wait after attempt number ``attempt`` (1-based) failed."""
        base = min(self.cap, self.first * self.factor ** max(0, attempt - 1))
        return base * (1 + self.jitter * (2 * rand() - 1))


def next_attempt(policy: RetryPolicy, attempts: int, now: datetime, retry_after: float | None,
                 rand: Callable[[], float]) -> datetime | None:
    """When to try again after ``attempts`` attempts, the last failing at ``now``; None: give up."""
    if attempts >= policy.attempts:
        return None
    if retry_after is not None:
        return now + timedelta(seconds=min(max(retry_after, 0.0), policy.max_retry_after))
    return now + timedelta(seconds=policy.delay(attempts, rand))
