"""The fast feed path's RSS reader: RSS 0.9x and 2.0 (also unversioned and UserLand-namespaced), and RSS 1.0
and 0.90 (RDF), following feedparser's rules for the fields connectors.feeds reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feedparser.mixin import _FeedParserMixin
from feedparser.util import FeedParserDict

from wirewatch.connectors.feeds.fast import ext as fastfeed_ext

from wirewatch.connectors.feeds.fast import xhtml as fastxhtml
from wirewatch.connectors.feeds.fast.atom import ATOM10
from wirewatch.connectors.feeds.fast.keys import key as element_key
from wirewatch.connectors.feeds.fast.keys import leaf, other
from wirewatch.connectors.feeds.fast.reader import ITEM_DATES, Reader
from wirewatch.connectors.feeds.fast.values import Decline, looks_like_html, plain_html, text

_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
VERSION_URIS = {RSS10, RSS090}  # feedparser's version hints
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_ABOUT = f"{{{RDF}}}about"
# A second guid is fine: its id replaces the first, as in feedparser, and guidislink and link stay the first's.
_MATTERS = frozenset({
    "title", "link", "description", "dc_description", "content_encoded", "fullitem", "body", "xhtml_body",
    "itunes_summary", *ITEM_DATES,
})
_ENTITY_NAME = re.compile("&([A-Za-z0-9_]+);")
_RSS_CHANNEL_IGNORED = frozenset({
    "copyright", "managingeditor", "webmaster", "pubdate", "lastbuilddate", "category", "generator", "docs",
    "ttl", "rating", "cloud", "dc_date", "dc_creator", "dc_publisher", "dc_rights", "dc_subject", "subtitle",
    "dcterms_issued", "dcterms_created", "dcterms_modified",  # the feed's own dates, which feeds.py does not read
    "author",  # the feed's author (as managingEditor)
    "itunes_email",  # outside itunes:owner feedparser keeps it nowhere
})
_RSS_BOXES = {"image": {"title", "url", "link", "width", "height", "description"},
              "textinput": {"title", "description", "name", "link"},
              "skiphours": {"hour"}, "skipdays": {"day"}}
# dc:publisher, dc:rights and subtitle fill publisher, rights and subtitle, which feeds.py does not read.
_RSS_ITEM_IGNORED = frozenset({
    "category", "comments", "enclosure", "source", "dc_subject", "dc_publisher", "dc_rights", "subtitle",
})


def is_rss(tag: str) -> bool:
    """An rss root, bare or in a UserLand namespace (feedparser files those elements as plain RSS)."""
    return tag == "rss" or (tag.endswith("}rss") and "backend.userland.com/rss" in tag.lower())


def rss_version(declared: str) -> str:
    """feedparser's version for an rss root's version attribute (0.9x, 2.x, or unknown)."""
    return _RSS_VERSIONS.get(declared) or ("rss20" if declared.startswith("2.") else "rss")


def rdf_version(nsmap: Mapping[str | None, str]) -> str:
    """feedparser's version for an RDF document: the first version namespace declared names it (RSS 1.0's
    under any prefix, RSS 0.90's only as the default namespace, Atom's). lxml keeps the root's declarations
    in document order, the order feedparser's SAX parser reports them; a document Atom names is declined."""
    for prefix, uri in nsmap.items():
        lowered = uri.lower()
        if lowered == RSS10:
            return "rss10"
        if lowered == RSS090 and prefix is None:
            return "rss090"
        if lowered == ATOM10.lower():
            break
    raise Decline(f"RDF not named RSS 1.0 or 0.90 by its first version namespace: {dict(nsmap)}")


def _bare_entities(link: str) -> str:
    """What feedparser's link handling leaves of an entity-like '&name;' in a link: '&name'."""
    return _ENTITY_NAME.sub(r"&\g<1>", link) if "&" in link else link


class _Context:
    """Just enough of a feedparser parser for its author-detail step: the entry being built."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry

    def _get_context(self) -> dict[str, Any]:
        return self.entry


class RssReader(Reader):
    """The RSS and RDF half of connectors.fastfeed's reader."""

    def _namespaced(self, tag: str) -> bool:
        """Whether feedparser files the element under a namespace prefix (not for RSS 1.0's own elements)."""
        return tag[0] == "{" and not tag.startswith(self.home)

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
        for child in self._scoped(item):
            key = element_key(child)
            tag = child.tag
            namespaced = self._namespaced(tag)
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
            elif key in ("description", "dc_description", "itunes_summary"):  # dc:description is description
                summary_key = "description" if key == "dc_description" else key
                has_content = self._rss_summary(entry, child, summary_key, has_content)
            elif key in ("dc_creator", "itunes_author"):
                self._rss_author(entry, child)
            elif key == "dc_language":  # sets the entry's language key, which we do not read
                leaf(child)
            elif key in ITEM_DATES:  # the last one of each field wins, as in feedparser
                self._date(entry, ITEM_DATES[key], child)
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

    def _rss_author(self, entry: dict[str, Any], element: Any) -> None:
        """feedparser's author: a new author detail, the text as the author, then its own split of an e-mail
        address out of the text (its _sync_author_detail, called on this entry)."""
        value = self._value(text(leaf(element)))
        entry.setdefault("authors", []).append({"name": value} if value and "@" not in value else {})
        entry["author"] = value
        if "@" in value:
            _FeedParserMixin._sync_author_detail(_Context(entry))  # type: ignore[arg-type]
