"""The SSRF guard: which addresses are refused, and that the client connects only to checked addresses.

No test here sends a packet anywhere but 127.0.0.1: fetches that must be refused go through a connector
that fails the test if it is ever asked for another address.
"""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from wirewatch.connectors.http.fetch import HttpClient, open_stream
from wirewatch.connectors.http.model import FetchError, FetchResult, FetchSettings
from wirewatch.connectors.http.ssrf import AddressPolicy, address_problem
from tests.connectors.http.helpers import LOCAL, NOW, client, fetch
from tests.connectors.http.servers import LocalServer, send

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",
    "64:ff9b::a9fe:a9fe",
    "2001:db8::1",
]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("text", REFUSED)
def test_non_public_addresses_are_refused(text: str) -> None:
    ip = ipaddress.ip_address(text)
    assert address_problem(ip) is not None
    reason = AddressPolicy().refusal("feeds.example", ip)
    assert reason is not None and "SSRF guard" in reason and str(ip) in reason


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_pass(text: str) -> None:
    assert AddressPolicy().refusal("feeds.example", ipaddress.ip_address(text)) is None


def test_allow_list_by_network_and_by_host() -> None:
    policy = AddressPolicy.allowing("127.0.0.1/32", "10.9.0.0/16", "wire.internal")
    assert policy.refusal("x", ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal("x", ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert policy.refusal("x", ipaddress.ip_address("10.9.8.7")) is None
    assert policy.refusal("wire.internal", ipaddress.ip_address("192.168.0.5")) is None
    assert policy.refusal("x", ipaddress.ip_address("127.0.0.2")) is not None
    assert policy.refusal("x", ipaddress.ip_address("169.254.169.254")) is not None


class OnlyLoopbackOne:
    """A connector that connects to 127.0.0.1 only and records every address it was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, ip, port, tls, server_hostname):
        self.asked.append(str(ip))
        if str(ip) != "127.0.0.1":
            raise AssertionError(f"the client tried to connect to {ip}")
        return await open_stream(ip, port, tls, server_hostname)


def guarded_client(resolver=None, policy: AddressPolicy = LOCAL) -> tuple[HttpClient, OnlyLoopbackOne]:
    connector = OnlyLoopbackOne()
    options = {"resolver": resolver} if resolver else {}
    return HttpClient(FetchSettings(), policy, connector=connector, clock=lambda: NOW, **options), connector


def test_loopback_is_refused_without_an_allow_list(server: LocalServer) -> None:
    server.routes["/f"] = lambda h: send(h, 200, b"secret")
    result = asyncio.run(HttpClient().fetch(server.url("/f")))
    assert isinstance(result, FetchError) and result.kind == "blocked" and not result.retriable
    assert "loopback" in result.reason
    assert server.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://127.0.0.2:{port}/",
        "http://[::ffff:127.0.0.2]:{port}/",
        "http://[::1]:{port}/",
        "http://0.0.0.0:{port}/",
    ],
)
def test_redirect_to_a_private_address_is_refused(server: LocalServer, location: str) -> None:
    server.routes["/f"] = lambda h: send(h, 302, headers={"Location": location.format(port=server.port)})
    c, connector = guarded_client()
    result = asyncio.run(c.fetch(server.url("/f")))
    assert isinstance(result, FetchError) and result.kind == "blocked"
    assert connector.asked == ["127.0.0.1"]  # the first hop only; the redirect target was never dialled


def test_redirect_to_a_name_that_resolves_privately_is_refused(server: LocalServer) -> None:
    async def resolver(host: str, port: int):
        return [ipaddress.ip_address("10.0.0.5")] if host == "intranet.example" else []

    server.routes["/f"] = lambda h: send(h, 302, headers={"Location": "http://intranet.example/admin"})
    c, connector = guarded_client(resolver)
    result = asyncio.run(c.fetch(server.url("/f")))
    assert isinstance(result, FetchError) and result.kind == "blocked" and "intranet.example" in result.reason
    assert connector.asked == ["127.0.0.1"]


def test_connects_to_the_checked_address_with_the_original_host_header(server: LocalServer) -> None:
    # DNS rebinding: the name answers 127.0.0.1 (allowed) once, then 10.0.0.1. The client resolves once
    # per hop, checks that answer and dials exactly it, so the second answer cannot reach a connect.
    answers = [["127.0.0.1"], ["10.0.0.1"]]
    calls: list[str] = []

    async def rebinding(host: str, port: int):
        calls.append(host)
        return [ipaddress.ip_address(a) for a in answers[min(len(calls), 2) - 1]]

    server.routes["/f"] = lambda h: send(h, 200, b"feed")
    c, connector = guarded_client(rebinding)
    url = f"http://feeds.example.test:{server.port}/f"
    first = asyncio.run(c.fetch(url))
    assert isinstance(first, FetchResult) and first.body == b"feed"
    assert server.requests[0].headers["host"] == f"feeds.example.test:{server.port}"
    second = asyncio.run(c.fetch(url))
    assert isinstance(second, FetchError) and second.kind == "blocked"
    assert connector.asked == ["127.0.0.1"] and calls == ["feeds.example.test", "feeds.example.test"]


def test_mixed_answers_use_only_the_allowed_address(server: LocalServer) -> None:
    async def mixed(host: str, port: int):
        return [ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("127.0.0.1")]

    server.routes["/f"] = lambda h: send(h, 200, b"feed")
    c, connector = guarded_client(mixed)
    result = asyncio.run(c.fetch(f"http://feeds.example.test:{server.port}/f"))
    assert isinstance(result, FetchResult) and connector.asked == ["127.0.0.1"]


@pytest.mark.parametrize(
    "url, words",
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.org/x", "only http and https"),
        ("http://user:pw@127.0.0.1/", "credentials inside the URL"),
        ("http:///nohost", "no host"),
        ("http://127.0.0.1:99999/", "malformed URL"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url: str, words: str) -> None:
    result = fetch(client(), url)
    assert isinstance(result, FetchError) and result.kind == "url" and words in result.reason


def test_credentials_do_not_follow_a_redirect_to_another_origin(server: LocalServer) -> None:
    with LocalServer() as other:
        other.routes["/f"] = lambda h: send(h, 200, b"feed")
        server.routes["/f"] = lambda h: send(h, 302, headers={"Location": other.url("/f")})
        c = client()
        result = asyncio.run(
            c.fetch(server.url("/f"), headers=[("X-Key", "k")], origin_headers=[("Authorization", "Bearer s")])
        )
        assert isinstance(result, FetchResult)
        assert server.requests[0].headers["authorization"] == "Bearer s"
        assert "authorization" not in other.requests[0].headers and "x-key" not in other.requests[0].headers
