"""HTTPS through our fetch layer against a local TLS server: the certificate is checked against the URL's
host name (sent as SNI) even though the connection goes to the address we resolved and checked."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from wirewatch.connectors.http.fetch import HttpClient
from wirewatch.connectors.http.model import FetchError, FetchResult, FetchSettings
from wirewatch.connectors.http.ssrf import AddressPolicy
from tests.connectors.http.helpers import NOW

BODY = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A throw-away CA and two server certificates it signed: one for localhost, one for another name."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=wirewatch test CA",
             "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"))
    for name in ("localhost", "elsewhere.example"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"))
        (d / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        _openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
                 "-CAcreateserial", "-days", "1", "-extfile", str(d / f"{name}.ext"), "-out", str(d / f"{name}.pem"))
    return d


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(pki: Path, request):
    name = request.param
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / f"{name}.pem", pki / f"{name}.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def _client(pki: Path, trust_test_ca: bool) -> HttpClient:
    tls = ssl.create_default_context(cafile=str(pki / "ca.pem")) if trust_test_ca else None
    return HttpClient(FetchSettings(), AddressPolicy.allowing("127.0.0.1/32"), clock=lambda: NOW, tls=tls)


@pytest.mark.parametrize("tls_server", ["localhost"], indirect=True)
def test_https_fetch_with_a_trusted_certificate(pki, tls_server):
    result = asyncio.run(_client(pki, True).fetch(f"https://localhost:{tls_server}/feed.xml"))
    assert isinstance(result, FetchResult), result
    assert result.status == 200 and result.body == BODY


@pytest.mark.parametrize("tls_server", ["elsewhere.example"], indirect=True)
def test_a_certificate_for_another_name_is_refused(pki, tls_server):
    result = asyncio.run(_client(pki, True).fetch(f"https://localhost:{tls_server}/feed.xml"))
    assert isinstance(result, FetchError)
    assert "certificate" in result.reason.lower() or "hostname" in result.reason.lower(), result.reason


@pytest.mark.parametrize("tls_server", ["localhost"], indirect=True)
def test_an_untrusted_certificate_authority_is_refused(pki, tls_server):
    result = asyncio.run(_client(pki, False).fetch(f"https://localhost:{tls_server}/feed.xml"))
    assert isinstance(result, FetchError)
    assert "certificate" in result.reason.lower(), result.reason
