"""IPTC NewsML-G2 (newsItem, packageItem, or a newsMessage carrying them) to Stories.

Versions of one item share its ``guid``: the story id comes from the guid alone, so a newer version
replaces an older one downstream, and the version number is kept on the ParsedItem.
Spec: https://iptc.org/std/NewsML-G2/guidelines/
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from wirewatch.connectors.parsing.opening import xml_or_fail
from wirewatch.connectors.parsing.ids import pick_id

from wirewatch.connectors.parsing.results import ParseResult, ParsedItem

from wirewatch.connectors.parsing.times import wire_time
from wirewatch.connectors.parsing.wraps import unwrap


from wirewatch.text import clean
from wirewatch.connectors.wire.xmltools import attr, child, children, descendants, lang, local, text
from wirewatch.records import Story

NEWS_ITEMS = {"newsItem", "packageItem"}
OTHER_ITEMS = {"conceptItem", "knowledgeItem", "planningItem", "catalogItem", "catalog"}


def parse_newsmlg2(
    body: bytes, fetched: datetime | None = None, *, origin: str, source: str | None = None,
) -> ParseResult:
    result = ParseResult(format="newsmlg2")
    root = xml_or_fail(result, body, origin)
    if root is None:
        return result
    if local(root) == "newsMessage":
        result.title = _name(child(root, "header", "sender")) if child(root, "header") is not None else None
        items = [el for s in children(root, "itemSet") for el in s if local(el)]
    else:
        items = [root]
    for number, el in enumerate(items, start=1):
        item_origin = f"{origin}#{number}" if len(items) > 1 else origin
        kind = local(el)
        if kind in OTHER_ITEMS:
            result.fail(item_origin, f"NewsML-G2 {kind} carries no news story", etree.tostring(el)[:500])
        elif kind not in NEWS_ITEMS:
            result.fail(item_origin, f"not a NewsML-G2 news or package item: <{kind}>", etree.tostring(el)[:500])
        else:
            item = _item(el, result, fetched, item_origin, source)
            if item is None:
                result.fail(item_origin, f"NewsML-G2 {kind} has no headline, description or text", body)
            else:
                result.add(item, no_date=f"{item_origin}: no publication time with a timezone")
    if not items:
        result.fail(origin, "NewsML-G2 newsMessage carries no items", body)
    return result


def _item(
    el: etree._Element, result: ParseResult, fetched: datetime | None, origin: str, source: str | None,
) -> ParsedItem | None:
    meta, content = child(el, "itemMeta"), child(el, "contentMeta")
    headline = _prefer(list(children(content, "headline")), ("", "hld:main"))
    description = _prefer(list(children(content, "description")), ("drol:summary", "drol:caption", ""))
    title = text(headline) or text(child(content, "slugline"))
    summary = text(description)
    body = _body(el)
    if not (title or summary or body):
        return None
    provider = _name(child(meta, "provider"))
    credit = text(child(content, "creditline")) or _name(_originating(content)) or provider
    guid = el.get("guid")
    version = el.get("version")
    published = None
    for name in ("firstCreated", "contentCreated", "versionCreated"):
        node = child(meta, name) if name != "contentCreated" else child(content, name)
        published = published or wire_time(node.text if node is not None else None)
    language = attr(child(content, "language"), "tag") or lang(el)
    story = Story(
        id=pick_id(guid, None, None, title, summary, body),
        body=body or summary or title or "",
        title=title,
        summary=summary,
        source=source or provider,
        dateline=text(child(content, "dateline")),
        credit=credit,
        publisher=provider,
        authors=tuple(dict.fromkeys(n for n in (_name(c) for c in children(content, "creator")) if n)),
        language=language,
        published=published,
        fetched=fetched,
        format="newsmlg2",
        origin=origin,
        item_id=guid,
        version=int(version) if version and version.isdigit() else None,
        correction=_corrects(meta),
    )
    return ParsedItem(story, guid=guid, version=story.version)


def _corrects(meta: etree._Element | None) -> bool:
    """Whether the item's metadata signals a correction (``<signal qcode="sig:correction"/>``)."""
    return any((s.get("qcode") or "").rpartition(":")[2].lower() == "correction" for s in children(meta, "signal"))


def _body(el: etree._Element) -> str | None:
    """Text of the first inline rendition (XHTML, NITF or plain); for a package, its item references."""
    for node in descendants(child(el, "contentSet"), "inlineXML"):
        found = text(node)
        if found:
            return found
    for node in descendants(child(el, "contentSet"), "inlineData"):
        markup = "html" in (node.get("contenttype") or "")
        found = clean(node.text if markup or not node.text else unwrap(node.text), markup)
        if found:
            return found
    refs = []
    for ref in descendants(child(el, "groupSet"), "itemRef"):
        line = " - ".join(x for x in (text(child(ref, "title")), text(child(ref, "description"))) if x)
        if line:
            refs.append(line)
    return "\n".join(refs) or None


def _prefer(nodes: list[etree._Element], roles: tuple[str, ...]) -> etree._Element | None:
    for role in roles:
        for node in nodes:
            if (node.get("role") or "") == role:
                return node
    return nodes[0] if nodes else None


def _originating(content: etree._Element | None) -> etree._Element | None:
    for source in children(content, "infoSource"):
        if "originatingSource" in (source.get("role") or ""):
            return source
    return None


def _name(el: etree._Element | None) -> str | None:
    """A party's name: its <name> child, else its literal, else the code of its qcode ("nprov:AP" -> "AP")."""
    if el is None:
        return None
    name = text(child(el, "name"))
    if name:
        return name
    literal = el.get("literal") or el.get("qcode")
    return clean(literal.rpartition(":")[2]) if literal else None
