"""What the console's pages show, as plain values for the templates: alert rows and their filters, chart
bars, paging. Pure: no I/O, time passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlencode

from wirewatch.transforms.rulelang.syntax import SEVERITIES

PAGE_SIZE = 25


@dataclass(frozen=True)
class LiveFilter:
    """The live list's filters (empty: everything); severity is a floor ("high": high and critical)."""

    rule: str = ""
    severity: str = ""
    country: str = ""
    region: str = ""
    subscriber: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "LiveFilter":
        severity = params.get("severity", "")
        return cls(params.get("rule", "").strip(), severity if severity in SEVERITIES else "",
                   params.get("country", "").strip().upper(), params.get("region", "").strip(),
                   params.get("subscriber", "").strip())

    def query(self) -> str:
        return urlencode({k: v for k, v in vars(self).items() if v})

    def passes(self, alert: Mapping[str, Any], subscribers: Mapping[str, Callable[[Mapping[str, Any]], bool]]) -> bool:
        if self.rule and alert.get("rule") != self.rule:
            return False
        if self.severity and _rank(alert.get("severity")) < _rank(self.severity):
            return False
        if self.country and self.country not in (alert.get("countries") or ()):
            return False
        if self.region and self.region not in (alert.get("regions") or ()):
            return False
        if self.subscriber:
            wants = subscribers.get(self.subscriber)
            return bool(wants and wants(alert))
        return True


def _rank(severity: Any) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def short_time(text: Any) -> str:
    """``2026-03-01T09:05:00Z`` (or a datetime) as ``2026-03-01 09:05`` UTC; '' for none."""
    if isinstance(text, datetime):
        text = text.astimezone(timezone.utc).isoformat()
    return str(text or "")[:16].replace("T", " ")


def alert_row(alert: Mapping[str, Any], outlets: int | None) -> dict[str, Any]:
    """One row of the live list (also the JSON an event carries to the page's script)."""
    return {
        "id": alert.get("id"),
        "rule": alert.get("rule"),
        "severity": alert.get("severity") or "",
        "title": alert.get("title") or "(no headline)",
        "countries": list(alert.get("countries") or ()),
        "regions": list(alert.get("regions") or ()),
        "outlets": outlets,
        "published": short_time(alert.get("published")),
        "alerted": short_time(alert.get("alerted")),
        "story": "/story?" + urlencode({"id": alert.get("story_id") or ""}),
    }


def bars(counts: Sequence[tuple[str, int]], width: int = 320, limit: int = 15) -> list[dict[str, Any]]:
    """Horizontal bars for an SVG chart: the ``limit`` largest counts, the longest bar ``width`` wide."""
    top = list(counts)[:limit]
    most = max((n for _, n in top), default=0)
    return [{"label": label, "count": n, "width": round(width * n / most) if most else 0, "y": 24 * i}
            for i, (label, n) in enumerate(top)]


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, page: int, total: int, size: int = PAGE_SIZE) -> "Paging":
        pages = max(1, -(-total // size))
        return cls(min(max(1, page), pages), pages, total)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def link(self, params: Mapping[str, str], page: int) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v and k != "page"}, "page": page})


def safe_url(url: str | None) -> str | None:
    """A story's link only when it is http(s): a feed could carry ``javascript:`` links."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def safe_next(target: str | None) -> str:
    """Where a login may send the browser on: a path of this console, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
