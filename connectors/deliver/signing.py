"""Standard Webhooks signatures: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (HMAC-SHA256
over ``id.timestamp.body``, one ``v1,<base64>`` per secret, so a receiver can rotate its secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Sequence

from wirewatch.connectors.deliver.secrets import Secret

PREFIX = "whsec_"


class SecretError(ValueError):
    """A signing secret that is not base64 (after an optional ``whsec_``). Not retriable: fix the secret."""

    retriable = False


def secret_key(secret: Secret) -> bytes:
    """The HMAC key a Standard Webhooks secret stands for: the base64 after ``whsec_``."""
    text = secret.value.removeprefix(PREFIX)
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except ValueError:
        raise SecretError(f"signing secret ({secret.source or 'inline'}) is not base64 after 'whsec_'") from None
    if len(key) < 16:
        raise SecretError(f"signing secret ({secret.source or 'inline'}) is shorter than 16 bytes")
    return key


def headers(message_id: str, when: datetime, body: bytes, secrets: Sequence[Secret]) -> list[tuple[str, str]]:
    timestamp = str(int(when.timestamp()))
    signed = f"{message_id}.{timestamp}.".encode() + body
    signatures = [
        "v1," + base64.b64encode(hmac.new(secret_key(s), signed, hashlib.sha256).digest()).decode("ascii")
        for s in secrets
    ]
    out = [("webhook-id", message_id), ("webhook-timestamp", timestamp)]
    if signatures:
        out.append(("webhook-signature", " ".join(signatures)))
    return out
