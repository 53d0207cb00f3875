"""The example feed list in the repository loads with the real loader, documents every key, and its
commented-out credentials example is valid once uncommented."""

from __future__ import annotations

import re

from wirewatch.connectors.poll.config import load_feeds, parse_feeds
from tests.conftest import ROOT

EXAMPLE = ROOT / "feeds.example.yaml"
KEY = re.compile(r"^\s*(?:- )?([A-Za-z_]+):")


def test_the_example_loads_with_the_real_loader():
    feeds = load_feeds(EXAMPLE, environ={})
    assert [f.name for f in feeds.feeds] == ["bbc-world", "un-news", "npr-world"]
    assert all(f.url.startswith("https://") and f.credentials is None for f in feeds.feeds)
    bbc, un, npr = feeds.feeds
    assert (bbc.format, bbc.min_interval, bbc.max_interval) == ("rss", 300.0, 3600.0)  # own format, default pace
    assert (un.format, un.min_interval, un.max_interval) == ("auto", 900.0, 7200.0)
    assert npr.headers == (("Accept-Language", "en"),)
    assert feeds.allow == ()  # the local-testing allow-list stays commented out


def test_every_key_is_commented():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    keys = 0
    for number, line in enumerate(lines):
        if line.lstrip().startswith("#") or not KEY.match(line):
            continue
        keys += 1
        assert "#" in line or lines[number - 1].lstrip().startswith("#"), f"line {number + 1} has no comment: {line}"
    assert keys >= 10


def test_the_credentials_example_is_valid_once_uncommented():
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("#  - name: my-wire")
    uncommented = text[:start] + "".join(line[1:] + "\n" for line in text[start:].splitlines())
    feeds = parse_feeds(uncommented, str(EXAMPLE), {"MY_WIRE_PASSWORD": "s3cret"})
    wire = feeds.feeds[-1]
    assert wire.name == "my-wire" and wire.credentials is not None
    assert wire.credentials.kind == "basic" and wire.credentials.username == "newsroom"
    assert "s3cret" not in repr(wire)
