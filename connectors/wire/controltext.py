"""What the two control-character wire formats (ANPA-1312, IPTC 7901) share: decoding and framing."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Callable

from wirewatch.connectors.parsing.results import ParseResult, ParsedItem
from wirewatch.records import Story

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


# (header, text, trailer, fetched, origin, source) -> Story, or None when the message has no text
MakeStory = Callable[[str, str, str, "datetime | None", str, "str | None"], "Story | None"]


def parse_messages(
    body: bytes, fmt: str, label: str, make_story: MakeStory, *, origin: str, fetched: datetime | None,
    source: str | None, no_time: str,
) -> ParseResult:
    """Decode, frame and turn every message into a story; a message without text, or a file without a
    message, becomes a dead letter; a message without a transmission time gets the note ``no_time``."""
    result = ParseResult(format=fmt)
    text, note = decode(body)
    if note:
        result.notes.append(f"{origin}: {note}")
    found = messages(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not found:
        result.fail(origin, f"{label}: no SOH ... STX message found", body)
        return result
    for number, (header, message, trailer) in enumerate(found, start=1):
        item_origin = f"{origin}#{number}" if len(found) > 1 else origin
        story = make_story(header, message, trailer, fetched, item_origin, source)
        if story is None:
            result.fail(item_origin, f"{label} message {number} has no text", message)
            continue
        result.add(ParsedItem(story), no_date=f"{item_origin}: {no_time}")
    return result
