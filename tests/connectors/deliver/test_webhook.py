"""Webhook deliveries against a real local receiver; signatures checked with the `standardwebhooks` package,
an implementation independent of ours."""

from __future__ import annotations

import asyncio
import json
import ssl
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from tests.connectors.deliver.receivers import OLD_SECRET, SECRET, Answer, Receiver
from tests.connectors.http.test_tls import pki  # noqa: F401 (a fixture: a throw-away CA and localhost certificate)
from wirewatch.connectors.deliver.secrets import Secret
from wirewatch.connectors.deliver.webhook import MAX_HEAD, WebhookChannel, WebhookSpec
from wirewatch.connectors.http.ssrf import AddressPolicy
from wirewatch.notices import Notice
from wirewatch.records import Alert, Evidence

LOCAL = AddressPolicy.allowing("127.0.0.1")
ALERT = Alert(id="a1", rule="icbm", story_id="s1", cluster_id="c1", title="North Korea fires an ICBM",
              severity="high", score=3.0, countries=("KP",), regions=("Eastern Asia",), url="https://example.org/1",
              evidence=(Evidence("body", "It fired an ICBM on Monday.", ((12, 16),)),))


def notice(now: datetime) -> Notice:
    return Notice("alert:a1", "alert", "desk", now, ALERT)


def deliver(url: str, now: datetime | None = None, policy: AddressPolicy = LOCAL, **spec):
    now = now or datetime.now(timezone.utc)
    channel = WebhookChannel("hook", WebhookSpec(Secret(url), **spec), policy)
    return asyncio.run(channel.deliver(notice(now), "msg_1", now))


def test_a_delivery_is_signed_as_standard_webhooks_says_with_every_rotated_secret():
    with Receiver() as rx:
        outcome = deliver(rx.url, secrets=(Secret(SECRET), Secret(OLD_SECRET)))
    assert outcome.state == "delivered" and outcome.detail.startswith("HTTP 200")
    (got,) = rx.requests
    for secret in (SECRET, OLD_SECRET):  # a receiver holding either secret accepts it
        payload = Webhook(secret).verify(got.body, got.headers)
        assert payload["type"] == "wirewatch.alert" and payload["data"]["alert"]["id"] == "a1"
    assert got.headers["webhook-id"] == "msg_1" and got.headers["content-type"] == "application/json"
    with pytest.raises(Exception):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==").verify(got.body, got.headers)
    tampered = dict(got.headers, **{"webhook-id": "msg_2"})
    with pytest.raises(Exception):
        Webhook(SECRET).verify(got.body, tampered)


def test_slack_format_is_text_with_the_marked_words():
    with Receiver() as rx:
        assert deliver(rx.url, format="slack").state == "delivered"
    text = json.loads(rx.requests[0].body)["text"]
    assert "[high] icbm: North Korea fires an ICBM" in text and "It fired an *ICBM* on Monday." in text
    assert "https://example.org/1" in text


@pytest.mark.parametrize("answer, state, words", [
    (Answer(500, body=b"database down"), "retry", "HTTP 500: database down"),
    (Answer(429, (("Retry-After", "120"),)), "retry", "Retry-After 120 s"),
    (Answer(503, (("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),)), "retry", "Retry-After 0 s"),
    (Answer(410, body=b"unsubscribed"), "gone", "410 Gone"),
    (Answer(301, (("Location", "https://elsewhere.example/"),)), "retry", "redirects are not followed"),
    (Answer(500, body=b"x" * 5_000_000), "retry", "a body over 1,024 bytes, not read"),
    (Answer(200, body=b"x" * 50_000_000), "delivered", ""),  # accepted: the body is not read
    (Answer(200, tuple((f"X-Pad-{i}", "y" * 1000) for i in range(40))), "retry",
     f"response head is over {MAX_HEAD:,} bytes"),
])
def test_answers_become_outcomes(answer, state, words):
    with Receiver(lambda got, n: answer) as rx:
        outcome = deliver(rx.url)
    assert outcome.state == state and words in outcome.reason, outcome
    if words.startswith("Retry-After 120"):
        assert outcome.retry_after == 120


def test_a_receiver_that_does_not_answer_times_out():
    with Receiver(lambda got, n: Answer(hang=30)) as rx:
        outcome = deliver(rx.url, timeout=0.3)
    assert outcome.state == "retry" and "no answer within 0.3 s" in outcome.reason


def test_private_addresses_are_refused_without_a_request_and_the_url_is_never_shown():
    with Receiver() as rx:
        secret_path = rx.url + "/T000/B000/very-secret-token"
        outcome = deliver(secret_path, policy=AddressPolicy())
        assert rx.requests == []
    assert outcome.state == "failed" and "loopback" in outcome.reason and "'allow'" in outcome.reason
    assert "very-secret-token" not in outcome.reason and "/hook" not in outcome.reason


def test_a_closed_port_is_retried():
    with Receiver() as rx:
        url = rx.url
    outcome = deliver(url)
    assert outcome.state == "retry" and "connect" in outcome.reason


def test_https_receivers_have_their_certificate_checked(pki):  # noqa: F811
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "localhost.pem", pki / "localhost.key")
    with Receiver(tls=context, name="localhost") as rx:
        trusted = deliver(rx.url, ca_file=str(pki / "ca.pem"))
        unknown = deliver(rx.url)  # the system's CAs do not know the test CA
    assert trusted.state == "delivered" and len(rx.requests) == 1
    assert unknown.state == "retry" and "certificate" in unknown.reason
