"""What the fetch layer takes and gives back: settings, validators, and results as plain frozen records.

A fetch never raises on a bad server: it returns a ``FetchResult`` (2xx or 304) or a ``FetchError`` whose
``reason`` a person can act on and whose ``retriable`` says whether trying again later can help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_USER_AGENT = "wirewatch/0.1 (news monitoring feed poller)"
DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Deadlines in seconds and size limits in bytes for one fetch (all redirect hops together)."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # the longest wait for any single read
    total_timeout: float = 60.0  # the whole fetch, however the server trickles its bytes
    max_bytes: int = 20 * 1024 * 1024  # on the wire and again after decompression
    max_header_bytes: int = 64 * 1024
    max_redirects: int = 5
    per_host: int = 2  # concurrent connections to one host
    user_agent: str = DEFAULT_USER_AGENT
    accept: str = DEFAULT_ACCEPT

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.max_bytes < 1 or self.max_redirects < 0 or self.per_host < 1:
            raise ValueError("max_bytes and per_host must be >= 1, max_redirects >= 0")


@dataclass(frozen=True, slots=True)
class Validators:
    """The cache validators a server gave for a URL; sent back as If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> list[tuple[str, str]]:
        out = []
        if self.etag:
            out.append(("If-None-Match", self.etag))
        if self.last_modified:
            out.append(("If-Modified-Since", self.last_modified))
        return out

    def merged_over(self, older: "Validators") -> "Validators":
        """A 304 may omit validators; keep the older ones where the new response has none."""
        return Validators(self.etag or older.etag, self.last_modified or older.last_modified)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A 2xx (``body`` decoded and within the cap) or a 304 (``body`` empty, nothing to parse)."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]  # names lower-cased, in the order received
    validators: Validators
    elapsed: float  # seconds, all hops
    fetched: datetime
    redirects: tuple[str, ...] = ()
    permanent: bool = False  # every redirect hop was 301 or 308: the resource moved for good

    @property
    def moved_to(self) -> str | None:
        """Where the resource now lives, when it was permanently redirected."""
        return self.final_url if self.redirects and self.permanent else None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def header_map(self) -> dict[str, str]:
        """Headers as a dict; repeated names are joined with ", " as RFC 9110 allows."""
        out: dict[str, str] = {}
        for name, value in self.headers:
            out[name] = f"{out[name]}, {value}" if name in out else value
        return out


@dataclass(frozen=True, slots=True)
class FetchError:
    """A fetch that gave nothing to parse. ``kind`` is one of KINDS; ``retry_after`` is in seconds."""

    url: str
    kind: str
    reason: str
    retriable: bool
    status: int | None = None
    retry_after: float | None = None
    elapsed: float = 0.0
    redirects: tuple[str, ...] = field(default=())

    def message(self) -> str:
        return f"{self.url}: {self.kind}: {self.reason}"


KINDS = (
    "url",
    "dns",
    "blocked",
    "connect",
    "connect_timeout",
    "read_timeout",
    "total_timeout",
    "tls",
    "network",
    "protocol",
    "too_large",
    "decode",
    "redirect",
    "status",
)


class FetchFailure(Exception):
    """Raised inside the fetch layer and turned into a ``FetchError`` at its edge; never escapes it."""

    def __init__(
        self, kind: str, reason: str, retriable: bool, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.retriable = kind, reason, retriable
        self.status, self.retry_after = status, retry_after
