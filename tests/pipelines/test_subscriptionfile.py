"""The subscriptions file: what it may say, and every problem as file:line:column without showing a secret."""

from __future__ import annotations

import textwrap
from datetime import time, timedelta

import pytest

from tests.connectors.deliver.receivers import SECRET
from wirewatch.connectors.deliver.smtp import EmailSpec
from wirewatch.connectors.deliver.webhook import WebhookSpec
from wirewatch.pipelines.subscriptionfile import SubscriptionsError, load_subscriptions

GOOD = """\
allow: [127.0.0.1]
retry: {attempts: 5, first: 2s, cap: 1m}
subscribers:
  - id: ops-desk
    rules: [icbm, "nuclear-*"]
    severity: high
    countries: [kp, KR]
    regions: [Eastern Asia]
    sources: ["reuters"]
    min_score: 1.5
    schedule: daily
    digest_at: "08:30"
    timezone: Europe/Berlin
    quiet_hours: {from: "22:00", to: "07:00", except: critical}
    escalate: {stories: [5, 20], new_region: true}
    rate_limit: {max: 10, per: 1h}
    channels:
      - {type: webhook, url_env: HOOK_URL, secrets: [{env: HOOK_SECRET}, {file: old.key}]}
      - {type: webhook, url: "http://127.0.0.1:9/x", format: slack}
      - {type: email, host: smtp.example.org, from: ww@example.org, to: [desk@example.org],
         username: ww, password_env: SMTP_PASSWORD}
      - {type: kafka, topic: alerts.ops}
      - {type: file, dir: out, name: tail}
"""
ENV = {"HOOK_URL": "https://hooks.example.org/T0/B0/tok3n", "HOOK_SECRET": SECRET, "SMTP_PASSWORD": "pa55word"}


def write(tmp_path, text: str):
    path = tmp_path / "subscribers.yaml"
    path.write_text(textwrap.dedent(text))
    (tmp_path / "old.key").write_text(SECRET + "\n")
    return path


def test_a_full_file(tmp_path):
    subs = load_subscriptions(write(tmp_path, GOOD), ENV)
    (sub,) = subs.subscribers
    p = sub.policy
    assert p.selector.rules == ("icbm", "nuclear-*") and p.selector.min_severity == "high"
    assert p.filters.countries == {"KP", "KR"} and p.filters.min_score == 1.5
    assert (p.schedule.mode, p.schedule.at, str(p.schedule.tz)) == ("daily", time(8, 30), "Europe/Berlin")
    assert p.quiet.except_severity == "critical" and p.escalation.stories == (5, 20) and p.escalation.new_region
    assert p.rate.limit == 10 and p.rate.per == timedelta(hours=1)
    assert [c.name for c in sub.channels] == ["webhook", "webhook-2", "email", "kafka", "tail"]
    hook = sub.channels[0].spec
    assert isinstance(hook, WebhookSpec) and hook.url.value.endswith("tok3n") and len(hook.secrets) == 2
    assert subs.retry.attempts == 5 and subs.retry.first == 2 and subs.retry.cap == 60
    assert str(tmp_path / "old.key") in subs.read
    mail = sub.channels[2].spec
    assert isinstance(mail, EmailSpec) and mail.port == 587 and mail.password.value == "pa55word"
    shown = repr(subs)  # secrets never print, nor a URL that is one
    assert "tok3n" not in shown and "pa55word" not in shown and SECRET[6:] not in shown
    assert hook.target == "https://hooks.example.org/…"


@pytest.mark.parametrize("change, where, words", [
    (("schedule: daily", "schedule: weekly"), (11, 15), "'schedule' must be one of immediate, hourly, daily"),
    (("    min_score: 1.5", "    min_score: 1.5\n    colour: red"), (11, 5), "unknown subscriber key 'colour'"),
    (("timezone: Europe/Berlin", "timezone: Mars/Olympus"), (13, 15), "unknown time zone 'Mars/Olympus'"),
    (("stories: [5, 20]", "stories: [20, 5]"), (15, 25), "thresholds must be increasing"),
    (("{max: 10, per: 1h}", "{max: 10, per: soon}"), (16, 32), "'per' must be seconds or a duration"),
    (("url: \"http://127.0.0.1:9/x\"", "url: \"http://10.1.2.3/x\""), (19, 30), "10.1.2.3, a non-public address"),
    (("url: \"http://127.0.0.1:9/x\"", "url: \"ftp://127.0.0.1/x\""), (19, 30), "absolute http:// or https://"),
    (("url: \"http://127.0.0.1:9/x\"", "url: \"http://me:pw@127.0.0.1/x\""), (19, 30), "must not hold credentials"),
    (("format: slack", "format: teams"), (19, 62), "'format' must be one of standard, slack"),
    (("{file: old.key}", "{file: missing.key}"), (18, 81), "cannot read a signing secret"),
    (("password_env: SMTP_PASSWORD", "password_env: NOPE"), (21, 38), "environment variable 'NOPE'"),
    (("to: [desk@example.org]", "to: [desk]"), (20, 9), "'desk' is not an e-mail address"),
    (("topic: alerts.ops", "topic: alerts/ops"), (22, 30), "may hold only letters"),
    (("{type: file, dir: out, name: tail}", "{type: fax}"), (23, 16), "channel type must be one of"),
    (("name: tail", "name: kafka"), (23, 9), "two channels of 'ops-desk' are named 'kafka'"),
    (("rules: [icbm", "rules: [icbm, {a: b}"), (5, 19), "each of 'rules' must be non-empty text"),
    (("- id: ops-desk", "- id: 'ops desk'"), (4, 9), "subscriber id 'ops desk' must be"),
    (("quiet_hours: {from: \"22:00\"", "quiet_hours: {from: \"25:00\""), (14, 25), "a time of day"),
    (("subscribers:", "subscribers: ["), (4, 3), "not valid YAML"),
])
def test_every_problem_names_its_place(tmp_path, change, where, words):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(SubscriptionsError) as caught:
        load_subscriptions(path, ENV)
    message = str(caught.value)
    assert message.startswith(f"{path}:{where[0]}:{where[1]}: ") and words in message, message
    assert "tok3n" not in message and "pa55word" not in message


def test_a_secret_that_is_not_a_signing_key_is_refused_without_showing_it(tmp_path):
    with pytest.raises(SubscriptionsError) as caught:
        load_subscriptions(write(tmp_path, GOOD), dict(ENV, HOOK_SECRET="whsec_not*base64*at*all"))
    assert "signing secret (env HOOK_SECRET) is not base64" in str(caught.value)
    assert "not*base64" not in str(caught.value)


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(SubscriptionsError, match=r":1:1: the file is empty"):
        load_subscriptions(write(tmp_path, ""), ENV)
    with pytest.raises(SubscriptionsError, match="cannot read the subscriptions file"):
        load_subscriptions(tmp_path / "nope.yaml", ENV)
    with pytest.raises(SubscriptionsError, match=r":1:1: missing 'subscribers'"):
        load_subscriptions(write(tmp_path, "allow: []\n"), ENV)
    with pytest.raises(SubscriptionsError, match="needs 'channels'"):
        load_subscriptions(write(tmp_path, "subscribers:\n  - id: a\n"), ENV)
