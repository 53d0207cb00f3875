"""Prometheus metrics for the always-on service (one registry per process), and the HTTP endpoint that
serves them with a health check."""

from __future__ import annotations

from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from wirewatch.connectors.health.web import WebServer

REGISTRY = CollectorRegistry()
STORIES_IN = Counter("wirewatch_stories_in_total", "Stories read from Kafka", registry=REGISTRY)
STORIES_OUT = Counter("wirewatch_stories_out_total", "Enriched stories archived", registry=REGISTRY)
STORIES_PUBLISHED = Counter("wirewatch_stories_published_total", "Stories published by ingest", registry=REGISTRY)
ALERTS = Counter("wirewatch_alerts_total", "Alerts delivered", ["rule"], registry=REGISTRY)
ALERTS_SUPPRESSED = Counter(
    "wirewatch_alerts_suppressed_total", "Alerts not re-sent: the same cluster and rule alerted before", registry=REGISTRY
)
DEAD_LETTERS = Counter("wirewatch_dead_letters_total", "Dead letters", ["stage"], registry=REGISTRY)
CONSUMER_LAG = Gauge("wirewatch_consumer_lag", "Records in Kafka not yet committed", ["partition"], registry=REGISTRY)
FAULT_RETRIES = Counter(
    "wirewatch_fault_retries_total", "Retries of a step through a transient fault (broker down, disk full)", ["kind"],
    registry=REGISTRY,
)
FAULTS_ACTIVE = Gauge("wirewatch_fault_active", "1 while a transient fault of this kind persists", ["kind"], registry=REGISTRY)
PIPELINE_RESTARTS = Counter(
    "wirewatch_pipeline_restarts_total", "Times the service restarted its streaming job after it ended", registry=REGISTRY
)
STAGE_LATENCY = Histogram(
    "wirewatch_stage_latency_seconds",
    "Time between a story's stage timestamps",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400),
    registry=REGISTRY,
)

# alert delivery to subscribers (pipelines/deliver.py); channel = webhook | email | kafka | file
DELIVERIES = Counter("wirewatch_deliveries_total", "Deliveries to subscribers, by channel kind and outcome",
                     ["channel", "outcome"], registry=REGISTRY)
DELIVERY_ATTEMPTS = Counter("wirewatch_delivery_attempts_total", "Delivery attempts, by channel kind", ["channel"],
                            registry=REGISTRY)
DELIVERY_QUEUE = Gauge("wirewatch_delivery_queue", "Deliveries not yet done: first attempts waiting, and retries",
                       ["state"], registry=REGISTRY)
DELIVERY_OLDEST = Gauge("wirewatch_delivery_oldest_undelivered_seconds",
                        "Age of the oldest alert not yet delivered to every channel that should have it", registry=REGISTRY)
DELIVERY_LATENCY = Histogram(
    "wirewatch_alert_delivered_latency_seconds", "From an alert's alerted time to its delivery, by notice kind",
    ["kind"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400),
    registry=REGISTRY,
)
SUBSCRIPTION_RELOADS = Counter("wirewatch_subscriptions_reloads_total", "Reloads of the subscriptions file, by result",
                               ["result"], registry=REGISTRY)


def routes(health: Callable[[], tuple[bool, str]]) -> list[Route]:
    """``/metrics`` (Prometheus text) and ``/health`` (200 or 503 with one line per problem), for any
    Starlette app: the service's console serves them on its own port."""

    def serve_metrics(_request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    def serve_health(_request: Request) -> Response:
        ok, text = health()
        return PlainTextResponse(text + "\n", status_code=200 if ok else 503)

    return [Route("/metrics", serve_metrics), Route("/health", serve_health), Route("/healthz", serve_health)]


def serve(port: int, health: Callable[[], tuple[bool, str]], host: str = "127.0.0.1") -> WebServer:
    """Serve /metrics and /health on ``host:port`` from a daemon thread; port 0 picks a free port."""

    async def not_found(_request: Request, _exc: Exception) -> Response:
        return PlainTextResponse("not found: try /metrics or /health\n", status_code=404)

    return WebServer(Starlette(routes=routes(health), exception_handlers={404: not_found}), host, port)
