"""What one delivery attempt came to."""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("delivered", "retry", "failed", "gone")


@dataclass(frozen=True, slots=True)
class Outcome:
    """``delivered``; ``retry`` (a fault that may clear: try again, not before ``retry_after`` seconds when
    the receiver said so); ``failed`` (trying again cannot help); ``gone`` (the receiver said the endpoint
    is gone for good: the channel is disabled). ``reason`` is for people and never holds a secret."""

    state: str
    reason: str = ""
    retry_after: float | None = None
    detail: str = ""  # e.g. "HTTP 200 in 35 ms"

    @property
    def retriable(self) -> bool:
        return self.state == "retry"

    @classmethod
    def ok(cls, detail: str = "") -> "Outcome":
        return cls("delivered", detail=detail)
