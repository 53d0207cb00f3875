"""IPTC NITF (News Industry Text Format) XML to one Story. Spec: https://iptc.org/std/NITF/"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from wirewatch.connectors.parsing.opening import xml_or_fail
from wirewatch.connectors.parsing.ids import pick_id

from wirewatch.connectors.parsing.results import ParseResult, ParsedItem

from wirewatch.connectors.parsing.times import wire_time


from wirewatch.text import clean
from wirewatch.connectors.wire.xmltools import attr, child, children, descendants, lang, local, text
from wirewatch.records import Story


def parse_nitf(body: bytes, fetched: datetime | None = None, *, origin: str, source: str | None = None) -> ParseResult:
    result = ParseResult(format="nitf")
    root = xml_or_fail(result, body, origin)
    if root is None:
        return result
    if local(root) != "nitf":
        result.fail(origin, f"not NITF: root element is <{local(root)}>", body)
        return result
    head, main = child(root, "head"), child(root, "body")
    docdata = child(head, "docdata")
    bhead = child(main, "body.head")
    title = text(child(bhead, "hedline", "hl1")) or text(child(head, "title"))
    summary = text(child(bhead, "abstract"))
    content = text(child(main, "body.content"))
    if not (title or summary or content):
        result.fail(origin, "NITF document has no headline, abstract or body text", body)
        return result
    doc_id = attr(child(docdata, "doc-id"), "id-string")
    published = None
    for name in ("date.release", "date.issue"):
        published = published or wire_time(attr(child(docdata, name), "norm"))
    if published is None:
        published = wire_time(attr(child(head, "pubdata"), "date.publication"))
    distributor = text(child(bhead, "distributor"))
    holder = attr(child(docdata, "doc.copyright"), "holder")
    publisher = attr(child(head, "pubdata"), "name") or holder
    url = attr(child(head, "pubdata"), "ex-ref")
    authors = []
    for byline in children(bhead, "byline"):
        person = child(byline, "person")
        name = text(person) if person is not None else text(byline)
        if name:
            authors.append(name.split("\n")[0])  # a byline's title (<byttl>) follows on its own line
    dateline = next((d for d in (_dateline(x) for x in descendants(bhead, "dateline")) if d), None)
    story = Story(
        id=pick_id(doc_id, None, url, title, summary, content),
        body=content or summary or title or "",
        title=title,
        summary=summary,
        url=url,
        source=source or publisher,
        dateline=dateline,
        credit=distributor or holder,
        publisher=publisher,
        authors=tuple(dict.fromkeys(authors)),
        language=lang(root) or lang(head) or _meta_language(head),
        published=published,
        fetched=fetched,
        format="nitf",
        origin=origin,
    )
    result.add(ParsedItem(story, guid=doc_id), no_date=f"{origin}: no publication time with a timezone")
    return result


def _dateline(el: etree._Element) -> str | None:
    """The place of a dateline, without its <story.date> (which some agencies fill with a machine time)."""
    location = child(el, "location")
    if location is not None:
        return text(location)
    parts = [el.text or ""] + [
        (text(sub) or "" if local(sub) != "story.date" else "") + (sub.tail or "") for sub in el
    ]
    return clean(" ".join(parts))


def _meta_language(head: object) -> str | None:
    for meta in children(head, "meta"):  # type: ignore[arg-type]
        if (meta.get("name") or "").lower() in ("language", "lang", "dc.language"):
            return meta.get("content") or None
    return None
