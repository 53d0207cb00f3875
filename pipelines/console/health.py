"""The pipeline's health for the overview page, from the service's Prometheus metrics: consumer lag, latency
percentiles per stage, dead letters per stage, faults being retried. Read from this process's registry when
the service serves the console, else from the service's /metrics URL."""

from __future__ import annotations

import math
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

QUANTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class Health:
    available: bool
    note: str = ""
    lag: dict[str, float] = field(default_factory=dict)  # per partition
    latency: dict[str, dict[str, float | None]] = field(default_factory=dict)  # stage -> {"p50": s, ...}
    observed: dict[str, int] = field(default_factory=dict)  # stage -> stories measured
    dead_letters: dict[str, float] = field(default_factory=dict)  # per stage
    faults: dict[str, float] = field(default_factory=dict)  # kind -> 1 while active
    totals: dict[str, float] = field(default_factory=dict)  # stories in/out/published, restarts


def from_registry(registry: CollectorRegistry) -> Callable[[], Health]:
    return lambda: summarize(registry.collect())


def from_url(url: str, timeout: float = 2.0) -> Callable[[], Health]:
    def read() -> Health:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (the operator's own URL)
                text = response.read(8 * 1024 * 1024).decode("utf-8", "replace")
        except OSError as exc:
            return Health(False, f"metrics unavailable at {url}: {exc}")
        return summarize(text_string_to_metric_families(text))

    return read


def unavailable(note: str) -> Callable[[], Health]:
    return lambda: Health(False, note)


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """The q-quantile from cumulative histogram buckets ``(upper bound, count)``, interpolated linearly
    within the bucket it falls in (as Prometheus' histogram_quantile does); None without observations."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return lower  # in the open-ended bucket: the highest finite bound is all we know
            share = (rank - below) / (count - below) if count > below else 1.0
            return lower + (bound - lower) * share
        lower, below = bound, count
    return lower


def summarize(families: Iterable[Metric]) -> Health:
    lag: dict[str, float] = {}
    dead: dict[str, float] = {}
    faults: dict[str, float] = {}
    totals: dict[str, float] = {}
    buckets: dict[str, list[tuple[float, float]]] = {}
    for family in families:
        for sample in family.samples:
            name, labels, value = sample.name, sample.labels, sample.value
            if name == "wirewatch_consumer_lag":
                lag[labels.get("partition", "?")] = value
            elif name == "wirewatch_dead_letters_total":
                dead[labels.get("stage", "?")] = value
            elif name == "wirewatch_fault_active":
                faults[labels.get("kind", "?")] = value
            elif name == "wirewatch_stage_latency_seconds_bucket":
                buckets.setdefault(labels.get("stage", "?"), []).append((float(labels["le"]), value))
            elif name in ("wirewatch_stories_in_total", "wirewatch_stories_out_total",
                          "wirewatch_stories_published_total", "wirewatch_pipeline_restarts_total"):
                totals[name.removeprefix("wirewatch_").removesuffix("_total")] = value
    latency = {stage: {f"p{round(q * 100)}": quantile(q, b) for q in QUANTILES} for stage, b in sorted(buckets.items())}
    observed = {stage: int(max(c for _, c in b)) for stage, b in buckets.items() if b}
    return Health(True, "", lag, latency, observed, dead, faults, totals)
