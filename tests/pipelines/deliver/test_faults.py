"""Receivers that are gone (410), private, or never recover; a subscriptions file that turns bad: clear
errors for the subscriber concerned, and the other subscribers unaffected."""

from __future__ import annotations

import logging

import orjson

from tests.connectors.deliver.receivers import Answer, Receiver
from tests.pipelines.deliver.kit import Clock, ListDeadLetters, ListSource, alert, subscriptions
from wirewatch.connectors.deliver.store import Store
from wirewatch.pipelines.deliver import Deliverer, DeliverySettings

def hooks(allow: str = "127.0.0.1", attempts: int = 3, **urls: str) -> str:
    """A subscriptions file: one subscriber per keyword, each with one webhook."""
    lines = [f"allow: [{allow}]", f"retry: {{attempts: {attempts}, first: 10s, cap: 10s}}", "subscribers:"]
    for subscriber, url in urls.items():
        lines += [f"  - id: {subscriber}", f'    channels: [{{type: webhook, url: "{url}"}}]']
    return "\n".join(lines) + "\n"


def deliverer(tmp_path, text: str, **kw) -> tuple[Deliverer, Clock, ListSource, ListDeadLetters]:
    clock, source, dead = Clock(), ListSource(), ListDeadLetters()
    path = subscriptions(tmp_path, text)
    return Deliverer(str(path), Store(tmp_path / "state.sqlite"), source, dead, clock=clock, **kw), clock, source, dead


def steps(d: Deliverer, clock: Clock, n: int, every: float = 1) -> None:
    for _ in range(n):
        d.step()
        clock.advance(every)


def subscribers_of(rx: Receiver) -> list[str]:
    return [orjson.loads(r.body)["data"]["subscriber"] for r in rx.requests]


def test_a_410_disables_that_subscribers_webhook_only_and_says_so(tmp_path, caplog):
    with Receiver(lambda got, n: Answer(410, body=b"no such hook")) as gone, Receiver() as fine:
        d, clock, source, dead = deliverer(tmp_path, hooks(gone=gone.url, fine=fine.url))
        source.add(alert(1))
        with caplog.at_level(logging.ERROR, "wirewatch.deliver"):
            steps(d, clock, 3)
        source.add(alert(2), alert(3))
        steps(d, clock, 3)
        d.close()
    assert len(gone.requests) == 1  # disabled after the first 410: nothing more is sent there
    assert subscribers_of(fine) == ["fine"] * 3
    reasons = [r["reason"] for _, r in dead.records]
    assert len(reasons) == 3 and "answered 410 Gone" in reasons[0] and "no such hook" in reasons[0]
    assert all("the channel is disabled" in r for r in reasons[1:])
    assert any("receiver gone: channel disabled" in r.message for r in caplog.records)


def test_a_new_url_for_a_disabled_webhook_enables_it_again(tmp_path):
    with Receiver(lambda got, n: Answer(410)) as gone, Receiver() as fine:
        d, clock, source, dead = deliverer(tmp_path, hooks(gone=gone.url, fine=fine.url))
        source.add(alert(1))
        steps(d, clock, 2)
        (tmp_path / "subscribers.yaml").write_text(hooks(gone=fine.url + "?new", fine=fine.url))
        source.add(alert(2))
        steps(d, clock, 4)
        d.close()
    assert sorted(subscribers_of(fine)) == ["fine", "fine", "gone"]


def test_a_private_address_and_a_receiver_that_never_recovers_become_dead_letters_with_the_reason(tmp_path):
    with Receiver(lambda got, n: Answer(503, body=b"maintenance"), "127.0.0.2") as down, Receiver() as local, \
            Receiver(host="127.0.0.2") as fine:
        port = local.url.split(":")[2].split("/")[0]
        text = hooks("127.0.0.2", private=f"http://localhost:{port}/hook/secret-token", down=down.url, fine=fine.url)
        d, clock, source, dead = deliverer(tmp_path, text)
        source.add(alert(1))
        steps(d, clock, 30)
        d.close()
    reasons = {r["subscriber"]: r["reason"] for _, r in dead.records}
    assert "resolves to 127.0.0.1, a loopback address, which the SSRF guard refuses" in reasons["private"]
    assert "secret-token" not in reasons["private"]
    assert reasons["down"].startswith("gave up after 3 attempts: ") and "HTTP 503: maintenance" in reasons["down"]
    assert len(down.requests) == 3 and subscribers_of(fine) == ["fine"] and local.requests == []
    assert {k for k, _ in dead.records} == {r["id"] for _, r in dead.records}  # keyed by delivery id


def test_a_bad_new_subscriptions_file_is_refused_and_the_old_one_kept(tmp_path, caplog):
    with Receiver() as rx:
        d, clock, source, dead = deliverer(tmp_path, hooks(gone=rx.url, fine=rx.url))
        (tmp_path / "subscribers.yaml").write_text(hooks(gone=rx.url, fine=rx.url).replace("id: fine", "id: [fine"))
        clock.advance(5)
        with caplog.at_level(logging.ERROR, "wirewatch.deliver"):
            d.step()
        source.add(alert(1))
        steps(d, clock, 2)
        (tmp_path / "subscribers.yaml").write_text(hooks(gone=rx.url, new=rx.url))
        clock.advance(5)
        source.add(alert(2))
        steps(d, clock, 2)
        d.close()
    (refused,) = [r for r in caplog.records if "not valid; keeping the previous version" in r.message]
    assert "subscribers.yaml:7:" in refused.error
    assert sorted(subscribers_of(rx)) == ["fine", "gone", "gone", "new"]


def test_health_fails_while_an_undelivered_alert_is_older_than_the_bound(tmp_path):
    with Receiver(lambda got, n: Answer(500)) as rx:
        d, clock, source, _ = deliverer(tmp_path, hooks(attempts=100, gone=rx.url, fine=rx.url),
                                        settings=DeliverySettings(unhealthy_after=60))
        source.add(alert(1, alerted=clock.now))
        steps(d, clock, 60)
        ok, text = d.health()
        assert ok and "2 pending (2 retrying)" in text
        steps(d, clock, 2)
        ok, text = d.health()
        d.close()
    assert not ok and "oldest undelivered alert 61 s old (over 60 s)" in text
