"""The feed fetcher: GET a URL safely and return a FetchResult or a FetchError, never raise.

Per fetch it resolves the host itself, checks every address with the SSRF policy, connects to the checked
IP (sending the original Host header and TLS SNI), and repeats that on every redirect hop. It enforces a
connect deadline, a per-read deadline and a total deadline, a byte cap applied both on the wire and after
decompression, a redirect limit with loop detection, and at most ``per_host`` connections to one host.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable, Sequence
from urllib.parse import quote, urljoin, urlsplit

from wirewatch.connectors.http.bodycap import BodyDecodeError, BodyTooLarge, CappedDecoder
from wirewatch.connectors.http.hostlimit import HostLimiter
from wirewatch.connectors.http.conn import Exchange, Head, too_large, undecodable
from wirewatch.connectors.http.model import FetchError, FetchFailure, FetchResult, FetchSettings, Validators
from wirewatch.connectors.http.retryafter import parse_retry_after
from wirewatch.connectors.http.ssrf import AddressPolicy, IPAddress, parse_ip, permitted

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
Connector = Callable[
    [IPAddress, int, "ssl.SSLContext | None", "str | None"],
    Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
]
Clock = Callable[[], datetime]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRIABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_SAFE_PATH = "/%:@!$&'()*+,;=~-._?"


@dataclass(frozen=True, slots=True)
class Target:
    """A URL split into what one hop needs."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    request_target: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def split_url(url: str) -> Target:
    """Parse and validate a feed URL; raises FetchFailure("url") with a fixable reason."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchFailure("url", f"malformed URL {url!r}: {exc}", False) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchFailure("url", f"only http and https URLs can be fetched, not {scheme or 'no scheme'!r}", False)
    if parts.username is not None or parts.password is not None:
        raise FetchFailure("url", "credentials inside the URL are refused; put them in the feed's credentials", False)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchFailure("url", f"URL {url!r} has no host", False)
    if parse_ip(host) is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise FetchFailure("url", f"host {host!r} is not a valid domain name: {exc}", False) from exc
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    target = f"{path}?{quote(parts.query, safe=_SAFE_PATH)}" if parts.query else path
    return Target(url.strip(), scheme, host, port or (443 if scheme == "https" else 80), target)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for info in infos:
        ip = parse_ip(str(info[4][0]))
        if ip is not None and ip not in out:
            out.append(ip)
    return out


async def open_stream(
    ip: IPAddress, port: int, tls: ssl.SSLContext | None, server_hostname: str | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to exactly this IP; with TLS, SNI and certificate checks use the original host name."""
    return await asyncio.open_connection(str(ip), port, ssl=tls, server_hostname=server_hostname)


class HttpClient:
    """Fetches URLs under one FetchSettings and AddressPolicy. Safe to share across tasks of one loop."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        policy: AddressPolicy | None = None,
        *,
        resolver: Resolver = system_resolver,
        connector: Connector = open_stream,
        clock: Clock | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self.policy = policy or AddressPolicy()
        self._resolve, self._connect = resolver, connector
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._tls = tls
        self.limiter = HostLimiter(self.settings.per_host)

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    async def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        headers: Sequence[tuple[str, str]] = (),
        origin_headers: Sequence[tuple[str, str]] = (),
    ) -> FetchResult | FetchError:
        """GET ``url``. ``headers`` and ``origin_headers`` (credentials) go only to the original origin."""
        started = time.monotonic()
        redirects: list[str] = []
        try:
            return await self._follow(url, validators or Validators(), headers, origin_headers, started, redirects)
        except FetchFailure as failure:
            return FetchError(
                url,
                failure.kind,
                failure.reason,
                failure.retriable,
                failure.status,
                failure.retry_after,
                time.monotonic() - started,
                tuple(redirects),
            )

    async def _follow(
        self,
        url: str,
        validators: Validators,
        headers: Sequence[tuple[str, str]],
        origin_headers: Sequence[tuple[str, str]],
        started: float,
        redirects: list[str],
    ) -> FetchResult:
        s = self.settings
        first = split_url(url)
        current, seen = first, {first.url}
        permanent = True
        budget = s.total_timeout
        while True:
            extra = [*headers, *origin_headers] if current.origin == first.origin else []
            async with self.limiter.slot(current.host):
                hop_start = time.monotonic()
                try:
                    async with asyncio.timeout(budget):
                        head, body = await self._hop(current, validators, extra)
                except TimeoutError as exc:
                    raise FetchFailure(
                        "total_timeout",
                        f"the fetch took over its total deadline of {s.total_timeout:g}s (a slow or trickling server)",
                        True,
                    ) from exc
                budget -= time.monotonic() - hop_start
            if head.status in REDIRECTS:
                location = head.get("location")
                if not location:
                    raise FetchFailure(
                        "protocol", f"HTTP {head.status} redirect without a Location header", True, head.status
                    )
                if len(redirects) >= s.max_redirects:
                    raise FetchFailure(
                        "redirect", f"more than {s.max_redirects} redirects (last to {location})", False, head.status
                    )
                nxt = split_url(urljoin(current.url, location.strip()))
                if nxt.url in seen:
                    raise FetchFailure(
                        "redirect", f"redirect loop: {current.url} leads back to {nxt.url}", False, head.status
                    )
                if current.scheme == "https" and nxt.scheme == "http":
                    raise FetchFailure(
                        "redirect", f"refusing a downgrade redirect from https to {nxt.url}", False, head.status
                    )
                seen.add(nxt.url)
                redirects.append(nxt.url)
                permanent = permanent and head.status in (301, 308)
                current = nxt
                continue
            if head.status == 304 or 200 <= head.status < 300:
                return FetchResult(
                    url=first.url,
                    final_url=current.url,
                    status=head.status,
                    body=body,
                    headers=head.headers,
                    validators=Validators(head.get("etag"), head.get("last-modified")),
                    elapsed=time.monotonic() - started,
                    fetched=self._clock(),
                    redirects=tuple(redirects),
                    permanent=permanent,
                )
            raise _status_failure(head, self._clock())

    async def _hop(self, target: Target, validators: Validators, extra: list[tuple[str, str]]) -> tuple[Head, bytes]:
        s = self.settings
        reader, writer = await self._open(target)
        clean = False
        try:
            exchange = Exchange(reader, writer, s.read_timeout, s.max_header_bytes)
            await exchange.send(target.request_target, self._request_headers(target, validators, extra))
            head = await exchange.head()
            body = b""
            if 200 <= head.status < 300:
                body = await self._body(exchange, head)
            clean = True
            return head, body
        finally:
            if clean:
                writer.close()
            else:
                writer.transport.abort()  # stop the server mid-send; no point draining a refused body

    async def _body(self, exchange: Exchange, head: Head) -> bytes:
        cap = self.settings.max_bytes
        length = head.get("content-length")
        if length and length.strip().isdigit() and int(length) > cap:
            raise FetchFailure(
                "too_large", f"server announced {int(length):,} bytes, over the {cap:,}-byte cap", False, head.status
            )
        try:
            return await exchange.body(CappedDecoder(head.get("content-encoding"), cap))
        except BodyTooLarge as exc:
            raise too_large(exc) from exc
        except BodyDecodeError as exc:
            raise undecodable(exc) from exc

    def _request_headers(
        self, target: Target, validators: Validators, extra: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        s = self.settings
        out = [
            ("Host", target.host_header),
            ("User-Agent", s.user_agent),
            ("Accept", s.accept),
            ("Accept-Encoding", "gzip, deflate"),
            ("Connection", "close"),
            *validators.request_headers(),
        ]
        fixed = {name.lower() for name, _ in out}
        out.extend((n, v) for n, v in extra if n.lower() not in fixed)
        return out

    async def connect(self, target: Target) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to ``target`` under this client's SSRF policy, deadlines and TLS checks, for requests
        other than the fetch's GET (a webhook's POST); raises FetchFailure."""
        return await self._open(target)

    async def _open(self, target: Target) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        s = self.settings
        literal = parse_ip(target.host)
        try:
            addresses = (
                [literal]
                if literal
                else await asyncio.wait_for(self._resolve(target.host, target.port), s.connect_timeout)
            )
        except TimeoutError as exc:
            raise FetchFailure("dns", f"resolving {target.host} took over {s.connect_timeout:g}s", True) from exc
        except OSError as exc:
            raise FetchFailure("dns", f"cannot resolve {target.host}: {exc}", True) from exc
        allowed, refused = permitted(target.host, addresses, self.policy)
        if not allowed:
            raise FetchFailure("blocked", refused[0] if refused else f"{target.host} resolved to no address", False)
        tls = self._tls_context() if target.scheme == "https" else None
        last: FetchFailure | None = None
        for ip in allowed:
            try:
                return await asyncio.wait_for(
                    self._connect(ip, target.port, tls, target.host if tls else None), s.connect_timeout
                )
            except TimeoutError:
                last = FetchFailure(
                    "connect_timeout", f"connecting to {target.host} ({ip}) took over {s.connect_timeout:g}s", True
                )
            except ssl.SSLCertVerificationError as exc:
                raise FetchFailure(
                    "tls", f"TLS certificate of {target.host} failed verification: {exc.verify_message}", False
                ) from exc
            except ssl.SSLError as exc:
                last = FetchFailure("tls", f"TLS handshake with {target.host} failed: {exc}", True)
            except OSError as exc:
                last = FetchFailure(
                    "connect", f"cannot connect to {target.host} ({ip}:{target.port}): {exc.strerror or exc}", True
                )
        assert last is not None
        raise last


def _status_failure(head: Head, now: datetime) -> FetchFailure:
    status = head.status
    retry_after = parse_retry_after(head.get("retry-after"), now) if status in (429, 503) else None
    hints = {
        401: "the feed needs credentials, or they are wrong",
        403: "the server refuses us; check credentials or whether it blocks our User-Agent",
        404: "the feed URL is wrong or the feed was removed",
        410: "the feed was removed for good; drop it from the feed list",
        429: "the server rate-limits us; we wait as it asks",
        503: "the server is unavailable; we wait and retry",
    }
    hint = hints.get(status, "server error, retried with backoff" if status >= 500 else "the request was refused")
    wait = f" (Retry-After {retry_after:g}s)" if retry_after is not None else ""
    retriable = status in RETRIABLE_STATUS or status >= 500
    return FetchFailure("status", f"HTTP {status}: {hint}{wait}", retriable, status, retry_after)
