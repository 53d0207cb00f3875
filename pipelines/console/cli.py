"""``wirewatch console ARCHIVE``, and the console the always-on service serves on its metrics port."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

if TYPE_CHECKING:  # the web stack (Starlette, DuckDB, Arrow, Kafka) loads when a console is served, so that
    # registering the command's options (every ``wirewatch`` start, --help too) stays cheap
    from wirewatch.connectors.health.web import WebServer
    from wirewatch.pipelines.console import health as healths

log = logging.getLogger("wirewatch.console")
ENV_TOKEN = "WIREWATCH_CONSOLE_TOKEN"


def console_args(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("console", help="the analysts' web console over an archive, with live alerts from Kafka")
    c.add_argument("archive", metavar="ARCHIVE", help="the Parquet archive folder")
    c.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs a token)")
    c.add_argument("--port", type=int, default=8108, help="port (default 8108; 0: any free port)")
    c.add_argument("--token-file", metavar="FILE",
                   help=f"a file holding the console's token (default: ${ENV_TOKEN}); needed off 127.0.0.1")
    c.add_argument("--bootstrap", metavar="HOST:PORT", help="Kafka broker for live alerts (default: $WIREWATCH_KAFKA)")
    c.add_argument("--topic-prefix", metavar="PREFIX", help="topic prefix (default: $WIREWATCH_TOPIC_PREFIX)")
    c.add_argument("--no-live", action="store_true", help="no Kafka: archive pages only")
    c.add_argument("--rules", metavar="FILE", action="append",
                   help="the watch list the story pages explain (repeatable; default: the built-in list)")
    c.add_argument("--subscriptions", metavar="FILE", help="subscriptions file: filter live alerts by subscriber")
    c.add_argument("--metrics-url", metavar="URL",
                   help="the service's /metrics, for the overview's pipeline health (e.g. http://127.0.0.1:9108/metrics)")
    c.set_defaults(func=cmd_console)


def no_archive(path: str, command: str) -> bool:
    """True, having said so on stderr, when there is no archive folder at ``path``: an empty answer over a
    mistyped path would look like an empty archive."""
    if Path(path).is_dir():
        return False
    print(f"wirewatch {command}: no archive at {path}", file=sys.stderr)
    return True


def read_token(path: str | None) -> str | None:
    """The token from ``path`` (its first line) or ``$WIREWATCH_CONSOLE_TOKEN``; never printed."""
    from wirewatch.pipelines.console.security import ConsoleConfigError

    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip().splitlines()
        except OSError as exc:
            raise ConsoleConfigError(f"cannot read the console token file {path}: {exc.strerror or exc}") from None
        return text[0].strip() if text else None
    return os.environ.get(ENV_TOKEN) or None


def _watchlist(paths: list[str] | None) -> Callable[[], Any]:
    from wirewatch.transforms.rules import default_watchlist, load_watchlist_files

    return (lambda: load_watchlist_files(paths)) if paths else default_watchlist


def subscribers_from(path: str | None) -> dict[str, Callable[[Mapping[str, Any]], bool]]:
    """For the live list's subscriber filter: each subscriber of the subscriptions file, and whether it
    wants an alert (its JSON), by the same selection the delivery step uses."""
    if not path:
        return {}
    from wirewatch.pipelines.subscriptionfile import load_subscriptions
    from wirewatch.records import Alert, RecordError

    def wants(policy: Any) -> Callable[[Mapping[str, Any]], bool]:
        def check(alert: Mapping[str, Any]) -> bool:
            try:
                return bool(policy.wants(Alert.from_dict(alert)))
            except RecordError:
                return False

        return check

    return {s.id: wants(s.policy) for s in load_subscriptions(path).subscribers}


def serve(archive: str, host: str, port: int, *, token: str | None, health: Callable[[], healths.Health],
          watchlist: Callable[[], Any], bootstrap: str | None, alerts_topic: str | None,
          subscribers: Mapping[str, Callable[[Mapping[str, Any]], bool]] | None = None,
          extra_routes: Sequence[Any] = ()) -> WebServer:
    """Serve the console (and ``extra_routes``) on ``host:port``; with a broker, follow the alerts topic."""
    from wirewatch.connectors.archive.query import ArchiveQuery
    from wirewatch.connectors.health.web import WebServer
    from wirewatch.pipelines.console.app import Console, build_app
    from wirewatch.pipelines.console.live import AlertHub, KafkaAlerts
    from wirewatch.pipelines.console.security import Access

    access = Access(host, token)
    hub = AlertHub()
    follower = KafkaAlerts(bootstrap, alerts_topic, hub).start() if bootstrap and alerts_topic else None
    console = Console(ArchiveQuery(archive), hub, health, watchlist, dict(subscribers or {}))
    try:
        server = WebServer(build_app(console, access, extra_routes), host, port)
    except BaseException:
        if follower is not None:
            follower.stop()
        raise
    if follower is not None:
        server.on_shutdown.append(follower.stop)
    return server


def serve_with_service(archive: str, host: str, port: int, service_health: Callable[[], tuple[bool, str]],
                       watchlist: Any, bootstrap: str, alerts_topic: str, token: str | None = None,
                       subscriptions: str | None = None) -> WebServer:
    """For ``wirewatch run``/``process``: /metrics and /health, and the console beside them on the same port.
    Off this machine without a token, only /metrics and /health are served (and the log says why)."""
    from wirewatch.connectors.health import metrics
    from wirewatch.pipelines.console import health as healths
    from wirewatch.pipelines.console.security import Access, ConsoleConfigError

    try:
        Access(host, token)
    except ConsoleConfigError as exc:
        log.warning("console not served", extra={"reason": str(exc)})
        return metrics.serve(port, service_health, host=host)
    return serve(archive, host, port, token=token, health=healths.from_registry(metrics.REGISTRY),
                 watchlist=lambda: watchlist, bootstrap=bootstrap, alerts_topic=alerts_topic,
                 subscribers=subscribers_from(subscriptions), extra_routes=metrics.routes(service_health))


def cmd_console(args: argparse.Namespace) -> int:
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from wirewatch.connectors.kafka.topics import Topics, bootstrap_servers
    from wirewatch.pipelines import logs
    from wirewatch.pipelines.console import health as healths

    if no_archive(args.archive, "console"):
        return 2
    logs.setup()
    token = read_token(args.token_file)
    bootstrap = None if args.no_live else bootstrap_servers(args.bootstrap)
    health = healths.from_url(args.metrics_url) if args.metrics_url else healths.unavailable(
        "Pipeline health: give --metrics-url (the service's /metrics), or open the console the service serves.")
    server = serve(args.archive, args.host, args.port, token=token, health=health,
                   watchlist=_watchlist(args.rules), bootstrap=bootstrap,
                   alerts_topic=Topics.from_env(args.topic_prefix).alerts,
                   subscribers=subscribers_from(args.subscriptions), extra_routes=[Route("/health", lambda _request: PlainTextResponse("console ok\n"))])
    log.info("console up", extra={"url": server.url, "archive": args.archive, "live": bool(bootstrap)})
    print(f"wirewatch console on {server.url}/", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    return 0
