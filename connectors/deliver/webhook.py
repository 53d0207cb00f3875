"""Webhooks: one signed POST per attempt (Standard Webhooks headers), through the fetch layer's SSRF guard,
deadlines and TLS checks. Redirects are not followed. 2xx is delivered; 410 means the endpoint is gone;
Retry-After is honoured on 429 and 503; anything else is retried. The URL is never logged (it may be a
credential, as Slack's are); reasons name the host only."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import datetime

from wirewatch.connectors.deliver import payloads, signing
from wirewatch.connectors.deliver.outcome import Outcome
from wirewatch.connectors.deliver.secrets import Secret, masked_url
from wirewatch.connectors.http.bodycap import BodyDecodeError, BodyTooLarge, CappedDecoder
from wirewatch.connectors.http.conn import Exchange, Head
from wirewatch.connectors.http.fetch import HttpClient, split_url
from wirewatch.connectors.http.model import FetchFailure, FetchSettings
from wirewatch.connectors.http.retryafter import parse_retry_after
from wirewatch.connectors.http.ssrf import AddressPolicy
from wirewatch.notices import Notice

USER_AGENT = "wirewatch/0.1 (alert webhooks)"
MAX_HEAD = 16 * 1024  # a receiver's response head; more is a misbehaving server
MAX_EXCERPT = 1024  # of an error response's body, quoted in the reason


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    url: Secret
    secrets: tuple[Secret, ...] = ()
    format: str = "standard"
    timeout: float = 10.0  # connect, each read, and the whole attempt
    ca_file: str | None = None  # trust this CA bundle instead of the system's (a private receiver)

    @property
    def target(self) -> str:
        return masked_url(self.url.value)


class WebhookChannel:
    kind = "webhook"

    def __init__(self, name: str, spec: WebhookSpec, policy: AddressPolicy) -> None:
        self.name, self.spec = name, spec
        settings = FetchSettings(connect_timeout=spec.timeout, read_timeout=spec.timeout, total_timeout=spec.timeout,
                                 max_header_bytes=MAX_HEAD, user_agent=USER_AGENT, per_host=8)
        tls = ssl.create_default_context(cafile=spec.ca_file) if spec.ca_file else None
        self.client = HttpClient(settings, policy, tls=tls)

    @property
    def target(self) -> str:
        return self.spec.target

    async def deliver(self, notice: Notice, delivery_id: str, now: datetime) -> Outcome:
        body = payloads.body(notice, self.spec.format)
        extra = signing.headers(delivery_id, now, body, self.spec.secrets)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.spec.timeout):
                head, excerpt = await self._post(body, extra)
        except TimeoutError:
            return Outcome("retry", f"{self.target}: no answer within {self.spec.timeout:g} s")
        except FetchFailure as failure:
            return _failure(self.target, failure)
        took = f"HTTP {head.status} in {(time.monotonic() - started) * 1000:.0f} ms"
        return _judge(self.target, head, excerpt, took, now)

    async def _post(self, body: bytes, extra: list[tuple[str, str]]) -> tuple[Head, str]:
        target = split_url(self.spec.url.value)
        reader, writer = await self.client.connect(target)
        try:
            exchange = Exchange(reader, writer, self.spec.timeout, MAX_HEAD)
            headers = [("Host", target.host_header), ("User-Agent", USER_AGENT), ("Content-Type", "application/json"),
                       ("Content-Length", str(len(body))), ("Connection", "close"), *extra]
            await exchange.send(target.request_target, headers, method="POST", body=body)
            head = await exchange.head()
            if sum(len(n) + len(v) + 4 for n, v in head.headers) > MAX_HEAD:  # h11 bounds only a head cut in pieces
                raise FetchFailure("protocol", "Receive buffer too long", True)
            excerpt = "" if 200 <= head.status < 300 else await _excerpt(exchange, head)
            return head, excerpt
        finally:
            writer.transport.abort()  # nothing more to read: a receiver streaming a huge body is not waited for

    def close(self) -> None:
        pass


async def _excerpt(exchange: Exchange, head: Head) -> str:
    """The start of an error response's body, for the reason; a larger body is not read."""
    try:
        data = await exchange.body(CappedDecoder(head.get("content-encoding"), MAX_EXCERPT))
    except BodyTooLarge:
        return f"(a body over {MAX_EXCERPT:,} bytes, not read)"
    except (BodyDecodeError, FetchFailure):
        return ""
    return data.decode("utf-8", "replace").strip()[:200]


def _judge(target: str, head: Head, excerpt: str, took: str, now: datetime) -> Outcome:
    status = head.status
    said = f": {excerpt}" if excerpt else ""
    if 200 <= status < 300:
        return Outcome.ok(took)
    if status == 410:
        return Outcome("gone", f"{target} answered 410 Gone: the receiver removed this webhook{said}", detail=took)
    retry_after = parse_retry_after(head.get("retry-after"), now) if status in (429, 503) else None
    wait = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
    hint = " (redirects are not followed: give the final URL)" if 300 <= status < 400 else ""
    return Outcome("retry", f"{target} answered HTTP {status}{wait}{hint}{said}", retry_after, took)


def _failure(target: str, failure: FetchFailure) -> Outcome:
    if failure.kind == "blocked":
        why = failure.reason.split(" (add it", 1)[0]
        return Outcome("failed", f"{target}: {why} (list it under 'allow' in the subscriptions file only if "
                                 "this receiver is meant to be internal)")
    if failure.kind == "url":
        return Outcome("failed", f"{target}: the webhook URL cannot be used ({failure.kind})")
    reason = failure.reason
    if "Receive buffer too long" in reason:
        reason = f"the response head is over {MAX_HEAD:,} bytes (a misbehaving receiver)"
    return Outcome("retry", f"{target}: {failure.kind}: {reason}")
