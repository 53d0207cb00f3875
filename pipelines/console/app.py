"""The console's Starlette app: routes, templates and middleware. ``build_app`` wires what the pages read
(the archive, the live alert hub, the pipeline's health, the watch list) into one ASGI app."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from wirewatch.connectors.archive.query import ArchiveQuery, ArchiveQueryError, Filters
from wirewatch.pipelines.console import preview as previews
from wirewatch.pipelines.console.health import Health
from wirewatch.pipelines.console.highlight import highlighted
from wirewatch.pipelines.console.live import AlertHub
from wirewatch.pipelines.console.security import COOKIE, Access, Guard, SecurityHeaders, local_hosts_only
from wirewatch.pipelines.console.views import (
    PAGE_SIZE, LiveFilter, Paging, alert_row, bars, safe_next, safe_url, short_time,
)
from wirewatch.transforms.rules import SEVERITIES, WatchList

HERE = Path(__file__).resolve().parent
HEARTBEAT_S = 15.0
OUTLETS_FRESH_S = 10.0  # an alert row's outlet count is looked up again after this long
WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Console:
    """What the pages read. ``watchlist`` is called once, on first use (compiling a large list takes a while);
    ``subscribers`` maps a subscriber id to whether it wants an alert (its JSON)."""

    archive: ArchiveQuery
    hub: AlertHub
    health: Callable[[], Health]
    watchlist: Callable[[], WatchList]
    subscribers: Mapping[str, Callable[[Mapping[str, Any]], bool]] = field(default_factory=dict)
    clock: Callable[[], datetime] = _now
    _matcher: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _outlets: dict[str, tuple[float, int]] = field(default_factory=dict)

    def matcher(self):
        from wirewatch.transforms.match import Matcher

        with self._lock:
            if self._matcher is None:
                self._matcher = Matcher(self.watchlist())
            return self._matcher

    def outlets(self, alerts: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        """Archived copies per cluster of ``alerts``, remembered for a few seconds."""
        now = time.monotonic()
        wanted = {a["cluster_id"] for a in alerts}
        stale = [c for c in wanted if now - self._outlets.get(c, (-1e9, 0))[0] > OUTLETS_FRESH_S]
        if stale:
            found = self.archive.outlet_counts(stale)
            for c in stale:
                self._outlets[c] = (now, found.get(c, 0))
            if len(self._outlets) > 10_000:
                self._outlets = {c: v for c, v in self._outlets.items() if now - v[0] <= OUTLETS_FRESH_S}
        return {c: self._outlets[c][1] for c in wanted}


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = short_time
    return env


def build_app(console: Console, access: Access, extra_routes: Sequence[Any] = ()) -> Any:
    env = templates()

    def page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, path=request.url.path, **values)
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})

    def login_page(request: Request, status_code: int = 200, error: str = "", target: str | None = None) -> HTMLResponse:
        """The sign-in form; it sends the browser on to ``target``, else to the page that was asked for."""
        if target is None:
            asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target = request.query_params.get("next") if request.url.path == "/login" else asked
        return page(request, "login.html", status_code, next=safe_next(target), error=error)

    async def live(request: Request) -> Response:
        chosen = LiveFilter.from_params(request.query_params)
        seq, recent = console.hub.recent()
        alerts = [a for a in recent if chosen.passes(a, console.subscribers)]
        counts = await run_in_threadpool(console.outlets, alerts)
        rows = [alert_row(a, counts.get(a["cluster_id"])) for a in alerts]
        rules = sorted({a["rule"] for a in recent})
        return page(request, "live.html", rows=rows, chosen=chosen, rules=rules, severities=SEVERITIES,
                    subscribers=sorted(console.subscribers), seq=seq)

    async def events(request: Request) -> Response:
        chosen = LiveFilter.from_params(request.query_params)
        # The alerts after the ones the page showed (``after``; a reconnect sends the last event's id):
        # those published while the page loaded are sent first, so none falls between page and stream.
        shown = _int(request.headers.get("last-event-id") or request.query_params.get("after"), console.hub.seq)
        stream = console.hub.open_stream()
        backlog = console.hub.after(shown)

        async def event(seq: int, alert: Mapping[str, Any]) -> str:
            counts = await run_in_threadpool(console.outlets, [alert])
            row = alert_row(alert, counts.get(alert["cluster_id"]))
            return f"event: alert\nid: {seq}\ndata: {orjson.dumps(row).decode()}\n\n"

        async def messages():
            last = shown
            try:
                yield "retry: 2000\n\n"
                for seq, alert in backlog:
                    last = seq
                    if chosen.passes(alert, console.subscribers):
                        yield await event(seq, alert)
                while True:
                    try:
                        seq, alert = await asyncio.wait_for(stream.queue.get(), HEARTBEAT_S)
                    except asyncio.TimeoutError:
                        yield ": still here\n\n"
                        continue
                    if stream.lost:
                        yield "event: reload\ndata: {}\n\n"
                        return
                    if seq <= last:  # sent with the backlog already
                        continue
                    last = seq
                    if chosen.passes(alert, console.subscribers):
                        yield await event(seq, alert)
            finally:
                console.hub.close_stream(stream)

        return StreamingResponse(messages(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def story(request: Request) -> Response:
        story_id = request.query_params.get("id", "")
        found = await run_in_threadpool(console.archive.story, story_id) if story_id else None
        if found is None:
            return page(request, "missing.html", 404, story_id=story_id)
        s = found.story
        cluster = await run_in_threadpool(console.archive.cluster, found.cluster.id, s.published) \
            if found.cluster else []
        explanation = await run_in_threadpool(_explain, console, found)
        return page(request, "story.html", story=found, s=s, url=safe_url(s.url),
                    title=highlighted(found, "title"), dateline=highlighted(found, "dateline"),
                    body=highlighted(found, "body"), explanation=explanation, cluster=cluster)

    async def overview(request: Request) -> Response:
        window = request.query_params.get("window", "hour")
        window = window if window in WINDOWS else "hour"
        until = console.clock()
        since = until - WINDOWS[window]
        regions = await run_in_threadpool(console.archive.counts, "regions", since, until)
        rules = await run_in_threadpool(console.archive.counts, "rules", since, until)
        health = await run_in_threadpool(console.health)
        return page(request, "overview.html", window=window, windows=list(WINDOWS), since=since, until=until,
                    regions=bars(regions), rules=bars(rules), health=health)

    async def search(request: Request) -> Response:
        params = dict(request.query_params)
        error, rows, paging = "", [], None
        try:
            filters = _filters(params, console.clock())
            wanted = max(1, _int(params.get("page"), 1))
            rows, total = await run_in_threadpool(
                lambda: console.archive.page(filters, limit=PAGE_SIZE, offset=(wanted - 1) * PAGE_SIZE))
            paging = Paging.of(wanted, total)
            if paging.page != wanted:  # past the last page: show the last one
                rows, total = await run_in_threadpool(
                    lambda: console.archive.page(filters, limit=PAGE_SIZE, offset=paging.offset))
        except (ArchiveQueryError, ValueError) as exc:
            error = str(exc)
        return page(request, "search.html", params=params, rows=rows, paging=paging, error=error)

    async def preview(request: Request) -> Response:
        days = 7
        if request.method == "GET":
            return page(request, "preview.html", result=None, text="", days=days)
        form = await request.form()
        upload = form.get("file")
        text, name = str(form.get("rules") or ""), previews.list_name(None)
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read(previews.MAX_BYTES + 1)
            text, name = data.decode("utf-8", "replace"), previews.list_name(upload.filename)
        days = min(max(_int(form.get("days"), 7), 1), 365)
        since = console.clock() - timedelta(days=days)
        result = await run_in_threadpool(previews.preview, text, name, console.archive, since)
        return page(request, "preview.html", result=result, text=text, days=days)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_page(request)
        form = await request.form()
        if not access.token_matches(str(form.get("token") or "")):
            return login_page(request, 401, "That token is not the console's.", str(form.get("next") or "/"))
        response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
        response.set_cookie(COOKIE, access.session, httponly=True, samesite="strict", path="/")
        return response

    async def logout(_request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def not_found(request: Request, _exc: Exception) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return page(request, "missing.html", 404, story_id=None)
        return PlainTextResponse("not found\n", status_code=404)

    routes = [
        Route("/", live),
        Route("/events", events),
        Route("/story", story),
        Route("/overview", overview),
        Route("/search", search),
        Route("/preview", preview, methods=["GET", "POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        *extra_routes,
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    return SecurityHeaders(local_hosts_only(Guard(app, access, login_page), access))


def _explain(console: Console, story) -> str:
    """What ``wirewatch explain`` prints for the story's rules that fired or came close."""
    from wirewatch.transforms.rulelang.explain import explain, render
    from wirewatch.transforms.rulelang.view import StoryView

    engine = console.matcher().engine
    explanations = explain(engine, StoryView(dataclasses.replace(story, matches=())))
    shown = {x.rule for x in explanations if x.fired or x.score is not None}
    return render([x for x in explanations if x.rule in shown], shown)


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _filters(params: Mapping[str, str], now: datetime) -> Filters:
    from wirewatch.pipelines.archivecli import moment

    def when(name: str) -> datetime | None:
        text = (params.get(name) or "").strip()
        if not text:
            return None
        try:
            return moment(text, now)
        except Exception as exc:  # argparse's ArgumentTypeError: the message says what is wrong
            raise ArchiveQueryError(f"{name}: {exc}") from None

    def many(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in (params.get(name) or "").split(",") if v.strip())

    return Filters(since=when("since"), until=when("until"), countries=tuple(c.upper() for c in many("country")),
                   regions=many("region"), rules=many("rule"), sources=many("source"),
                   text=params.get("text", ""), cluster=params.get("cluster") or None)
