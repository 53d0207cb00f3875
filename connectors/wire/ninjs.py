"""IPTC ninjs 1.x, 2.x and 3.0 JSON to Stories. Keys are matched case-blind: 3.0 renamed ``versioncreated``
to ``versionCreated`` and friends. A file may hold one item, a list of items, or an AP-style
``{"data": {"items": [{"item": {...}}]}}`` envelope. Spec: https://iptc.org/standards/ninjs/"""

from __future__ import annotations

from datetime import datetime
from typing import Any


from wirewatch.connectors.parsing.opening import json_or_fail
from wirewatch.connectors.parsing.ids import pick_id

from wirewatch.connectors.parsing.results import ParseResult, ParsedItem

from wirewatch.connectors.parsing.times import wire_time
from wirewatch.connectors.parsing.wraps import markup_spaces, unwrap

from wirewatch.text import clean
from wirewatch.records import Story

TEXT_TYPES = {None, "", "text", "composite"}


def looks_like_ninjs(data: object) -> bool:
    items = _items(data)
    return bool(items) and all(isinstance(i, dict) and ("uri" in _lower(i) or "guid" in _lower(i)) for i in items)


def parse_ninjs(body: bytes, fetched: datetime | None = None, *, origin: str, source: str | None = None) -> ParseResult:
    result = ParseResult(format="ninjs")
    data = json_or_fail(result, body, origin)
    if result.errors:
        return result
    items = _items(data)
    if not items:
        result.fail(origin, "JSON but not ninjs (no item with a uri)", body)
        return result
    for number, raw in enumerate(items, start=1):
        item_origin = f"{origin}#{number}" if len(items) > 1 else origin
        item = _lower(raw) if isinstance(raw, dict) else {}
        if not item.get("uri") and not item.get("guid"):
            result.fail(item_origin, f"ninjs item {number} has no uri", repr(raw)[:2000])
            continue
        kind = item.get("type")
        story = _story(item, fetched, item_origin, source)
        if story is None:
            result.fail(item_origin, f"ninjs {kind or 'item'} {number} has no headline, description or text",
                        repr(raw)[:2000])
            continue
        if kind not in TEXT_TYPES:
            result.notes.append(f"{item_origin}: a {kind} item; its text is its caption")
        result.add(ParsedItem(story, guid=_uri(item), version=story.version),
                   no_date=f"{item_origin}: no publication time with a timezone")
    return result


def _items(data: object) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        return []
    envelope = data.get("data")
    if isinstance(envelope, dict) and isinstance(envelope.get("items"), list):
        return [e.get("item", e) if isinstance(e, dict) else e for e in envelope["items"]]
    if isinstance(envelope, dict) and isinstance(envelope.get("item"), dict):
        return [envelope["item"]]
    return [data]


def _lower(item: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in item.items()}


def _uri(item: dict[str, Any]) -> str | None:
    value = item.get("uri") or item.get("guid")
    return str(value) if value is not None else None


def _story(item: dict[str, Any], fetched: datetime | None, origin: str, source: str | None) -> Story | None:
    title = clean(item.get("headline")) or _pick(item.get("headlines"), ("main", "", None)) or clean(item.get("slugline"))
    summary = (
        clean(item.get("description_text")) or clean(item.get("description_html"), True)
        or clean(item.get("description")) or _pick(item.get("descriptions"), ("summary", "text", "caption", "", None))
    )
    body = (
        _plain(item.get("body_text")) or _html(item.get("body_html")) or _html(item.get("body_xhtml"))
        or _pick(item.get("bodies"), ("text", "plain", "html", "xhtml", "", None))
    )
    if not (title or summary or body):
        return None
    published = None
    for key in ("firstpublished", "firstcreated", "contentcreated", "versioncreated"):
        published = published or wire_time(item.get(key))
    credit = _name(item.get("infosources")) or _name(item.get("infosource")) or clean(item.get("copyrightholder"))
    url = item.get("uri") if str(item.get("uri", "")).startswith("http") else None
    version = str(item.get("version", ""))  # as the source counts: AP's first version is 0
    return Story(
        id=pick_id(_uri(item), None, None, title, summary, body),
        body=body or summary or title or "",
        title=title,
        summary=summary,
        url=url,
        source=source or clean(item.get("source")),
        dateline=clean(item.get("located")) if isinstance(item.get("located"), str) else None,
        credit=credit,
        publisher=clean(item.get("copyrightholder")) or clean(item.get("source")),
        authors=_authors(item),
        language=item.get("language") if isinstance(item.get("language"), str) else None,
        published=published,
        fetched=fetched,
        format="ninjs",
        origin=origin,
        item_id=_item_id(item),
        version=int(version) if version.isdigit() else None,
        correction=_corrects(item),
    )


def _item_id(item: dict[str, Any]) -> str | None:
    """What the item's versions share: AP's ``altids.itemid`` (its uri changes with each version), else the uri."""
    altids = item.get("altids")
    if isinstance(altids, dict) and isinstance(altids.get("itemid"), str) and altids["itemid"].strip():
        return f"ap:{altids['itemid'].strip()}"
    return _uri(item)


def _corrects(item: dict[str, Any]) -> bool:
    """Whether the item says it is a correction: a ``signals`` entry (3.0) or a ``pubstatus`` of correction."""
    signals = item.get("signals") if isinstance(item.get("signals"), list) else ()
    codes = [str(s.get("name") or s.get("uri") or "") if isinstance(s, dict) else str(s) for s in signals]
    codes.append(str(item.get("pubstatus") or ""))
    return any(code.rpartition(":")[2].rpartition("/")[2].lower() in ("correction", "corrected") for code in codes)


def _html(value: object) -> str | None:
    """Body markup as paragraphs: its raw line breaks are spaces, as in any HTML."""
    return clean(markup_spaces(value), True) if isinstance(value, str) else None


def _plain(value: object) -> str | None:
    """Plain body text as paragraphs, hard wraps joined."""
    return clean(unwrap(value)) if isinstance(value, str) else None


def _pick(values: object, roles: tuple[str | None, ...]) -> str | None:
    """The text of the first ``{role, contenttype, value}`` entry with a preferred role (2.x / 3.0 lists)."""
    if not isinstance(values, list):
        return None
    entries = [_lower(v) for v in values if isinstance(v, dict) and isinstance(v.get("value"), str)]
    for role in roles:
        for entry in entries:
            if entry.get("role") == role:
                markup = "html" in str(entry.get("contenttype", "")) or role in ("html", "xhtml")
                return _html(entry["value"]) if markup else clean(unwrap(entry["value"]))
    return _html(entries[0]["value"]) if entries else None


def _name(value: object) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return clean(value.get("name")) if isinstance(value, dict) else clean(value)


def _authors(item: dict[str, Any]) -> tuple[str, ...]:
    names: list[str | None] = []
    for key in ("by", "byline"):
        names.append(clean(item.get(key)) if isinstance(item.get(key), str) else None)
    for person in item.get("authors") or ():
        if isinstance(person, dict):
            names.append(clean(person.get("name")))
    return tuple(dict.fromkeys(n for n in names if n))
