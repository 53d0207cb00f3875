"""A fast path for the common feed: well-formed RSS 0.9x / 2.0, RSS 1.0 / 0.90 (RDF) or Atom 1.0, read with
lxml from the UTF-8 bytes feedparser's own encoding step gives (connectors.fastfeed_scan.prepare), also
where feedparser's loose parser reads it for a misplaced declaration (connectors.fastloose).

It builds the few fields ``connectors.feeds`` reads from feedparser's answer (feed title, link, language;
per entry title, summary, content, id, link, dates, authors), following feedparser's rules for them;
markup is checked against its sanitizer (connectors.fastvalues) and XHTML rebuilt as it does
(connectors.fastxhtml). On anything it does not model (an encoding feedparser cannot name, a DOCTYPE,
xml:base or xml:lang below the root, markup its sanitizer would change, a duplicate field, an element
feedparser has a handler for) it returns None and the caller uses feedparser, so both paths give the
same Stories. ``decline_reason`` says why, for reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import make_safe_absolute_uri
from feedparser.util import FeedParserDict

from connectors import fastfeed_ext, fastfeed_scan, fastloose, fastxhtml
from connectors.fastvalues import (
    Decline,
    join_url,
    looks_like_html,
    plain_html,
    sanitized_copy,
    text,
)
from connectors.parsed import ParseError
from connectors.safexml import parse_xml
from transforms.normalize import LOOKS_HTML

ATOM = "http://www.w3.org/2005/Atom"
_ATOM_TAG = f"{{{ATOM}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_VERSION_URIS = {RSS10, RSS090}  # feedparser's version hints
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_ABOUT = f"{{{_RDF}}}about"
# The date elements feedparser files under each date field of an item (its handlers are aliases).
_ITEM_DATES = {
    "pubdate": "published", "published": "published", "issued": "published", "dcterms_issued": "published",
    "dc_date": "updated", "updated": "updated", "modified": "updated", "dcterms_modified": "updated",
    "created": "created", "dcterms_created": "created",
}
_MATTERS = frozenset({
    "title", "link", "description", "guid", "content_encoded", "itunes_summary", *_ITEM_DATES,
})
_NAMESPACES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_KEYS: dict[str, str] = {}  # element tag to feedparser's name, where the document's prefixes do not matter
_ENTITY_NAME = re.compile("&([A-Za-z0-9_]+);")
# Keys of feedparser's answer that feeds.py reads: an unknown element must never land on one of them.
_READ = frozenset({
    "title", "title_detail", "summary", "summary_detail", "content", "id", "link", "guidislink", "author",
    "authors", "published", "published_parsed", "updated", "updated_parsed", "created", "created_parsed",
    "media_title", "media_description", "language",
})
_RSS_CHANNEL_IGNORED = frozenset({
    "copyright", "managingeditor", "webmaster", "pubdate", "lastbuilddate", "category", "generator", "docs",
    "ttl", "rating", "cloud", "dc_date", "dc_creator", "dc_publisher", "dc_rights", "dc_subject", "subtitle",
})
_RSS_BOXES = {"image": {"title", "url", "link", "width", "height", "description"},
              "textinput": {"title", "description", "name", "link"},
              "skiphours": {"hour"}, "skipdays": {"day"}}
# dc:publisher, dc:rights and subtitle fill publisher, rights and subtitle, which feeds.py does not read.
_RSS_ITEM_IGNORED = frozenset({
    "category", "comments", "enclosure", "source", "dc_subject", "dc_publisher", "dc_rights", "subtitle",
})
_ATOM_FEED_IGNORED = frozenset({"updated", "published", "subtitle", "rights", "generator", "icon", "logo", "category"})
_PERSON = {"name": "name", "email": "email", "uri": "href"}
_ATOM_TEXTS = frozenset(f"{_ATOM_TAG}{name}" for name in ("title", "summary", "content"))
_ATOM_TYPES = {None: "text/plain", "text": "text/plain", "html": "text/html"}


def parse(body: bytes, headers: Mapping[str, str]) -> FeedParserDict | None:
    """feedparser's answer for the fields we read, or None when only feedparser can say. Never raises."""
    try:
        return _answer(body, headers)
    except (Decline, ParseError):
        return None
    except Exception:  # noqa: BLE001 (a surprise in the fast path costs speed, never a story)
        return None


def decline_reason(body: bytes, headers: Mapping[str, str]) -> str | None:
    """Why ``parse`` leaves ``body`` to feedparser (for reports), or None when it answers."""
    try:
        _answer(body, headers)
    except Decline as decline:
        return str(decline)
    except ParseError:
        return "not well-formed for lxml"
    except Exception as exc:  # noqa: BLE001 (reported, as parse would swallow it)
        return f"surprise: {type(exc).__name__}"
    return None


def _answer(body: bytes, headers: Mapping[str, str]) -> FeedParserDict:
    data, state = fastfeed_scan.prepare(body, headers)
    sighted = fastfeed_scan.declines_at_sight(data)
    if sighted:
        raise Decline(sighted)
    root = parse_xml(data)
    if root.getroottree().docinfo.doctype:
        raise Decline("DOCTYPE")
    base = make_safe_absolute_uri("", headers.get("content-location", "")) or ""
    lang = root.attrib.pop(_XML_LANG, None)  # the one xml:lang modelled: the whole document's
    declared_base = root.attrib.pop(_XML_BASE, None)  # likewise the one xml:base
    if declared_base is not None:  # feedparser's rule for an element's base; an empty one keeps the old
        chosen = declared_base or base
        base = (make_safe_absolute_uri(base, chosen) or base) if base else join_url(base, chosen)
    _key(root)  # refuses any other xml:lang or xml:base, and plain lang or base attributes, on the root too
    reader = _Reader(base, (lang or "").replace("_", "-") or None, state.get("loose", False))
    reader.raw_quotes = state.get("raw_quotes", False)
    if reader.loose:
        fastloose.check_tree(root, data)
    declared = {uri.lower() for uri in root.nsmap.values()}
    if _is_rss(root.tag) and not _VERSION_URIS & declared and not set(root.attrib) - {"version"}:
        answer = reader.rss(root, _rss_version(root.get("version", "")))
    elif root.tag == f"{{{_RDF}}}RDF":
        answer = reader.rdf(root, _rdf_version(root.nsmap))
    elif root.tag == f"{_ATOM_TAG}feed" and not _VERSION_URIS & declared:
        answer = reader.atom(root)
    else:
        raise Decline(f"root {root.tag} version {root.get('version')}")
    if not answer["entries"]:
        raise Decline("no entries")  # feedparser words the empty cases
    for entry in answer["entries"]:
        _check_bare_summary(entry, reader)
    if state.get("bozo"):  # the encoding step's complaint (an overridden charset, a non-XML media type)
        answer["bozo"], answer["bozo_exception"] = True, state["bozo_exception"]
    return answer


def _is_rss(tag: str) -> bool:
    """An rss root, bare or in a UserLand namespace (feedparser files those elements as plain RSS)."""
    return tag == "rss" or (tag.endswith("}rss") and "backend.userland.com/rss" in tag.lower())


def _rss_version(declared: str) -> str:
    """feedparser's version for an rss root's version attribute (0.9x, 2.x, or unknown)."""
    return _RSS_VERSIONS.get(declared) or ("rss20" if declared.startswith("2.") else "rss")


def _rdf_version(nsmap: Mapping[str | None, str]) -> str:
    """feedparser's version for an RDF document: the first version namespace it sees names it, so the root
    must declare exactly one (RSS 0.90 only as the default namespace)."""
    hints = [(prefix, uri.lower()) for prefix, uri in nsmap.items() if uri.lower() in _VERSION_URIS | {ATOM.lower()}]
    if hints == [(None, RSS090)]:
        return "rss090"
    if len(hints) == 1 and hints[0][1] == RSS10:
        return "rss10"
    raise Decline(f"RDF with version namespaces {hints}")


def _check_bare_summary(entry: dict[str, Any], reader: _Reader) -> None:
    """A summary copied from content has no type, so feeds.py cleans it as text: feedparser's markup then
    reaches the Story as it is unless clean_text takes it for HTML. Plain-text content is copied as it is;
    HTML content is copied sanitized, so that summary becomes feedparser's own sanitizer output."""
    summary = entry.get("summary")
    markup = summary and ("<" in summary or ">" in summary)
    if markup and "summary_detail" not in entry and not LOOKS_HTML.search(summary):
        copied = reader.copies.get(id(entry))
        if copied is None or copied[0] is not summary:
            raise Decline("summary copied from markup clean_text would keep")
        if copied[1] == "text/html":
            entry["summary"] = sanitized_copy(summary, reader.base)
        elif copied[1] != "text/plain":
            raise Decline("summary copied from XHTML markup clean_text would keep")


def _key(element: Any) -> str:
    """The name feedparser dispatches on: its own prefix for a namespace it knows, else the document's."""
    tag = element.tag
    if element.attrib:
        for name in element.attrib:
            local = name.rpartition("}")[2].lower()
            if local in ("base", "lang"):
                raise Decline("xml:base or xml:lang")
    key = _KEYS.get(tag)
    if key is not None:
        return key
    if not isinstance(tag, str):
        raise Decline("entity reference or other non-element node")
    key = _key_of(tag, element.prefix)
    if tag[0] != "{" or _NAMESPACES.get(_namespace(tag)) is not None:
        _KEYS[tag] = key  # a name that does not depend on the document's prefix
    return key


def _namespace(tag: str) -> str:
    lowered = tag[1:].partition("}")[0].lower()
    return "http://backend.userland.com/rss" if "backend.userland.com/rss" in lowered else lowered


def _key_of(tag: str, given: str | None) -> str:
    if tag[0] != "{":
        return tag.lower()
    uri, _, local = tag[1:].partition("}")
    prefix = _NAMESPACES.get(_namespace(tag))
    if prefix is None:
        prefix = given
        if not prefix:
            raise Decline(f"element in unknown default namespace {uri}")
    return f"{prefix}_{local.lower()}" if prefix else local.lower()


def _bare_entities(link: str) -> str:
    """What feedparser's link handling leaves of an entity-like '&name;' in a link: '&name'."""
    return _ENTITY_NAME.sub(r"&\g<1>", link) if "&" in link else link


def _leaf(element: Any) -> str:
    if len(element):
        raise Decline(f"nested markup in {element.tag}")
    return element.text or ""


def _other(element: Any, key: str) -> None:
    """An element we do not read: fine only if feedparser has no handler for it or anything inside it (it then
    files each one's text under its own name, which feeds.py never reads)."""
    if key in _READ or hasattr(StrictFeedParser, "_start_" + key) or hasattr(StrictFeedParser, "_end_" + key):
        raise Decline(f"element {key} may feed a field we read")
    for child in element:
        _other(child, _key(child))


class _Context:
    """Just enough of a feedparser parser for its author-detail step: the entry being built."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry

    def _get_context(self) -> dict[str, Any]:
        return self.entry


class _Reader:
    """One document's walk. Each entry is a plain dict with feedparser's keys for the fields we read."""

    def __init__(self, base: str, lang: str | None, loose: bool = False) -> None:
        self.base = base
        self.lang = lang
        self.loose = loose  # feedparser's loose parser reads this document: see connectors.fastloose
        self.raw_quotes = False  # in a loose-parsed document, whether every quote is written as itself
        self.copies: dict[int, tuple[str, str]] = {}  # id(entry): the content value copied to its summary, type
        self.home = "\0"  # the tag prefix of an RDF document's own RSS namespace, whose elements are plain

    def _value(self, value: str) -> str:
        """A value feedparser does not read as content (link, id, date, author, language)."""
        return fastloose.plain(value, self.raw_quotes) if self.loose else value

    def _attribute(self, value: str | None) -> str | None:
        return fastloose.attribute(value) if self.loose and value is not None else value

    def _namespaced(self, tag: str) -> bool:
        """Whether feedparser files the element under a namespace prefix (not for RSS 1.0's own elements)."""
        return tag[0] == "{" and not tag.startswith(self.home)

    def _feed(self) -> dict[str, Any]:
        return {"language": self.lang} if self.lang else {}

    def _detail(self, kind: str, value: str) -> dict[str, Any]:
        return {"type": kind, "language": self.lang, "base": self.base, "value": value}

    def rss(self, root: Any, version: str) -> FeedParserDict:
        if root.tag[0] == "{":  # a UserLand namespace: its elements are plain RSS
            self.home = root.tag.partition("}")[0] + "}"
        channels = [child for child in root if _key(child) == "channel"]
        if len(channels) != 1 or len(root) != 1:
            raise Decline("rss without exactly one channel")
        feed = self._feed()
        entries: list[dict[str, Any]] = []
        self._channel(channels[0], feed, entries)
        return FeedParserDict(version=version, bozo=False, feed=feed, entries=entries)

    def rdf(self, root: Any, version: str) -> FeedParserDict:
        """RSS 1.0 or 0.90: channel, then items, image and textinput beside it under rdf:RDF."""
        self.home = f"{{{RSS10 if version == 'rss10' else RSS090}}}"
        feed = self._feed()
        entries: list[dict[str, Any]] = []
        channel = False
        for child in root:
            key = _key(child)
            if self._namespaced(child.tag) or set(child.attrib) - {_RDF_ABOUT}:
                raise Decline(f"{child.tag} or its attributes under rdf:RDF")
            if key == "channel" and not channel:
                channel = True
                self._channel(child, feed, entries)
            elif key == "item":
                entries.append(self._rss_item(child))
            elif key in ("image", "textinput") and channel:  # before the channel its title would hide the feed's
                self._box(child, key)
            else:
                raise Decline(f"{key} under rdf:RDF")
        return FeedParserDict(version=version, bozo=False, feed=feed, entries=entries)

    def _box(self, element: Any, key: str) -> None:
        for part in element:
            if _key(part) not in _RSS_BOXES[key]:
                raise Decline(f"{key} holds {part.tag}")
            _leaf(part)

    def _rdf_items(self, element: Any) -> None:
        """A channel's rdf:Seq of rdf:li references: elements feedparser has no handler for and ignores."""
        if element.attrib or len(element) != 1 or _key(element[0]) != "rdf_seq" or element[0].attrib:
            raise Decline("channel items that are not one rdf:Seq")
        for part in element[0]:
            if _key(part) != "rdf_li" or len(part):
                raise Decline("rdf:Seq holding more than rdf:li references")

    def _channel(self, channel: Any, feed: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        if set(channel.attrib) - {_RDF_ABOUT}:
            raise Decline("channel with attributes")
        seen: set[str] = set()
        summary = False
        titled = False  # feedparser's title_depth: a later title at this depth is dropped, until a box or item
        for child in channel:
            key = _key(child)
            namespaced = self._namespaced(child.tag)
            if key == "item" and not namespaced:
                entries.append(self._rss_item(child))
                titled = False
                continue
            mark = child.tag if namespaced else key
            if mark in seen and key in ("title", "description", "itunes_summary"):
                raise Decline(f"second channel {key}")
            seen.add(mark)
            if namespaced and key == "link" and child.attrib:  # atom:link in RSS: harmless unless an alternate
                self._side_link(child)
            elif key in ("language", "dc_language"):  # the last one wins, as in feedparser
                feed["language"] = self._value(text(_leaf(child)))
            elif key == "itunes_summary":  # feedparser keeps it as the feed's summary
                _leaf(child)
                summary = True
            elif key == "itunes_author" or (namespaced and key in _RSS_CHANNEL_IGNORED):
                _leaf(child)  # itunes:author is the feed's author, which we do not read
            elif key == "dc_title" and titled:
                _leaf(child)
            elif namespaced and key != "link":
                if not fastfeed_ext.skips(child, key, _key, _other, titled):
                    _other(child, key)
            elif key == "title":
                feed["title"] = self._rss_title(child)[0]
                titled = bool(feed["title"])
            elif key == "link":  # the last one wins, as in feedparser
                if child.attrib:
                    raise Decline("channel link with attributes")
                feed["link"] = _bare_entities(self._url(_leaf(child)))
            elif key == "description":
                if summary:  # feedparser would take it for content, and carry that into the first item
                    raise Decline("channel description after itunes:summary")
                _leaf(child)
            elif key in _RSS_CHANNEL_IGNORED:
                _leaf(child)
            elif key in _RSS_BOXES:
                self._box(child, key)
                titled = False
            elif key == "items" and self.home != "\0":
                self._rdf_items(child)
            else:
                _other(child, key)

    def _rss_title(self, element: Any) -> tuple[str, str]:
        value = text(_leaf(element))
        if looks_like_html(value):
            return plain_html(value), "text/html"
        return value, "text/plain"

    def _url(self, value: str) -> str:
        value = self._value(text(value))
        return join_url(self.base, value) if value else value

    def _side_link(self, element: Any) -> None:
        rel = (self._attribute(element.get("rel")) or "alternate").lower()
        if rel == "alternate" or self._attribute(element.get("href")) is None or len(element):
            raise Decline("atom:link that may set the link")

    def _rss_item(self, item: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if item.attrib:  # feedparser takes rdf:about for the id, in any RSS; lastmod and href set other fields
            if set(item.attrib) - {_RDF_ABOUT}:
                raise Decline("item with attributes")
            entry["id"] = item.get(_RDF_ABOUT)
        seen: set[str] = set()
        has_content = False  # feedparser's hasContent: whether a later summary still overwrites
        for child in item:
            key = _key(child)
            namespaced = self._namespaced(child.tag)
            mark = child.tag if namespaced else key
            if mark in seen and key in _MATTERS:
                raise Decline(f"second item {key}")
            seen.add(mark)
            if namespaced and key == "link" and child.attrib:  # without attributes it is a plain link
                self._side_link(child)
            elif key == "content_encoded":
                has_content = True
                value = plain_html(text(_leaf(child)))
                entry.setdefault("content", []).append(self._detail("text/html", value))
                if "summary" not in entry:
                    self.copies[id(entry)] = (value, "text/html")
                entry.setdefault("summary", value)
            elif key in ("description", "itunes_summary"):
                has_content = self._rss_summary(entry, child, key, has_content)
            elif key in ("dc_creator", "itunes_author"):
                self._rss_author(entry, child)
            elif key == "dc_language":  # sets the entry's language key, which we do not read
                _leaf(child)
            elif key in _ITEM_DATES:  # the last one of each field wins, as in feedparser
                self._date(entry, _ITEM_DATES[key], child)
            elif key == "dc_title" and entry.get("title"):  # feedparser drops a later title at the same depth
                _leaf(child)
            elif namespaced and key not in _RSS_ITEM_IGNORED and key != "link":
                self._extension(entry, child, key)
            elif key == "title":
                value, kind = self._rss_title(child)
                entry["title"] = value
                entry["title_detail"] = self._detail(kind, value)
            elif key == "link":
                value = self._url(_leaf(child)).replace("&amp;", "&")
                entry["link"] = _bare_entities(value)
            elif key == "guid":
                attributes = {name.lower(): self._attribute(value) for name, value in child.attrib.items()}
                self._id(entry, _leaf(child), attributes.get("ispermalink", "true") == "true")
            elif key == "author":
                self._rss_author(entry, child)
            elif key in _RSS_ITEM_IGNORED:
                _leaf(child)
            else:
                _other(child, key)
        return entry

    def _rss_summary(self, entry: dict[str, Any], element: Any, key: str, has_content: bool) -> bool:
        """description or itunes:summary, by feedparser's rule: a second summary before any content becomes
        content (typed as plain text, or HTML when it looks like it); otherwise it replaces the summary."""
        if element.attrib:
            raise Decline(f"{key} with attributes")
        if "summary" in entry and not has_content:
            value, kind = self._rss_title(element)
            entry.setdefault("content", []).append(self._detail(kind, value))
            return True
        if key == "description" and len(element):  # markup as elements: feedparser turns it into XHTML
            if self.loose:  # the loose parser rebuilds it from text as written: not modelled
                raise Decline("markup as elements in a loose-parsed document")
            value, kind = plain_html(text(fastxhtml.inline_markup(element))), "application/xhtml+xml"
        elif key == "description":
            value, kind = plain_html(text(_leaf(element))), "text/html"
        else:
            value, kind = self._rss_title(element)
        entry["summary"] = value
        entry["summary_detail"] = self._detail(kind, value)
        return has_content

    def _id(self, context: dict[str, Any], raw: str, permalink: bool) -> None:
        value = self._url(raw) if permalink else self._value(text(raw))
        context["id"] = value
        context.setdefault("guidislink", permalink and "link" not in context)
        if permalink:
            context.setdefault("link", value)

    def _date(self, entry: dict[str, Any], field: str, element: Any) -> None:
        value = self._value(text(_leaf(element)))
        entry[field] = value
        entry[field + "_parsed"] = _parse_date(value)

    def _rss_author(self, entry: dict[str, Any], element: Any) -> None:
        """feedparser's author: a new author detail, the text as the author, then its own split of an e-mail
        address out of the text (its _sync_author_detail, called on this entry)."""
        value = self._value(text(_leaf(element)))
        entry.setdefault("authors", []).append({"name": value} if value and "@" not in value else {})
        entry["author"] = value
        if "@" in value:
            _FeedParserMixin._sync_author_detail(_Context(entry))  # type: ignore[arg-type]

    def atom(self, root: Any) -> FeedParserDict:
        feed = self._feed()
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        for child in root:
            key = self._atom_key(child)
            if key == "entry":
                entries.append(self._atom_entry(child))
                continue
            if key in seen and key in ("title", "id"):
                raise Decline(f"second feed {key}")
            seen.add(key)
            if key == "title":
                feed["title"] = self._typed(child)[0]
            elif key == "link":
                self._link(feed, child)
            elif key == "id":
                self._id(feed, _leaf(child), True)
            elif key in ("author", "contributor"):
                self._person(child)
            elif key in _ATOM_FEED_IGNORED:
                _leaf(child)
            elif not fastfeed_ext.skips(child, key, _key, _other, False):
                _other(child, key)
        return FeedParserDict(version="atom10", bozo=False, feed=feed, entries=entries)

    def _atom_key(self, element: Any) -> str:
        key = _key(element)
        tag = element.tag
        if tag[0] != "{" or (not tag.startswith(_ATOM_TAG) and _NAMESPACES.get(tag[1:].partition("}")[0].lower()) == ""):
            raise Decline(f"{tag}: not Atom 1.0 in an Atom 1.0 feed")
        return key

    def _typed(self, element: Any, xhtml: bool = False, svg: bool = False) -> tuple[str, str]:
        """An Atom text construct: text, html, or (in entries, where feeds.py reads it as HTML) xhtml, with
        inline SVG where feedparser will not copy the markup to a summary read as text."""
        kind = _ATOM_TYPES.get(element.get("type"))
        if xhtml and element.get("type") == "xhtml":
            kind = "application/xhtml+xml"
        if kind is None or len(element.attrib) > ("type" in element.attrib):
            raise Decline(f"{element.tag} with type {element.get('type')!r} or other attributes")
        if kind == "application/xhtml+xml":
            if self.loose:  # the loose parser rebuilds it from text as written: not modelled
                raise Decline("XHTML in a loose-parsed document")
            value, elided = fastxhtml.markup(element)
            if elided and not (svg or LOOKS_HTML.search(value)):
                raise Decline("inline SVG in XHTML copied to a summary read as text")
            return plain_html(text(value)), kind
        value = text(_leaf(element))
        return (plain_html(value) if kind == "text/html" else value), kind

    def _link(self, context: dict[str, Any], element: Any) -> None:
        href = self._attribute(element.get("href"))
        if href is None or "url" in element.attrib or "uri" in element.attrib or len(element):
            raise Decline("atom link without a plain href")
        rel = (self._attribute(element.get("rel")) or "alternate").lower()
        default = "application/atom+xml" if rel == "self" else "text/html"
        kind = _FeedParserMixin.map_content_type((self._attribute(element.get("type")) or default).lower())
        if rel == "alternate" and kind in _FeedParserMixin.html_types:
            context["link"] = join_url(self.base, href)

    def _person(self, element: Any) -> dict[str, str]:
        person: dict[str, str] = {}
        for part in element:
            key = self._atom_key(part)
            field = _PERSON.get(key)
            if field is None:  # an extension (gd:image): fine where feedparser stores it under its own key
                _other(part, key)
            else:
                person[field] = self._value(text(_leaf(part)))
        return person

    def _atom_entry(self, element: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        seen: set[str] = set()
        for child in element:
            based = child.tag in _ATOM_TEXTS and child.attrib.pop(_XML_BASE, None) is not None
            # (an Atom text construct's base only resolves links inside its markup, which no Story keeps)
            key = self._atom_key(child)
            if key in seen and key not in ("link", "author", "contributor", "category"):
                raise Decline(f"second entry {key}")
            seen.add(key)
            if key == "id":
                self._id(entry, _leaf(child), True)
            elif key == "title":
                value, kind = self._typed(child, xhtml=True, svg=True)
                entry["title"] = value
                entry["title_detail"] = self._detail(kind, value)
            elif key == "link":
                self._link(entry, child)
            elif key in ("published", "updated"):
                self._date(entry, key, child)
            elif key == "summary":
                if "summary" in entry and "content" not in entry:
                    raise Decline("summary after summary")
                value, kind = self._typed(child, xhtml=True, svg=True)
                entry["summary"] = value
                entry["summary_detail"] = self._detail(kind, value)
            elif key == "content":
                value, kind = self._typed(child, xhtml=True, svg="summary" in entry)
                entry["content"] = [self._detail(kind, value)]
                if "summary" not in entry and not based:
                    self.copies[id(entry)] = (value, kind)
                entry.setdefault("summary", value)
            elif key == "author":
                person = self._person(child)
                entry.setdefault("authors", []).append(person)
                if person:
                    name, email = person.get("name"), person.get("email")
                    entry["author"] = f"{name} ({email})" if name and email else name or email or ""
                else:
                    entry["author"] = ""
            elif key == "contributor":
                self._person(child)
            elif key in ("category", "rights"):
                _leaf(child)
            else:
                self._extension(entry, child, key)
        return entry

    def _extension(self, entry: dict[str, Any], element: Any, key: str) -> None:
        """A namespaced element of an entry: media:description (at any depth in Media RSS boxes), an
        extension feedparser files away, or else an element we must not have."""
        def plain(child: Any, inner: str) -> None:
            if inner == "media_description":
                self._media_description(entry, child)
            else:
                _other(child, inner)

        if key == "media_description":
            self._media_description(entry, element)
        elif not fastfeed_ext.skips(element, key, _key, plain, bool(entry.get("title"))):
            _other(element, key)

    def _media_description(self, entry: dict[str, Any], element: Any) -> None:
        """feedparser reads media:description as a description: the summary, typed HTML, of an entry that has
        none yet. Beside another summary or content its depth decides what is kept, so that is declined."""
        if "summary" in entry or "content" in entry or element.attrib:
            raise Decline("media:description beside another summary or content, or with attributes")
        value = plain_html(text(_leaf(element)))
        entry["summary"] = value
        entry["summary_detail"] = self._detail("text/html", value)
