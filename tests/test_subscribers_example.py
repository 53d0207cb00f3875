"""The example subscriptions file in the repository loads with the real loader and comments every key."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.connectors.deliver.receivers import SECRET
from wirewatch.pipelines.subscriptionfile import load_subscriptions

EXAMPLE = ROOT / "subscribers.example.yaml"
KEY = re.compile(r"^\s*(?:- )?([A-Za-z_]+):")
ENV = {"OPS_HOOK_URL": "https://hooks.example.org/wirewatch", "OPS_HOOK_SECRET": SECRET,
       "CHAT_HOOK_URL": "https://chat.example.org/hooks/abc", "SMTP_PASSWORD": "pw"}


def test_the_example_loads_with_the_real_loader():
    subs = load_subscriptions(EXAMPLE, environ=ENV)
    assert [s.id for s in subs.subscribers] == ["ops-desk", "morning-brief"]
    ops, morning = subs.subscribers
    assert [c.name for c in ops.channels] == ["ops-hook", "chat", "email", "kafka", "file"]
    assert morning.policy.schedule.mode == "daily" and subs.allow == () and subs.retry.attempts == 12


def test_every_key_line_is_commented():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    bare = [n + 1 for n, line in enumerate(lines)
            if KEY.match(line) and not line.lstrip().startswith("#") and "#" not in line
            and not (n and lines[n - 1].lstrip().startswith("#"))]
    assert bare == [], f"key lines without a comment: {bare}"
