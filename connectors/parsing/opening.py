"""The first step every structured format shares: the bytes as JSON or as safe XML, or the document's
dead letter (``result.fail``) and None. A parser goes on only with what this gives it."""

from __future__ import annotations

from typing import Any

import orjson
from lxml import etree

from wirewatch.connectors.parsing.results import ParseResult
from wirewatch.connectors.parsing.safexml import parse_xml
from wirewatch.errors import ParseError
from wirewatch.records import Origin

_BOM = b"\xef\xbb\xbf"


def json_or_fail(result: ParseResult, body: bytes, origin: Origin | str) -> Any | None:
    """The JSON value of ``body`` (a UTF-8 byte-order mark allowed); None, with the failure recorded, if
    it is not JSON. A document whose value is ``null`` gives None too, and is reported by the caller's
    own shape check."""
    try:
        return orjson.loads(body.lstrip(_BOM))
    except orjson.JSONDecodeError as exc:
        result.fail(origin, f"not JSON: {exc}", body)
        return None


def xml_or_fail(result: ParseResult, body: bytes, origin: Origin | str) -> etree._Element | None:
    """The root element of ``body`` parsed safely (no entities, no DTD, no network); None, with the reason
    recorded, when it is not well-formed or not safe to parse."""
    try:
        return parse_xml(body)
    except ParseError as exc:
        result.fail(origin, str(exc), body)
        return None
