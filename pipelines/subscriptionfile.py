"""The subscriptions file: who gets which alerts, how and when. Validated strictly; every problem is reported
as ``file:line:column: message``, and no secret is ever shown.

    allow: [127.0.0.1]                  # optional: webhook receivers on these non-public addresses are allowed
    retry: {attempts: 12, first: 10s, factor: 2, cap: 30m}   # optional: how failed deliveries are retried
    subscribers:
      - id: ops-desk
        rules: [icbm, "nuclear-*"]      # rule ids or globs (default: every rule)
        severity: high                  # at least this severe
        countries: [KP, KR]             # filters, each optional: any of these countries,
        regions: [Eastern Asia]         #   any of these regions,
        sources: [reuters, "voa*"]      #   source, publisher or credit (globs),
        min_score: 2                    #   and a minimum score
        schedule: immediate             # or hourly / daily (a digest); digest_at: "08:00"
        timezone: Europe/Berlin         # for digests and quiet hours (default UTC)
        quiet_hours: {from: "22:00", to: "07:00", except: critical}
        escalate: {stories: [5, 20], outlets: [5, 20], new_region: true}
        rate_limit: {max: 10, per: 1h}
        channels:
          - {type: webhook, url_env: OPS_HOOK_URL, secret_env: OPS_HOOK_SECRET, format: standard}
          - {type: webhook, url: "https://chat.example.org/hooks/x", format: slack}
          - {type: email, host: smtp.example.org, port: 587, tls: starttls, from: wirewatch@example.org,
             to: [desk@example.org], username: wirewatch, password_env: SMTP_PASSWORD}
          - {type: kafka, topic: alerts.ops-desk}
          - {type: file, dir: /var/lib/wirewatch/out}

Secrets (webhook URLs, signing secrets, SMTP passwords) are given inline, as ``*_env`` (an environment
variable) or ``*_file`` (a file; relative paths are read from the subscriptions file's folder). A webhook may
have several signing secrets (``secrets: [{env: NEW}, {file: old.key}]``) while a receiver rotates them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from wirewatch.connectors.deliver.channel import Spec
from wirewatch.connectors.deliver.files import FileSpec
from wirewatch.connectors.deliver.kafkatopic import KafkaSpec
from wirewatch.connectors.deliver.payloads import FORMATS
from wirewatch.connectors.deliver.secrets import Secret
from wirewatch.connectors.deliver.signing import SecretError, secret_key
from wirewatch.connectors.deliver.smtp import TLS_MODES, EmailSpec
from wirewatch.connectors.deliver.webhook import WebhookSpec
from wirewatch.connectors.http.ssrf import AddressPolicy, parse_ip
from wirewatch.errors import LocatedError
from wirewatch.transforms.rulelang.syntax import SEVERITIES
from wirewatch.transforms.subscriptions.retry import RetryPolicy
from wirewatch.transforms.subscriptions.model import (
    MODES, Escalation, Filters, Policy, QuietHours, RateLimit, Schedule, Selector,
)
from wirewatch.yamlsource import YamlText

TOP_KEYS = ("allow", "retry", "subscribers")
SUBSCRIBER_KEYS = ("id", "rules", "severity", "countries", "regions", "sources", "min_score", "schedule", "digest_at",
                   "timezone", "quiet_hours", "escalate", "rate_limit", "channels")
CHANNEL_KEYS = {
    "webhook": ("type", "name", "url", "url_env", "url_file", "secret", "secret_env", "secret_file", "secrets",
                "format", "timeout", "ca_file"),
    "email": ("type", "name", "host", "port", "tls", "from", "to", "username", "password", "password_env",
              "password_file", "timeout", "ca_file"),
    "kafka": ("type", "name", "topic"),
    "file": ("type", "name", "dir"),
}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$")
_UNITS = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


class SubscriptionsError(LocatedError):
    """A subscriptions file that cannot be used. Not retriable: the file must change."""


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    name: str  # unique within its subscriber; part of every delivery id, so keep it when editing the file
    spec: Spec


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    policy: Policy
    channels: tuple[ChannelConfig, ...]


@dataclass(frozen=True, slots=True)
class Subscriptions:
    path: str
    subscribers: tuple[Subscriber, ...]
    allow: tuple[str, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    read: tuple[str, ...] = field(default=())  # every file it was read from (secrets too), for reloading

    @property
    def policy(self) -> AddressPolicy:
        return AddressPolicy.allowing(*self.allow)

    def by_id(self, subscriber: str) -> Subscriber | None:
        return next((s for s in self.subscribers if s.id == subscriber), None)


def load_subscriptions(path: str | Path, environ: Mapping[str, str] | None = None) -> Subscriptions:
    source = YamlText.read(path, "subscriptions file", SubscriptionsError)
    return _Reader(source, Path(path).parent, os.environ if environ is None else environ).subscriptions()


class _Reader:
    def __init__(self, source: YamlText, folder: Path, environ: Mapping[str, str]) -> None:
        self.src, self.folder, self.environ = source, folder, environ
        self.read: list[str] = [source.path]
        self.allow = AddressPolicy()

    def fail(self, node: yaml.Node, message: str) -> SubscriptionsError:
        return self.src.error(node, message)  # type: ignore[return-value]

    # shapes
    def mapping(self, node: yaml.Node, allowed: tuple[str, ...], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping (key: value)")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name not in allowed:
                raise self.fail(key, f"unknown {what} key {name!r} (allowed: {', '.join(allowed)})")
            if name in out:
                raise self.fail(key, f"duplicate key {name!r}")
            out[name] = (key, value)
        return out

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what} must be non-empty text")
        return str(node.value).strip()

    def texts(self, node: yaml.Node, what: str) -> list[str]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        return [self.text(item, f"each of {what}") for item in items]

    def number(self, node: yaml.Node, what: str, kind: Callable[[str], Any] = float, low: float = 0) -> Any:
        text = self.text(node, what)
        try:
            value = kind(text)
        except ValueError:
            raise self.fail(node, f"{what} must be a {'whole ' if kind is int else ''}number, not {text!r}") from None
        if value < low:
            raise self.fail(node, f"{what} must be at least {low:g}")
        return value

    def duration(self, node: yaml.Node, what: str) -> float:
        text = self.text(node, what)
        match = _DURATION.match(text)
        if not match or float(match.group(1)) <= 0:
            raise self.fail(node, f"{what} must be seconds or a duration like 30s, 10m, 1h, 1d; got {text!r}")
        return float(match.group(1)) * _UNITS[match.group(2)]

    def clock(self, node: yaml.Node, what: str) -> time:
        text = self.text(node, what)
        try:
            hour, minute = (int(part) for part in text.split(":"))
            return time(hour, minute)
        except ValueError:
            raise self.fail(node, f"{what} must be a time of day like \"07:30\", not {text!r}") from None

    def flag(self, node: yaml.Node, what: str) -> bool:
        text = self.text(node, what).lower()
        if text not in ("true", "false", "yes", "no"):
            raise self.fail(node, f"{what} must be true or false")
        return text in ("true", "yes")

    def severity(self, node: yaml.Node, what: str) -> str:
        value = self.text(node, what)
        if value not in SEVERITIES:
            raise self.fail(node, f"{what} must be one of {', '.join(SEVERITIES)}, not {value!r}")
        return value

    def secret(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str,
               parent: yaml.Node, required: bool = True) -> Secret | None:
        """``key`` inline, ``key_env`` or ``key_file``: exactly one (or none when not required)."""
        given = [k for k in (key, f"{key}_env", f"{key}_file") if k in fields]
        if len(given) > 1:
            raise self.fail(fields[given[1]][0], f"give only one of {key!r}, '{key}_env' or '{key}_file'")
        if not given:
            if required:
                raise self.fail(parent, f"{what} needs {key!r}, '{key}_env' or '{key}_file'")
            return None
        return self.secret_value(given[0].removeprefix(key).lstrip("_") or "value", fields[given[0]][1], what)

    def secret_value(self, how: str, node: yaml.Node, what: str) -> Secret:
        name = self.text(node, f"{what} ({how})")
        if how == "env":
            if name not in self.environ:
                raise self.fail(node, f"environment variable {name!r} for {what} is not set")
            value, source = self.environ[name], f"env {name}"
        elif how == "file":
            path = self.folder / name
            try:
                value, source = path.read_text(encoding="utf-8").strip(), f"file {path}"
            except (OSError, UnicodeDecodeError) as exc:
                raise self.fail(node, f"cannot read {what} from {path}: {exc.__class__.__name__}") from None
            self.read.append(str(path))
        else:
            value, source = name, "inline"
        if not value or "\n" in value or "\r" in value:
            raise self.fail(node, f"{what} ({source}) must be a non-empty single line")  # the value is never shown
        return Secret(value, source)

    # the file
    def subscriptions(self) -> Subscriptions:
        root = self.src.document()
        if root is None:
            raise SubscriptionsError(self.src.path, 1, 1, "the file is empty: it needs a 'subscribers' list")
        top = self.mapping(root, TOP_KEYS, "top-level")
        allow: list[str] = []
        if "allow" in top:
            allow = self.texts(top["allow"][1], "'allow'")
            self.allow = AddressPolicy.allowing(*allow)
        if "subscribers" not in top:
            raise self.fail(root, "missing 'subscribers' (a list of subscribers)")
        key, node = top["subscribers"]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, "'subscribers' must be a non-empty list")
        subscribers: list[Subscriber] = []
        for entry in node.value:
            subscriber = self.subscriber(entry)
            if any(s.id == subscriber.id for s in subscribers):
                raise self.fail(entry, f"duplicate subscriber id {subscriber.id!r}")
            subscribers.append(subscriber)
        retry = self.retry(top["retry"][1]) if "retry" in top else RetryPolicy()
        return Subscriptions(self.src.path, tuple(subscribers), tuple(allow), retry, tuple(self.read))

    def retry(self, node: yaml.Node) -> RetryPolicy:
        f = self.mapping(node, ("attempts", "first", "factor", "cap"), "'retry'")
        d = RetryPolicy()
        policy = RetryPolicy(
            attempts=self.number(f["attempts"][1], "'attempts'", int, 1) if "attempts" in f else d.attempts,
            first=self.duration(f["first"][1], "'first'") if "first" in f else d.first,
            factor=self.number(f["factor"][1], "'factor'", float, 1) if "factor" in f else d.factor,
            cap=self.duration(f["cap"][1], "'cap'") if "cap" in f else d.cap,
        )
        if policy.cap < policy.first:
            raise self.fail(node, "'cap' must be at least 'first'")
        return policy

    def subscriber(self, node: yaml.Node) -> Subscriber:
        f = self.mapping(node, SUBSCRIBER_KEYS, "subscriber")
        if "id" not in f:
            raise self.fail(node, "each subscriber needs an 'id'")
        sid = self.text(f["id"][1], "'id'")
        if not _ID.match(sid):
            raise self.fail(f["id"][1], f"subscriber id {sid!r} must be letters, digits, '.', '_' or '-' (at most 100)")
        get = lambda key, read: read(f[key][1], f"{key!r}") if key in f else None  # noqa: E731
        tz = self.zone(f["timezone"][1]) if "timezone" in f else ZoneInfo("UTC")
        mode = get("schedule", self.text) or "immediate"
        if mode not in MODES:
            raise self.fail(f["schedule"][1], f"'schedule' must be one of {', '.join(MODES)}, not {mode!r}")
        policy = Policy(
            subscriber=sid,
            selector=Selector(tuple(get("rules", self.texts) or ()), get("severity", self.severity)),
            filters=Filters(frozenset(c.upper() for c in get("countries", self.texts) or ()),
                            frozenset(get("regions", self.texts) or ()), tuple(get("sources", self.texts) or ()),
                            get("min_score", self.number) or 0.0),
            schedule=Schedule(mode, get("digest_at", self.clock) or time(8, 0), tz),
            quiet=self.quiet(f["quiet_hours"][1], tz) if "quiet_hours" in f else None,
            escalation=self.escalation(f["escalate"][1]) if "escalate" in f else Escalation(),
            rate=self.rate(f["rate_limit"][1]) if "rate_limit" in f else None,
        )
        if "channels" not in f:
            raise self.fail(node, f"subscriber {sid!r} needs 'channels' (at least one)")
        return Subscriber(sid, policy, self.channels(sid, f["channels"][1]))

    def zone(self, node: yaml.Node) -> ZoneInfo:
        name = self.text(node, "'timezone'")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(node, f"unknown time zone {name!r} (an IANA name like Europe/Berlin)") from None

    def quiet(self, node: yaml.Node, tz: ZoneInfo) -> QuietHours:
        f = self.mapping(node, ("from", "to", "except"), "'quiet_hours'")
        for key in ("from", "to"):
            if key not in f:
                raise self.fail(node, f"'quiet_hours' needs {key!r}")
        floor = self.severity(f["except"][1], "'except'") if "except" in f else None
        return QuietHours(self.clock(f["from"][1], "'from'"), self.clock(f["to"][1], "'to'"), tz, floor)

    def escalation(self, node: yaml.Node) -> Escalation:
        f = self.mapping(node, ("stories", "outlets", "new_region"), "'escalate'")
        counts = {}
        for key in ("stories", "outlets"):
            values = [self.number(n, f"each of {key!r}", int, 2) for n in
                      (f[key][1].value if isinstance(f[key][1], yaml.SequenceNode) else [f[key][1]])] if key in f else []
            if values != sorted(set(values)):
                raise self.fail(f[key][1], f"{key!r} thresholds must be increasing")
            counts[key] = tuple(values)
        new_region = self.flag(f["new_region"][1], "'new_region'") if "new_region" in f else False
        return Escalation(counts["stories"], counts["outlets"], new_region)

    def rate(self, node: yaml.Node) -> RateLimit:
        f = self.mapping(node, ("max", "per"), "'rate_limit'")
        if "max" not in f or "per" not in f:
            raise self.fail(node, "'rate_limit' needs 'max' and 'per' (e.g. {max: 10, per: 1h})")
        return RateLimit(self.number(f["max"][1], "'max'", int, 1),
                         timedelta(seconds=self.duration(f["per"][1], "'per'")))

    def channels(self, sid: str, node: yaml.Node) -> tuple[ChannelConfig, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"subscriber {sid!r} needs 'channels' (a non-empty list)")
        out: list[ChannelConfig] = []
        for entry in node.value:
            if not isinstance(entry, yaml.MappingNode):
                raise self.fail(entry, "each channel must be a mapping with a 'type'")
            kinds = {str(k.value): v for k, v in entry.value}
            if "type" not in kinds:
                raise self.fail(entry, f"each channel needs a 'type' ({', '.join(CHANNEL_KEYS)})")
            kind = self.text(kinds["type"], "'type'")
            if kind not in CHANNEL_KEYS:
                raise self.fail(kinds["type"], f"channel type must be one of {', '.join(CHANNEL_KEYS)}, not {kind!r}")
            f = self.mapping(entry, CHANNEL_KEYS[kind], f"{kind} channel")
            spec = getattr(self, kind)(f, entry)
            same = sum(1 for c in out if type(c.spec) is type(spec))
            name = self.text(f["name"][1], "'name'") if "name" in f else kind + (f"-{same + 1}" if same else "")
            if any(c.name == name for c in out):
                raise self.fail(entry, f"two channels of {sid!r} are named {name!r}: give each a distinct 'name'")
            out.append(ChannelConfig(name, spec))
        return tuple(out)

    def webhook(self, f: dict[str, tuple[yaml.Node, yaml.Node]], node: yaml.Node) -> Spec:
        url = self.secret(f, "url", "the webhook URL", node)
        assert url is not None
        at = f[next(k for k in ("url", "url_env", "url_file") if k in f)][1]
        self.check_url(url, at)
        secrets: list[Secret] = []
        single = self.secret(f, "secret", "the signing secret", node, required=False)
        if single is not None:
            secrets.append(single)
        if "secrets" in f:
            seq = f["secrets"][1]
            if not isinstance(seq, yaml.SequenceNode):
                raise self.fail(seq, "'secrets' must be a list like [{env: NAME}, {file: PATH}]")
            for item in seq.value:
                g = self.mapping(item, ("env", "file", "value"), "signing secret")
                if len(g) != 1:
                    raise self.fail(item, "each signing secret is one of {env: NAME}, {file: PATH} or {value: ...}")
                (how, (_, value)), = g.items()
                secrets.append(self.secret_value(how, value, "a signing secret"))
        for secret in secrets:
            try:
                secret_key(secret)
            except SecretError as exc:
                raise self.fail(node, str(exc)) from None
        fmt = self.text(f["format"][1], "'format'") if "format" in f else "standard"
        if fmt not in FORMATS:
            raise self.fail(f["format"][1], f"'format' must be one of {', '.join(FORMATS)}, not {fmt!r}")
        return WebhookSpec(url, tuple(secrets), fmt, self.timeout(f, 10.0), self.path(f, "ca_file"))

    def check_url(self, url: Secret, node: yaml.Node) -> None:
        try:
            parts = urlsplit(url.value)
            parts.port  # noqa: B018 (raises on a bad port)
        except ValueError:
            raise self.fail(node, f"the webhook URL ({url.source}) is malformed") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(node, f"the webhook URL ({url.source}) must be an absolute http:// or https:// URL")
        if parts.username or parts.password:
            raise self.fail(node, f"the webhook URL ({url.source}) must not hold credentials; use a signing secret")
        ip = parse_ip(parts.hostname)
        refusal = self.allow.refusal(parts.hostname, ip) if ip is not None else None
        if refusal:
            raise self.fail(node, f"the webhook URL ({url.source}) is {ip}, a non-public address the SSRF guard "
                                  "refuses; list it under 'allow' only if this receiver is meant to be internal")

    def timeout(self, f: dict[str, tuple[yaml.Node, yaml.Node]], default: float) -> float:
        return self.duration(f["timeout"][1], "'timeout'") if "timeout" in f else default

    def path(self, f: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> str | None:
        return str(self.folder / self.text(f[key][1], repr(key))) if key in f else None

    def email(self, f: dict[str, tuple[yaml.Node, yaml.Node]], node: yaml.Node) -> Spec:
        for key in ("host", "from", "to"):
            if key not in f:
                raise self.fail(node, f"an email channel needs {key!r}")
        to = self.texts(f["to"][1], "'to'")
        for address in [*to, self.text(f["from"][1], "'from'")]:
            if not re.match(r"^[^@\s<>]+@[^@\s<>]+$", address):
                raise self.fail(node, f"{address!r} is not an e-mail address")
        tls = self.text(f["tls"][1], "'tls'") if "tls" in f else "starttls"
        if tls not in TLS_MODES:
            raise self.fail(f["tls"][1], f"'tls' must be one of {', '.join(TLS_MODES)}, not {tls!r}")
        port = self.number(f["port"][1], "'port'", int, 1) if "port" in f else (465 if tls == "implicit" else 587)
        username = self.text(f["username"][1], "'username'") if "username" in f else None
        password = self.secret(f, "password", "the SMTP password", node, required=username is not None)
        if password is not None and username is None:
            raise self.fail(node, "an SMTP password needs a 'username'")
        return EmailSpec(self.text(f["host"][1], "'host'"), tuple(to), self.text(f["from"][1], "'from'"), port, tls,
                         username, password, self.timeout(f, 30.0), self.path(f, "ca_file"))

    def kafka(self, f: dict[str, tuple[yaml.Node, yaml.Node]], node: yaml.Node) -> Spec:
        if "topic" not in f:
            raise self.fail(node, "a kafka channel needs a 'topic'")
        topic = self.text(f["topic"][1], "'topic'")
        if not _TOPIC.match(topic):
            raise self.fail(f["topic"][1], f"topic {topic!r} may hold only letters, digits, '.', '_' and '-'")
        return KafkaSpec(topic)

    def file(self, f: dict[str, tuple[yaml.Node, yaml.Node]], node: yaml.Node) -> Spec:
        if "dir" not in f:
            raise self.fail(node, "a file channel needs a 'dir'")
        return FileSpec(str(self.folder / self.text(f["dir"][1], "'dir'")))
