"""A fast path for the common feed: well-formed RSS 0.9x / 2.0, RSS 1.0 / 0.90 (RDF) or Atom 1.0 / 0.3
(connectors.fastatom), read with lxml from the UTF-8 bytes feedparser's own encoding step gives
(connectors.fastfeed_scan.prepare), also where feedparser's loose parser reads it for a misplaced
declaration (connectors.fastloose).

It builds the few fields ``connectors.feeds`` reads from feedparser's answer (feed title, link, language;
per entry title, summary, content, id, link, dates, authors), following feedparser's rules for them:
xml:base and xml:lang scoped as its stacks scope them, markup checked against its sanitizer
(connectors.fastvalues) or else put through that sanitizer, XHTML rebuilt as it does (connectors.fastxhtml).
On anything it does not model (an encoding feedparser cannot name, a DOCTYPE, markup its sanitizer would
change in a loose-parsed document, a duplicate field, an element feedparser has a handler for) it returns
None and the caller uses feedparser, so both paths give the same Stories. ``decline_reason`` says why,
for reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import make_safe_absolute_uri
from feedparser.util import FeedParserDict

from connectors import fastfeed_ext, fastfeed_scan, fastloose, fastxhtml
from connectors.fastatom import ATOM03, ATOM10, AtomReader, old_version
from connectors.fastkeys import key as element_key
from connectors.fastkeys import leaf, other
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
    "title", "link", "description", "guid", "content_encoded", "fullitem", "body", "xhtml_body", "itunes_summary",
    *_ITEM_DATES,
})
_ENTITY_NAME = re.compile("&([A-Za-z0-9_]+);")
_RSS_CHANNEL_IGNORED = frozenset({
    "copyright", "managingeditor", "webmaster", "pubdate", "lastbuilddate", "category", "generator", "docs",
    "ttl", "rating", "cloud", "dc_date", "dc_creator", "dc_publisher", "dc_rights", "dc_subject", "subtitle",
    "dcterms_issued", "dcterms_created", "dcterms_modified",  # the feed's own dates, which feeds.py does not read
})
_RSS_BOXES = {"image": {"title", "url", "link", "width", "height", "description"},
              "textinput": {"title", "description", "name", "link"},
              "skiphours": {"hour"}, "skipdays": {"day"}}
# dc:publisher, dc:rights and subtitle fill publisher, rights and subtitle, which feeds.py does not read.
_RSS_ITEM_IGNORED = frozenset({
    "category", "comments", "enclosure", "source", "dc_subject", "dc_publisher", "dc_rights", "subtitle",
})


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
    lang = root.attrib.pop(_XML_LANG, None)  # the document's; entries and their parts may have their own
    declared_base = root.attrib.pop(_XML_BASE, None)  # likewise
    if declared_base is not None:
        base = scoped_base(base, declared_base)
    element_key(root)  # refuses any other xml:lang or xml:base, and plain lang or base attributes, on the root too
    reader = _Reader(base, (lang or "").replace("_", "-") or None, state.get("loose", False))
    reader.raw_quotes = state.get("raw_quotes", False)
    reader.scoping = b"xml:lang" in data or b"xml:base" in data  # (the xml prefix cannot be renamed)
    if reader.loose:
        fastloose.check_tree(root, data)
    declared = {uri.lower() for uri in root.nsmap.values()}
    if _is_rss(root.tag) and not _VERSION_URIS & declared and not set(root.attrib) - {"version"}:
        answer = reader.rss(root, _rss_version(root.get("version", "")))
    elif root.tag == f"{{{_RDF}}}RDF":
        answer = reader.rdf(root, _rdf_version(root.nsmap))
    elif root.tag == f"{{{ATOM10}}}feed" and not _VERSION_URIS & declared:
        answer = reader.atom(root)
    elif root.tag == f"{{{ATOM03}}}feed" and not (_VERSION_URIS | {ATOM10.lower()}) & declared:
        answer = reader.atom(root, old_version(root.get("version")))
    else:
        raise Decline(f"root {root.tag} version {root.get('version')}")
    if not answer["entries"]:
        raise Decline("no entries")  # feedparser words the empty cases
    if state.get("bozo"):  # the encoding step's complaint (an overridden charset, a non-XML media type)
        answer["bozo"], answer["bozo_exception"] = True, state["bozo_exception"]
    return answer


def scoped_base(base: str, declared: str) -> str:
    """feedparser's base for an element declaring xml:base ``declared`` inside one whose base is ``base``:
    an empty declaration keeps the old one, and a base that is set only moves to a safe absolute URI."""
    chosen = declared or base
    return (make_safe_absolute_uri(base, chosen) or base) if base else join_url(base, chosen)


def _is_rss(tag: str) -> bool:
    """An rss root, bare or in a UserLand namespace (feedparser files those elements as plain RSS)."""
    return tag == "rss" or (tag.endswith("}rss") and "backend.userland.com/rss" in tag.lower())


def _rss_version(declared: str) -> str:
    """feedparser's version for an rss root's version attribute (0.9x, 2.x, or unknown)."""
    return _RSS_VERSIONS.get(declared) or ("rss20" if declared.startswith("2.") else "rss")


def _rdf_version(nsmap: Mapping[str | None, str]) -> str:
    """feedparser's version for an RDF document: the first version namespace it sees names it, so the root
    must declare exactly one (RSS 0.90 only as the default namespace)."""
    hints = [(prefix, uri.lower()) for prefix, uri in nsmap.items() if uri.lower() in _VERSION_URIS | {ATOM10.lower()}]
    if hints == [(None, RSS090)]:
        return "rss090"
    if len(hints) == 1 and hints[0][1] == RSS10:
        return "rss10"
    raise Decline(f"RDF with version namespaces {hints}")


def _bare_entities(link: str) -> str:
    """What feedparser's link handling leaves of an entity-like '&name;' in a link: '&name'."""
    return _ENTITY_NAME.sub(r"&\g<1>", link) if "&" in link else link


class _Context:
    """Just enough of a feedparser parser for its author-detail step: the entry being built."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry

    def _get_context(self) -> dict[str, Any]:
        return self.entry


class _Reader(AtomReader):
    """One document's walk. Each entry is a plain dict with feedparser's keys for the fields we read."""

    def __init__(self, base: str, lang: str | None, loose: bool = False) -> None:
        self.base = base
        self.lang = lang
        self.loose = loose  # feedparser's loose parser reads this document: see connectors.fastloose
        self.raw_quotes = False  # in a loose-parsed document, whether every quote is written as itself
        self.scoping = True  # whether any element below the root may carry xml:base or xml:lang
        self.home = "\0"  # the tag prefix of an RDF document's own RSS namespace, whose elements are plain

    def _html(self, value: str) -> str:
        """An HTML value (title, description, summary, content) as feedparser hands it back: as it is where
        its sanitizer would leave the text alike (connectors.fastvalues.plain_html), else that sanitizer's
        own output (links resolved against the document's base, as feedparser does for these elements). A
        value it empties is declined: an empty title or summary changes what feedparser keeps next. The
        loose parser's values are not modelled that far."""
        try:
            return plain_html(value)
        except Decline:
            if self.loose:
                raise
        exact = sanitized_copy(value, self.base)
        if not exact:
            raise Decline("markup the sanitizer empties") from None
        return exact

    def _enter(self, element: Any) -> None:
        """Take on an element's own xml:lang and xml:base as feedparser scopes them (removing them, so its
        name reads as usual)."""
        attributes = element.attrib
        if attributes:
            lang = attributes.pop(_XML_LANG, None)
            if lang is not None:
                self.lang = lang.replace("_", "-") or None
            declared = attributes.pop(_XML_BASE, None)
            if declared is not None:
                self.base = scoped_base(self.base, declared)

    def _scoped(self, parent: Any) -> Iterable[Any]:
        """Each child of ``parent``, its own xml:lang and xml:base in force while the caller reads it."""
        return self._scoping(parent) if self.scoping else parent

    def _scoping(self, parent: Any) -> Iterator[Any]:
        """As the child ends feedparser gives back the parent's language, and the parent's base only when that
        is not empty: otherwise a child's xml:base outlives it, for the elements after it."""
        base, lang = self.base, self.lang  # the parent's, as feedparser's stacks hold them
        for child in parent:
            self._enter(child)
            yield child
            self.lang = lang
            if base:
                self.base = base

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
        channels = [child for child in root if element_key(child) == "channel"]
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
        for child in self._scoped(root):
            key = element_key(child)
            if self._namespaced(child.tag) or set(child.attrib) - {_RDF_ABOUT}:
                raise Decline(f"{child.tag} or its attributes under rdf:RDF")
            if key == "channel" and not channel:
                channel = True
                self._channel(child, feed, entries)
            elif key == "item":
                entries += self._rss_item(child)
            elif key in ("image", "textinput") and channel:  # before the channel its title would hide the feed's
                self._box(child, key)
            else:
                raise Decline(f"{key} under rdf:RDF")
        return FeedParserDict(version=version, bozo=False, feed=feed, entries=entries)

    def _box(self, element: Any, key: str) -> None:
        for part in element:
            if element_key(part) not in _RSS_BOXES[key]:
                raise Decline(f"{key} holds {part.tag}")
            leaf(part)

    def _rdf_items(self, element: Any) -> None:
        """A channel's rdf:Seq of rdf:li references: elements feedparser has no handler for and ignores."""
        if element.attrib or len(element) != 1 or element_key(element[0]) != "rdf_seq" or element[0].attrib:
            raise Decline("channel items that are not one rdf:Seq")
        for part in element[0]:
            if element_key(part) != "rdf_li" or len(part):
                raise Decline("rdf:Seq holding more than rdf:li references")

    def _channel(self, channel: Any, feed: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        if set(channel.attrib) - {_RDF_ABOUT}:
            raise Decline("channel with attributes")
        seen: set[str] = set()
        summary = False
        titled = False  # feedparser's title_depth: a later title at this depth is dropped, until a box or item
        for child in self._scoped(channel):
            key = element_key(child)
            namespaced = self._namespaced(child.tag)
            if key == "item" and not namespaced:
                entries += self._rss_item(child)
                titled = False
                continue
            mark = child.tag if namespaced else key
            if mark in seen and key in ("title", "description", "itunes_summary"):
                raise Decline(f"second channel {key}")
            seen.add(mark)
            if namespaced and key == "link" and child.attrib:  # atom:link in RSS: harmless unless an alternate
                self._side_link(child)
            elif key in ("language", "dc_language"):  # the last one wins, as in feedparser
                feed["language"] = self._value(text(leaf(child)))
            elif key == "itunes_summary":  # feedparser keeps it as the feed's summary
                leaf(child)
                summary = True
            elif key == "itunes_author" or (namespaced and key in _RSS_CHANNEL_IGNORED):
                leaf(child)  # itunes:author is the feed's author, which we do not read
            elif key == "dc_title" and titled:
                leaf(child)
            elif namespaced and key != "link":
                if not fastfeed_ext.skips(child, key, element_key, other, titled):
                    other(child, key)
            elif key == "title":
                feed["title"] = self._rss_title(child)[0]
                titled = bool(feed["title"])
            elif key == "link":  # the last one wins, as in feedparser
                if child.attrib:
                    raise Decline("channel link with attributes")
                feed["link"] = _bare_entities(self._url(leaf(child)))
            elif key == "description":
                if summary:  # feedparser would take it for content, and carry that into the first item
                    raise Decline("channel description after itunes:summary")
                leaf(child)
            elif key in _RSS_CHANNEL_IGNORED:
                leaf(child)
            elif key in _RSS_BOXES:
                self._box(child, key)
                titled = False
            elif key == "items" and self.home != "\0":
                self._rdf_items(child)
            else:
                other(child, key)

    def _rss_title(self, element: Any) -> tuple[str, str]:
        value = text(leaf(element))
        if looks_like_html(value):
            return self._html(value), "text/html"
        return value, "text/plain"

    def _url(self, value: str) -> str:
        value = self._value(text(value))
        return join_url(self.base, value) if value else value

    def _side_link(self, element: Any) -> None:
        rel = (self._attribute(element.get("rel")) or "alternate").lower()
        if rel == "alternate" or self._attribute(element.get("href")) is None or len(element):
            raise Decline("atom:link that may set the link")

    def _rss_item(self, item: Any) -> list[dict[str, Any]]:
        """The item's entry, and an empty one after it for an empty ``<item/>`` nested inside (a FeedBurner
        fault): feedparser starts a new entry there and, once that ends, files what follows in the outer
        item under the feed, so that must be elements feedparser has no handler for."""
        entry: dict[str, Any] = {}
        entries = [entry]
        if item.attrib:  # feedparser takes rdf:about for the id, in any RSS; lastmod and href set other fields
            if set(item.attrib) - {_RDF_ABOUT}:
                raise Decline("item with attributes")
            entry["id"] = item.get(_RDF_ABOUT)
        seen: set[str] = set()
        has_content = False  # feedparser's hasContent: whether a later summary still overwrites
        home = self.home
        for child in self._scoped(item):
            key = element_key(child)
            tag = child.tag
            namespaced = tag[0] == "{" and not tag.startswith(home)  # self._namespaced, inline: the hot loop
            mark = tag if namespaced else key
            if len(entries) > 1:  # after a nested item: feed-level, where only unhandled elements are harmless
                other(child, key)
                continue
            if key == "item" and not namespaced:
                if len(child) or child.attrib or (child.text or "").strip():
                    raise Decline("an item inside an item")
                entries.append({})
                continue
            if mark in seen and key in _MATTERS:
                raise Decline(f"second item {key}")
            seen.add(mark)
            if namespaced and key == "link" and child.attrib:  # without attributes it is a plain link
                self._side_link(child)
            elif key in ("content_encoded", "fullitem"):  # one handler in feedparser
                if child.attrib:  # a type or mode would retype the content
                    raise Decline(f"{key} with attributes")
                has_content = True
                value = self._html(text(leaf(child)))
                entry.setdefault("content", []).append(self._detail("text/html", value))
                entry.setdefault("summary", value)
            elif key in ("body", "xhtml_body"):  # XHTML content, which (unlike content:encoded) leaves
                self._rss_body(entry, child, key)  # a later description free to become content too
            elif key in ("description", "itunes_summary"):
                has_content = self._rss_summary(entry, child, key, has_content)
            elif key in ("dc_creator", "itunes_author"):
                self._rss_author(entry, child)
            elif key == "dc_language":  # sets the entry's language key, which we do not read
                leaf(child)
            elif key in _ITEM_DATES:  # the last one of each field wins, as in feedparser
                self._date(entry, _ITEM_DATES[key], child)
            elif key == "dc_title" and entry.get("title"):  # feedparser drops a later title at the same depth
                leaf(child)
            elif namespaced and key not in _RSS_ITEM_IGNORED and key != "link":
                self._extension(entry, child, key)
            elif key == "title":
                value, kind = self._rss_title(child)
                entry["title"] = value
                entry["title_detail"] = self._detail(kind, value)
            elif key == "link":
                value = self._url(leaf(child)).replace("&amp;", "&")
                entry["link"] = _bare_entities(value)
            elif key == "guid":
                attributes = {name.lower(): self._attribute(value) for name, value in child.attrib.items()}
                self._id(entry, leaf(child), attributes.get("ispermalink", "true") == "true")
            elif key == "author":
                self._rss_author(entry, child)
            elif key in _RSS_ITEM_IGNORED:
                leaf(child)
            else:
                other(child, key)
        return entries

    def _rss_body(self, entry: dict[str, Any], element: Any, key: str) -> None:
        """An item's ``body`` or ``xhtml:body``: feedparser rebuilds its elements as XHTML content (no wrapping
        div dropped, as in RSS it never is) and copies that to a missing summary."""
        if element.attrib or self.loose:  # a type would retype it; the loose parser rebuilds it otherwise
            raise Decline(f"{key} with attributes or in a loose-parsed document")
        rebuilt = fastxhtml.markup(element, unwrap=False, namespace=fastxhtml.XHTML if key == "xhtml_body" else "")
        value = plain_html(text(rebuilt))
        entry.setdefault("content", []).append(self._detail("application/xhtml+xml", value))
        entry.setdefault("summary", value)

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
            value, kind = self._html(text(leaf(element))), "text/html"
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
        value = self._value(text(leaf(element)))
        entry[field] = value
        entry[field + "_parsed"] = _parse_date(value)

    def _rss_author(self, entry: dict[str, Any], element: Any) -> None:
        """feedparser's author: a new author detail, the text as the author, then its own split of an e-mail
        address out of the text (its _sync_author_detail, called on this entry)."""
        value = self._value(text(leaf(element)))
        entry.setdefault("authors", []).append({"name": value} if value and "@" not in value else {})
        entry["author"] = value
        if "@" in value:
            _FeedParserMixin._sync_author_detail(_Context(entry))  # type: ignore[arg-type]

    def _extension(self, entry: dict[str, Any], element: Any, key: str) -> None:
        """A namespaced element of an entry: media:description (at any depth in Media RSS boxes), an
        extension feedparser files away, or else an element we must not have."""
        if key in fastfeed_ext.LEAVES:  # the common case (itunes:duration, media:thumbnail), without the call
            if len(element):
                raise Decline(f"{key} with child elements")
            return

        def plain(child: Any, inner: str) -> None:
            if inner == "media_description":
                self._media_description(entry, child)
            else:
                other(child, inner)

        if key == "media_description":
            self._media_description(entry, element)
        elif not fastfeed_ext.skips(element, key, element_key, plain, bool(entry.get("title"))):
            other(element, key)

    def _media_description(self, entry: dict[str, Any], element: Any) -> None:
        """feedparser reads media:description as a description: the summary, typed HTML, of an entry that has
        none yet. Beside another summary or content its depth decides what is kept, so that is declined."""
        if "summary" in entry or "content" in entry or element.attrib:
            raise Decline("media:description beside another summary or content, or with attributes")
        value = self._html(text(leaf(element)))
        entry["summary"] = value
        entry["summary_detail"] = self._detail("text/html", value)
