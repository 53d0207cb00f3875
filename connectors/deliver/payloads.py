"""Webhook bodies: ``standard`` (our JSON: the notice with its alerts in the alert contract's shape, as a
Standard Webhooks event ``{type, timestamp, data}``) or ``slack`` (``{"text": ...}``, which Slack's and
Mattermost's incoming webhooks accept)."""

from __future__ import annotations

import orjson

from wirewatch.connectors.deliver.render import text
from wirewatch.notices import Notice

FORMATS = ("standard", "slack")


def body(notice: Notice, fmt: str) -> bytes:
    """The same bytes for the same notice every time (a retry signs what the first attempt sent)."""
    if fmt == "slack":
        return orjson.dumps({"text": text(notice)})
    return orjson.dumps({"type": f"wirewatch.{notice.kind}", "timestamp": notice.to_dict()["created"],
                         "data": notice.to_dict()})
