"""E-mail through a real local SMTP server (aiosmtpd): plain, STARTTLS with login, implicit TLS; the message's
text and HTML parts; refusals and an absent server."""

from __future__ import annotations

import asyncio
import email
import ssl
from datetime import datetime, timezone
from email import policy as email_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.connectors.deliver.test_webhook import ALERT
from tests.connectors.http.test_tls import pki  # noqa: F401 (a fixture: a throw-away CA and localhost certificate)
from tests.kafkakit import free_port
from wirewatch.connectors.deliver.secrets import Secret
from wirewatch.connectors.deliver.smtp import EmailChannel, EmailSpec
from wirewatch.notices import Notice

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Inbox:
    def __init__(self, refuse: str | None = None) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.logins: list[tuple[str, str]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 (aiosmtpd's naming)
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email_policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)


def server(inbox: Inbox, **kwargs) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def spec(port: int, **more) -> EmailSpec:
    return EmailSpec(host=more.pop("host", "127.0.0.1"), to=("desk@example.org",), sender="wirewatch@example.org",
                     port=port, **{"tls": "none", **more})


def send(s: EmailSpec, notice: Notice | None = None):
    channel = EmailChannel("mail", s)
    return asyncio.run(channel.deliver(notice or Notice("alert:a1", "alert", "desk", NOW, ALERT), "msg_42", NOW))


def test_one_message_with_text_and_html_and_the_matched_words_marked():
    inbox = Inbox()
    smtp = server(inbox)
    try:
        outcome = send(spec(smtp.port))
    finally:
        smtp.stop()
    assert outcome.state == "delivered"
    (rcpt, msg), = inbox.messages
    assert rcpt == ["desk@example.org"] and msg["Message-ID"] == "<msg_42@wirewatch>"
    assert msg["Subject"] == "[high] icbm: North Korea fires an ICBM"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "It fired an «ICBM» on Monday." in text and "KP · Eastern Asia" in text and "https://example.org/1" in text
    assert "It fired an <mark>ICBM</mark> on Monday." in html and 'href="https://example.org/1"' in html


def test_a_digest_is_one_message():
    inbox = Inbox()
    smtp = server(inbox)
    entries = tuple(Notice(f"alert:{i}", "alert", "desk", NOW, ALERT) for i in range(3))
    try:
        outcome = send(spec(smtp.port), Notice("digest:desk:1", "digest", "desk", NOW, None, "daily digest", entries, 4))
    finally:
        smtp.stop()
    assert outcome.state == "delivered" and len(inbox.messages) == 1
    msg = inbox.messages[0][1]
    assert msg["Subject"] == "wirewatch digest: 7 alert(s) for desk"
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith("Daily digest (7 in this digest)") and text.count("[high] icbm") == 3
    assert "… and 4 more" in text


def _tls_context(pki: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "localhost.pem", pki / "localhost.key")
    return context


def test_starttls_and_login_with_the_certificate_checked(pki):  # noqa: F811
    inbox = Inbox()
    smtp = server(inbox, tls_context=_tls_context(pki), require_starttls=True, authenticator=inbox.authenticate,
                  auth_required=True)
    try:
        good = send(spec(smtp.port, host="localhost", tls="starttls", username="wire", password=Secret("s3cret"),
                         ca_file=str(pki / "ca.pem")))
        wrong = send(spec(smtp.port, host="localhost", tls="starttls", username="wire", password=Secret("nope"),
                          ca_file=str(pki / "ca.pem")))
        untrusted = send(spec(smtp.port, host="localhost", tls="starttls", username="wire", password=Secret("s3cret")))
    finally:
        smtp.stop()
    assert good.state == "delivered" and len(inbox.messages) == 1 and ("wire", "s3cret") in inbox.logins
    assert wrong.state == "failed" and "535" in wrong.reason and "nope" not in wrong.reason, wrong
    assert untrusted.state == "retry" and "certificate" in untrusted.reason


def test_implicit_tls(pki):  # noqa: F811
    inbox = Inbox()
    smtp = server(inbox, ssl_context=_tls_context(pki))
    try:
        outcome = send(spec(smtp.port, host="localhost", tls="implicit", ca_file=str(pki / "ca.pem")))
    finally:
        smtp.stop()
    assert outcome.state == "delivered" and len(inbox.messages) == 1


@pytest.mark.parametrize("refusal, state", [("550 5.1.1 no such mailbox", "failed"), ("451 4.3.0 try later", "retry")])
def test_a_refused_recipient(refusal, state):
    inbox = Inbox(refuse=refusal)
    smtp = server(inbox)
    try:
        outcome = send(spec(smtp.port))
    finally:
        smtp.stop()
    assert outcome.state == state and refusal.split()[0] in outcome.reason and inbox.messages == []


def test_no_server_is_retried():
    outcome = send(spec(free_port(), timeout=2.0))
    assert outcome.state == "retry" and "ConnectionRefused" in outcome.reason
