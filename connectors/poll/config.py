"""The feed list: a YAML file of feeds to poll, validated strictly (unknown keys fail with file:line).

    defaults:                 # optional; any per-feed key below except name and url
      min_interval: 5m
      max_interval: 1h
    allow: [127.0.0.1]        # optional; SSRF allow-list (CIDRs or host names), for local testing only
    feeds:
      - name: voa-asia
        url: https://example.org/asia.rss
        format: rss           # which parser reads it; "auto" (sniff the body) when absent
        min_interval: 2m      # seconds as a number, or 90s / 5m / 1h / 1d
        max_interval: 30m
        headers: {X-Client: wirewatch}
        credentials: {type: basic, username: me, password_env: WIRE_PASSWORD}

Credentials are ``basic`` (username + password), ``bearer`` (token) or ``header`` (name + value); each
secret may be given inline or, better, as ``*_env`` naming an environment variable. Secrets never print.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirewatch.errors import LocatedError
from wirewatch.yamlsource import Marked, YamlText

FORMATS = ("auto", "rss", "atom", "rdf", "jsonfeed", "newsmlg2", "ninjs", "nitf", "anpa1312", "iptc7901", "text")
# (connectors.formats.HINTS maps each to its parser; a test keeps the two lists equal)
FEED_KEYS = ("name", "url", "format", "min_interval", "max_interval", "headers", "credentials")
TOP_KEYS = ("defaults", "allow", "feeds")
DEFAULT_MIN, DEFAULT_MAX = 300.0, 3600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {None: 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ConfigError(LocatedError):
    """A feed list that cannot be used, at file, line and column. Not retriable: the file itself must change."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """Credentials for a paid wire; ``repr`` and ``str`` mask the secret."""

    kind: str  # basic | bearer | header
    username: str | None = None
    secret: str = field(default="", repr=False)
    header: str | None = None  # the header name, for kind "header"

    def headers(self) -> list[tuple[str, str]]:
        if self.kind == "basic":
            token = base64.b64encode(f"{self.username}:{self.secret}".encode()).decode("ascii")
            return [("Authorization", f"Basic {token}")]
        if self.kind == "bearer":
            return [("Authorization", f"Bearer {self.secret}")]
        return [(self.header or "", self.secret)]

    def __repr__(self) -> str:
        who = f", username={self.username!r}" if self.username else ""
        name = f", header={self.header!r}" if self.header else ""
        return f"Credentials(kind={self.kind!r}{who}{name}, secret='***')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class FeedConfig:
    name: str
    url: str
    format: str = "auto"
    min_interval: float = DEFAULT_MIN  # seconds
    max_interval: float = DEFAULT_MAX
    headers: tuple[tuple[str, str], ...] = ()
    credentials: Credentials | None = None
    origin: str = ""  # "path:line" of the entry, for messages

    def auth_headers(self) -> list[tuple[str, str]]:
        return self.credentials.headers() if self.credentials else []


@dataclass(frozen=True, slots=True)
class FeedList:
    feeds: tuple[FeedConfig, ...]
    allow: tuple[str, ...] = ()


class _Fail(Exception):
    def __init__(self, at: tuple[int, int], message: str) -> None:
        super().__init__(message)
        self.at, self.message = at, message


def load_feeds(path: str | Path, environ: Mapping[str, str] | None = None) -> FeedList:
    """Read and validate a feed list; raises ConfigError("file:line:column: message") on any problem."""
    source = YamlText.read(path, "feed list", ConfigError)
    return _parse(source, os.environ if environ is None else environ)


def parse_feeds(text: str, path: str, environ: Mapping[str, str]) -> FeedList:
    return _parse(YamlText(text, path, ConfigError), environ)


def _parse(source: YamlText, environ: Mapping[str, str]) -> FeedList:
    data = source.values()
    try:
        return _feed_list(data, environ)
    except _Fail as fail:
        raise source.error_at(fail.at, fail.message) from None


def _feed_list(data: Any, environ: Mapping[str, str]) -> FeedList:
    if not isinstance(data, Marked):
        raise _Fail((1, 1), "the feed list must be a mapping with a 'feeds' key")
    _known(data, TOP_KEYS, "top-level")
    if "feeds" not in data:
        raise _Fail(data.where, "missing 'feeds' (a list of feeds)")
    defaults = data.get("defaults") or Marked()
    if not isinstance(defaults, Marked):
        raise _Fail(data.key_where["defaults"], "'defaults' must be a mapping")
    _known(defaults, FEED_KEYS[2:], "defaults")
    allow = data.get("allow") or []
    if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
        raise _Fail(data.key_where["allow"], "'allow' must be a list of CIDRs or host names")
    feeds = data["feeds"]
    if not isinstance(feeds, list) or not feeds:
        raise _Fail(data.key_where["feeds"], "'feeds' must be a non-empty list")
    out: list[FeedConfig] = []
    names: set[str] = set()
    for entry in feeds:
        if not isinstance(entry, Marked):
            raise _Fail(data.key_where["feeds"], f"each feed must be a mapping, got {entry!r}")
        feed = _feed(entry, defaults, environ)
        if feed.name in names:
            raise _Fail(entry.key_where["name"], f"duplicate feed name {feed.name!r}")
        names.add(feed.name)
        out.append(feed)
    return FeedList(tuple(out), tuple(allow))


def _known(mapping: Marked, allowed: tuple[str, ...], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            raise _Fail(mapping.key_where[key], f"unknown {what} key {key!r} (allowed: {', '.join(allowed)})")


def _feed(entry: Marked, defaults: Marked, environ: Mapping[str, str]) -> FeedConfig:
    _known(entry, FEED_KEYS, "feed")
    for key in ("name", "url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise _Fail(entry.key_where.get(key, entry.where), f"feed needs a non-empty string {key!r}")

    def at(key: str) -> tuple[int, int]:
        return entry.key_where.get(key) or defaults.key_where.get(key) or entry.where

    def get(key: str) -> Any:
        return entry[key] if key in entry else defaults.get(key)

    name, url = entry["name"].strip(), entry["url"].strip()
    if not _NAME.match(name):
        raise _Fail(at("name"), f"feed name {name!r} must be letters, digits, '.', '_' or '-' (at most 100)")
    if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        raise _Fail(at("url"), f"url {url!r} must be an absolute http:// or https:// URL")
    fmt = get("format") or "auto"
    if fmt not in FORMATS:
        raise _Fail(at("format"), f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    lo = _duration(get("min_interval"), DEFAULT_MIN, at("min_interval"))
    hi = _duration(get("max_interval"), max(DEFAULT_MAX, lo), at("max_interval"))
    if lo > hi:
        raise _Fail(at("max_interval"), f"max_interval ({hi:g}s) is below min_interval ({lo:g}s)")
    return FeedConfig(
        name=name,
        url=url,
        format=fmt,
        min_interval=lo,
        max_interval=hi,
        headers=_headers(get("headers"), at("headers")),
        credentials=_credentials(get("credentials"), at("credentials"), environ),
        origin=f"line {entry.where[0]}",
    )


def _duration(value: Any, default: float, at: tuple[int, int]) -> float:
    if value is None:
        return default
    if isinstance(value, bool):
        raise _Fail(at, f"interval must be seconds or a duration like 90s, 5m, 1h; got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise _Fail(at, f"interval must be seconds or a duration like 90s, 5m, 1h; got {value!r}")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not 1 <= seconds <= 7 * 86400:
        raise _Fail(at, f"interval {seconds:g}s is outside 1s..7d")
    return seconds


def _headers(value: Any, at: tuple[int, int]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise _Fail(at, "'headers' must be a mapping of header name to value")
    out = []
    for name, text in value.items():
        if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", name):
            raise _Fail(at, f"invalid header name {name!r}")
        if not isinstance(text, (str, int)) or "\n" in str(text) or "\r" in str(text):
            raise _Fail(at, f"header {name!r} must have a single-line text value")
        out.append((name, str(text)))
    return tuple(out)


_CRED_KEYS = {
    "basic": ("type", "username", "password", "password_env"),
    "bearer": ("type", "token", "token_env"),
    "header": ("type", "name", "value", "value_env"),
}


def _credentials(value: Any, at: tuple[int, int], environ: Mapping[str, str]) -> Credentials | None:
    if value is None:
        return None
    if not isinstance(value, Marked):
        raise _Fail(at, "'credentials' must be a mapping with a 'type'")
    kind = value.get("type")
    if kind not in _CRED_KEYS:
        raise _Fail(
            value.key_where.get("type", value.where), f"credentials type must be one of {', '.join(_CRED_KEYS)}"
        )
    _known(value, _CRED_KEYS[kind], f"{kind} credentials")
    secret_key = {"basic": "password", "bearer": "token", "header": "value"}[kind]
    secret = _secret(value, secret_key, environ)
    if kind == "basic":
        user = value.get("username")
        if not isinstance(user, str) or not user or ":" in user:
            raise _Fail(value.key_where.get("username", value.where), "basic credentials need a username without ':'")
        return Credentials("basic", username=user, secret=secret)
    if kind == "header":
        name = value.get("name")
        if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9-]+$", name):
            raise _Fail(value.key_where.get("name", value.where), "header credentials need a header 'name'")
        return Credentials("header", secret=secret, header=name)
    return Credentials("bearer", secret=secret)


def _secret(value: Marked, key: str, environ: Mapping[str, str]) -> str:
    env_key = f"{key}_env"
    if (key in value) == (env_key in value):
        raise _Fail(value.where, f"give exactly one of {key!r} or {env_key!r}")
    if key in value:
        secret = value[key]
        where = value.key_where[key]
    else:
        var = value[env_key]
        where = value.key_where[env_key]
        if not isinstance(var, str) or var not in environ:
            raise _Fail(where, f"environment variable {var!r} named by {env_key!r} is not set")
        secret = environ[var]
    if not isinstance(secret, str) or not secret or "\n" in secret or "\r" in secret:
        raise _Fail(where, f"{key!r} must be a non-empty single-line string")  # the value itself is never shown
    return secret
