"""Who may use the console. Bound to 127.0.0.1 (or ::1, localhost) it is open to this machine, and only
Host headers naming it are answered (a web page elsewhere cannot rebind a name to it). Bound anywhere else
it needs a token: an ``Authorization: Bearer`` header, or the cookie the login page sets. Tokens are
compared in constant time; the cookie holds a digest of the token, never the token. A form posted from
another origin is refused. /metrics and /health (no story text) and the static files stay open."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
COOKIE = "wirewatch_session"
OPEN_PATHS = ("/metrics", "/health", "/healthz", "/static/", "/login")
MIN_TOKEN_CHARS = 16


class ConsoleConfigError(ValueError):
    """The console cannot be served as configured (no token on a non-local address). Not retriable."""

    retriable = False


@dataclass(frozen=True)
class Access:
    host: str
    token: str | None = None

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise ConsoleConfigError(f"the console token must be at least {MIN_TOKEN_CHARS} characters")
        if not self.local and not self.token:
            raise ConsoleConfigError(
                f"the console on {self.host} (not this machine only) needs a token: --token-file FILE or "
                "$WIREWATCH_CONSOLE_TOKEN")

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS

    @property
    def session(self) -> str:
        """The cookie's value: a digest of the token, so the cookie never carries the token itself."""
        return hmac.new((self.token or "").encode(), b"wirewatch console session", hashlib.sha256).hexdigest()

    def allows(self, request: Request) -> bool:
        if not self.token:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return True
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), self.session.encode())

    def token_matches(self, given: str) -> bool:
        return bool(self.token) and hmac.compare_digest(given.encode(), (self.token or "").encode())


def same_origin(request: Request) -> bool:
    """Whether a form post comes from a page of this console (browsers send Origin on every POST)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site post: a script with its own headers
    return urlsplit(origin).netloc == request.headers.get("host", "")


class Guard:
    """ASGI middleware: refuses what ``Access`` does not allow, before any route runs."""

    def __init__(self, app: ASGIApp, access: Access, login_page) -> None:
        self.app, self.access, self.login_page = app, access, login_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        refusal: Response | None = None
        if request.method not in ("GET", "HEAD") and not same_origin(request):
            refusal = PlainTextResponse("refused: a form posted from another site\n", status_code=403)
        elif not path.startswith(OPEN_PATHS) and not self.access.allows(request):
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                refusal = self.login_page(request, status_code=401)
            else:
                refusal = PlainTextResponse("refused: this console needs its token\n", status_code=401,
                                            headers={"WWW-Authenticate": "Bearer"})
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def local_hosts_only(app: ASGIApp, access: Access) -> ASGIApp:
    """On a local bind, answer only requests whose Host names this machine (DNS rebinding)."""
    if not access.local:
        return app
    return TrustedHostMiddleware(app, allowed_hosts=list(LOCAL_HOSTS) + ["[::1]"])


class SecurityHeaders:
    """No framing, no sniffing, no referrer to other sites, and a policy that runs only the console's own script."""

    HEADERS = [
        (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                     b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
                                     b"form-action 'self'; base-uri 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),  # no-referrer would make browsers post "Origin: null"
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)
