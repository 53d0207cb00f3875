"""The feed list: a good file loads, every mistake names its file:line, and secrets never print."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from wirewatch.connectors.poll.config import ConfigError, load_feeds
from wirewatch.errors import LocatedError

GOOD = """\
defaults:
  min_interval: 2m
  max_interval: 1h
allow: [127.0.0.1]
feeds:
  - name: voa-asia
    url: https://example.org/asia.rss
    format: rss
  - name: paid-wire
    url: https://wire.example.com/v1/items
    format: ninjs
    min_interval: 30
    max_interval: 15m
    headers: {X-Client: wirewatch, X-Version: 2}
    credentials: {type: basic, username: newsroom, password_env: WIRE_PASSWORD}
  - name: token-wire
    url: https://api.example.net/feed
    credentials: {type: bearer, token: tok-SECRET-123}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    feeds = load_feeds(write(tmp_path, GOOD), {"WIRE_PASSWORD": "pw-SECRET-456"})
    assert feeds.allow == ("127.0.0.1",)
    voa, wire, token = feeds.feeds
    assert (voa.min_interval, voa.max_interval, voa.format) == (120.0, 3600.0, "rss")
    assert (wire.min_interval, wire.max_interval) == (30.0, 900.0)
    assert wire.headers == (("X-Client", "wirewatch"), ("X-Version", "2"))
    assert wire.auth_headers() == [("Authorization", "Basic bmV3c3Jvb206cHctU0VDUkVULTQ1Ng==")]
    assert token.auth_headers() == [("Authorization", "Bearer tok-SECRET-123")]
    assert token.format == "auto"


def test_secrets_never_print(tmp_path: Path) -> None:
    feeds = load_feeds(write(tmp_path, GOOD), {"WIRE_PASSWORD": "pw-SECRET-456"})
    for text in (repr(feeds), str(feeds), repr(feeds.feeds[1].credentials), f"{feeds.feeds[2]}"):
        assert "SECRET" not in text
    assert "***" in repr(feeds.feeds[1])


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("feeds:\n  - name: a\n    url: https://x.org/\n    intervall: 5m\n", 4, "unknown feed key 'intervall'"),
        ("feedz: []\n", 1, "unknown top-level key 'feedz'"),
        (
            "defaults:\n  url: https://x.org\nfeeds: [{name: a, url: 'https://x.org'}]\n",
            2,
            "unknown defaults key 'url'",
        ),
        (
            "feeds:\n  - name: a\n    url: https://x.org/\n  - name: a\n    url: https://y.org/\n",
            4,
            "duplicate feed name 'a'",
        ),
        ("feeds:\n  - name: a\n    url: ftp://x.org/\n", 3, "must be an absolute http"),
        ("feeds:\n  - name: a\n    url: https://x.org/\n    format: rss9\n", 4, "unknown format 'rss9'"),
        (
            "feeds:\n  - name: a\n    url: https://x.org/\n    min_interval: 2h\n    max_interval: 1h\n",
            5,
            "below min_interval",
        ),
        ("feeds:\n  - name: a\n    url: https://x.org/\n    min_interval: soon\n", 4, "duration like 90s"),
        (
            "feeds:\n  - name: a\n    url: https://x.org/\n"
            "    credentials: {type: basic, username: u, password_env: NOPE}\n",
            4,
            "'NOPE' named by 'password_env' is not set",
        ),
        (
            "feeds:\n  - name: a\n    url: https://x.org/\n    credentials: {type: bearer, token: t, token_env: T}\n",
            4,
            "exactly one of 'token' or 'token_env'",
        ),
        (
            "feeds:\n  - name: a\n    url: https://x.org/\n    credentials: {type: basic, username: u, pasword: p}\n",
            4,
            "unknown basic credentials key 'pasword'",
        ),
        ("feeds:\n  - name: a\n    name: b\n    url: https://x.org/\n", 3, "duplicate key 'name'"),
        ("feeds:\n  - name: a\n    url: [unclosed\n", 4, "not valid YAML"),
        ("feeds: []\n", 1, "non-empty list"),
        ("- just a list\n", 1, "must be a mapping"),
    ],
)
def test_mistakes_fail_fast_with_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_feeds(path, {})
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message, message
    assert caught.value.retriable is False


def test_a_quote_never_closed_is_reported_where_it_opens(tmp_path: Path) -> None:
    """The feed list reads YAML as watch lists do (wirewatch.yamlsource): not at the end of the file."""
    path = write(tmp_path, "feeds:\n  - name: a\n    url: \"https://x.org/\n  - name: b\n    url: https://y.org/\n")
    with pytest.raises(ConfigError) as caught:
        load_feeds(path, {})
    assert str(caught.value) == f"{path}:3:10: not valid YAML: the quote that opens here is never closed"
    assert isinstance(caught.value, LocatedError)


def test_a_secret_in_a_bad_value_is_not_echoed(tmp_path: Path) -> None:
    text = "feeds:\n  - name: a\n    url: https://x.org/\n    credentials: {type: bearer, token: ['SECRET']}\n"
    with pytest.raises(ConfigError) as caught:
        load_feeds(write(tmp_path, text), {})
    assert "SECRET" not in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the feed list"):
        load_feeds(tmp_path / "absent.yaml")
