"""What the two control-character wire formats (ANPA-1312, IPTC 7901) share: decoding and framing."""

from __future__ import annotations

import re

SOH, STX, ETX, EOT = "\x01", "\x02", "\x03", "\x04"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes) -> tuple[str, str | None]:
    """UTF-8 when it is; else Windows-1252 (a superset of the Latin-1 agencies send), with a note saying so."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return data.decode("cp1252", "replace"), f"not UTF-8 ({exc.reason} at byte {exc.start}); read as Windows-1252"


def messages(text: str) -> list[tuple[str, str, str]]:
    """(header, text, trailer) of every SOH ... STX ... ETX ... message; an unterminated one still counts."""
    found = []
    for chunk in text.split(SOH)[1:]:
        header, _, rest = chunk.partition(STX)
        if not rest:
            continue
        body, _, trailer = rest.partition(ETX)
        found.append((header, body, trailer.split(EOT)[0]))
    return found


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)
