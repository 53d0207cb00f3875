"""Latency per stage from a story's timestamps, observed as outcomes pass: ``processed`` (before the sinks:
published->fetched, fetched->produced, produced->processed) and ``delivered`` (after them:
produced->delivered)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import apache_beam as beam

from wirewatch.connectors.health import metrics
from wirewatch.records import StoryAlerts


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() if a and b else None


class RecordLatency(beam.DoFn):
    def __init__(self, point: str) -> None:
        if point not in ("processed", "delivered"):
            raise ValueError(f"latency point {point!r}: processed or delivered")
        self.point = point

    def process(self, outcome: Any) -> Iterator[Any]:
        if isinstance(outcome, StoryAlerts):
            story = outcome.story.story
            now = datetime.now(timezone.utc)  # a stage timestamp, read at the edge
            if self.point == "processed":
                published = None if story.undated else story.published  # a stand-in fetch time says nothing
                pairs = (("feed", published, story.fetched), ("ingest", story.fetched, story.produced),
                         ("pipeline", story.produced, now))
            else:
                pairs = (("produced_to_delivered", story.produced, now),)
            for stage, a, b in pairs:
                seconds = _seconds(a, b)
                if seconds is not None and seconds >= 0:
                    metrics.STAGE_LATENCY.labels(stage).observe(seconds)
        yield outcome
