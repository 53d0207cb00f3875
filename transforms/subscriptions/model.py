"""A subscriber's routing policy, as the subscriptions file gives it (pipelines/subscriptionfile.py reads it)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import time, timedelta, timezone, tzinfo

from wirewatch.records import Alert
from wirewatch.transforms.rulelang.syntax import SEVERITIES

MODES = ("immediate", "hourly", "daily")


def severity_at_least(severity: str, floor: str | None) -> bool:
    """An unknown severity ranks as medium, the watch lists' default."""
    if floor is None:
        return True
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    return rank.get(severity, rank["medium"]) >= rank[floor]


@dataclass(frozen=True, slots=True)
class Selector:
    """The rules a subscriber follows: ids or globs (``nuclear-*``); none means every rule. With
    ``min_severity``, only alerts at least that severe (alone, or narrowing the rules)."""

    rules: tuple[str, ...] = ()
    min_severity: str | None = None

    def wants(self, alert: Alert) -> bool:
        if self.rules and not any(fnmatch.fnmatchcase(alert.rule, pattern) for pattern in self.rules):
            return False
        return severity_at_least(alert.severity, self.min_severity)


@dataclass(frozen=True, slots=True)
class Filters:
    """Further conditions: any of the countries (ISO codes), any of the regions (UN M49 names), a source
    (globs, case-insensitive, on the story's source, publisher or credit), and a minimum score."""

    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    sources: tuple[str, ...] = ()
    min_score: float = 0.0

    def wants(self, alert: Alert) -> bool:
        if self.countries and not self.countries.intersection(alert.countries):
            return False
        if self.regions and not self.regions.intersection(alert.regions):
            return False
        if self.sources:
            names = [n.lower() for n in (alert.source, alert.publisher, alert.credit) if n]
            if not any(fnmatch.fnmatchcase(n, p.lower()) for n in names for p in self.sources):
                return False
        return alert.score >= self.min_score


@dataclass(frozen=True, slots=True)
class Schedule:
    """``immediate``, or a digest: ``hourly`` (at minute ``at.minute``) or ``daily`` (at ``at``), in ``tz``."""

    mode: str = "immediate"
    at: time = time(8, 0)
    tz: tzinfo = timezone.utc

    @property
    def digest(self) -> bool:
        return self.mode != "immediate"


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end`` local time (across midnight when ``end`` <= ``start``) nothing is sent at
    once; what comes is held and sent as one digest when they end. Alerts at least ``except_severity``
    severe still go out at once."""

    start: time
    end: time
    tz: tzinfo = timezone.utc
    except_severity: str | None = None


@dataclass(frozen=True, slots=True)
class Escalation:
    """A cluster escalates when the distinct stories or outlets (publisher, else source) among its alerts
    reach each threshold, and, with ``new_region``, when an alert names a region the cluster had not."""

    stories: tuple[int, ...] = ()
    outlets: tuple[int, ...] = ()
    new_region: bool = False

    @property
    def keep(self) -> int:
        """How many distinct stories or outlets are worth remembering: past the top threshold, none."""
        return max((*self.stories, *self.outlets), default=0)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` notices per ``per``; the rest are held and sent as one summary when the window ends."""

    limit: int
    per: timedelta


@dataclass(frozen=True, slots=True)
class Policy:
    subscriber: str
    selector: Selector = field(default_factory=Selector)
    filters: Filters = field(default_factory=Filters)
    schedule: Schedule = field(default_factory=Schedule)
    quiet: QuietHours | None = None
    escalation: Escalation = field(default_factory=Escalation)
    rate: RateLimit | None = None
    listed: int = 50  # notices a digest or summary lists; the rest are counted

    def wants(self, alert: Alert) -> bool:
        return self.selector.wants(alert) and self.filters.wants(alert)
