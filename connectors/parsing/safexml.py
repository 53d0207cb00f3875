"""Parse untrusted XML without ever expanding entities, loading a DTD or touching the network.

Documents whose DOCTYPE declares external entities, parameter entities, nested entities or oversized
entity values are refused before any parser sees them: those are the shapes of XML bombs (billion
laughs, quadratic blowup) and of external-entity attacks (reading local files).
"""

from __future__ import annotations

import re

from lxml import etree

from wirewatch.connectors.parsing import prolog as xmlprolog
from wirewatch.errors import ParseError
MAX_ENTITY_VALUE = 256  # characters; larger internal entities are the quadratic-blowup shape
_ENTITY = re.compile(rb"\s+(?P<pe>%\s+)?(?P<name>[^\s]+)\s*(?P<rest>.*)", re.S)


def entity_risk(body: bytes) -> str | None:
    """Why the DOCTYPE's internal subset is unsafe, or None. Plain short text entities are allowed.

    The whole prolog is read, however long (connectors.xmlprolog): padding before the DOCTYPE hides
    nothing. Junk before the root does not end the read either, since a lenient parser reads past it."""
    for declaration in xmlprolog.scan(body, strict=False).entities:
        entity = _ENTITY.match(declaration)
        if entity is None:
            return "DOCTYPE declares an entity without a name; refused"
        rest = entity["rest"].strip()
        name = entity["name"].decode("ascii", "replace")
        if entity["pe"]:
            return f"DOCTYPE declares parameter entity %{name}; refused (entities are never expanded)"
        if rest[:6].upper() in (b"SYSTEM", b"PUBLIC"):
            return f"DOCTYPE declares external entity &{name}; refused (external entities are never resolved)"
        value = rest[1:-1] if rest[:1] in (b'"', b"'") else rest
        if b"&" in value or b"%" in value:
            return f"DOCTYPE declares nested entity &{name}; refused (XML bomb shape, never expanded)"
        if len(value) > MAX_ENTITY_VALUE:
            return f"DOCTYPE declares a {len(value)}-byte entity &{name}; refused (quadratic blowup shape)"
    return None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        dtd_validation=False, remove_pis=True, remove_comments=True,
    )


def parse_xml(body: bytes) -> etree._Element:
    """The root element of a well-formed document; ParseError with a reason otherwise."""
    risk = entity_risk(body)
    if risk:
        raise ParseError(risk)
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from exc
    except ValueError as exc:  # e.g. a str with an encoding declaration, or empty input
        raise ParseError(f"not XML: {exc}") from exc
    if root is None:
        raise ParseError("not XML: no root element")
    return root
