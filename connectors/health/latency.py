"""Latency per stage from a story's timestamps, observed as outcomes pass: ``processed`` (before the sinks:
published->fetched, fetched->produced, produced->processed) and ``delivered`` (after them:
produced->delivered)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

import apache_beam as beam

from wirewatch.connectors.health import metrics
from wirewatch.records import StoryAlerts


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return (b - a).total_seconds() if a and b else None


STAGES = {"processed": ("feed", "ingest", "pipeline"), "delivered": ("produced_to_delivered",)}


class RecordLatency(beam.DoFn):
    def __init__(self, point: str) -> None:
        if point not in STAGES:
            raise ValueError(f"latency point {point!r}: processed or delivered")
        self.point = point

    def setup(self) -> None:
        # each stage's histogram looked up once: prometheus_client's labels() checks the values and locks
        self.observe_stage = {stage: metrics.STAGE_LATENCY.labels(stage).observe for stage in STAGES[self.point]}

    def process(self, outcome: Any) -> Iterable[Any]:
        self.observe(outcome, datetime.now(timezone.utc))  # a stage timestamp, read at the edge
        return (outcome,)

    def observe(self, outcome: Any, now: datetime) -> None:
        """The stages ``outcome`` (a StoryAlerts; anything else says nothing) went through, up to ``now``."""
        if not isinstance(outcome, StoryAlerts):
            return
        story = outcome.story.story
        if self.point == "processed":
            published = None if story.undated else story.published  # a stand-in fetch time says nothing
            pairs = (("feed", published, story.fetched), ("ingest", story.fetched, story.produced),
                     ("pipeline", story.produced, now))
        else:
            pairs = (("produced_to_delivered", story.produced, now),)
        for stage, a, b in pairs:
            seconds = _seconds(a, b)
            if seconds is not None and seconds >= 0:
                self.observe_stage[stage](seconds)
