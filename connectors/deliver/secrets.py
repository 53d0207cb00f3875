"""Secret values (webhook signing keys, SMTP passwords, webhook URLs that are credentials themselves): they
print as ``***``, so a log line or an error message never shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Secret:
    value: str = field(repr=False)
    source: str = ""  # where it came from ("env WEBHOOK_KEY", "file /run/secrets/k"), safe to show

    def __repr__(self) -> str:
        return f"Secret({self.source or 'inline'}, '***')"

    __str__ = __repr__


def masked_url(url: str) -> str:
    """A URL for logs: scheme, host and port only (paths and queries often hold tokens, as Slack's do)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(malformed URL)"
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"
