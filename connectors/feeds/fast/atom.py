"""The fast feed path's Atom reader: Atom 1.0, and Atom 0.3 (with 0.1 and 0.2, which feedparser reads alike).

The two differ, for the fields we read, where feedparser says they do: Atom 0.3's XHTML keeps the wrapping
``div`` that feedparser drops only in Atom 1.0. feedparser types a text construct of either version alike:
``text``, ``html`` or ``xhtml``, or a MIME type (``text/html``), with a ``mode`` (``escaped`` or ``xml``;
``base64`` is declined). Both versions share feedparser's
handlers, so ``issued``, ``modified`` and ``created`` are the published, updated and created dates and a
person's ``url`` or ``homepage`` is its link in either.
"""

from __future__ import annotations

from typing import Any

from feedparser.mixin import _FeedParserMixin
from feedparser.util import FeedParserDict

from wirewatch.connectors.feeds.fast import ext as fastfeed_ext

from wirewatch.connectors.feeds.fast import xhtml as fastxhtml
from wirewatch.connectors.feeds.fast.keys import NAMESPACES, key, leaf, other
from wirewatch.connectors.feeds.fast.reader import ITEM_DATES, Reader
from wirewatch.connectors.feeds.fast.values import Decline, join_url, plain_html, text

ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
_XHTML = "application/xhtml+xml"
# feedparser's version for an Atom 0.x root's version attribute; any other value is plain "atom".
_OLD_VERSIONS = {"0.1": "atom01", "0.2": "atom02", "0.3": "atom03"}
_TYPES = frozenset({"text/plain", "text/html", _XHTML})  # after feedparser's map_content_type
_FEED_IGNORED = frozenset({
    "updated", "published", "subtitle", "rights", "generator", "icon", "logo", "category",
    "modified", "issued", "created", "tagline", "copyright", "info",  # Atom 0.3's names and extras
})
_DATES = {name: ITEM_DATES[name] for name in ("published", "issued", "updated", "modified", "created")}
_PERSON = {"name": "name", "email": "email", "uri": "href", "url": "href", "homepage": "href"}


def old_version(declared: str | None) -> str:
    """feedparser's version for an Atom 0.x feed from its root's version attribute."""
    return _OLD_VERSIONS.get(declared or "", "atom")


class AtomReader(Reader):
    """The Atom half of connectors.fastfeed's reader: ``atom`` reads one feed element of either version."""

    version = "atom10"

    def atom(self, root: Any, version: str = "atom10", namespace: str = ATOM10) -> FeedParserDict:
        """A feed element in ``namespace`` (Atom 1.0's, Atom 0.3's, or none: a bare ``<feed>``, which
        feedparser reads as Atom of the version its attribute names, or plain "atom")."""
        self.version = version
        self.home = f"{{{namespace}}}" if namespace else ""
        feed = self._feed()
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        for child in self._scoped(root):
            name = self._atom_key(child)
            if name == "entry":
                entries.append(self._atom_entry(child))
                continue
            if name in seen and name in ("title", "id"):
                raise Decline(f"second feed {name}")
            seen.add(name)
            if name == "title":
                feed["title"] = self._typed(child)[0]
            elif name == "link":
                self._link(feed, child)
            elif name == "id":
                self._id(feed, leaf(child), True)
            elif name in ("author", "contributor"):
                self._person(child)
            elif name in _FEED_IGNORED:
                leaf(child)
            elif not fastfeed_ext.skips(child, name, key, other, False):
                other(child, name)
        return FeedParserDict(version=version, bozo=False, feed=feed, entries=entries)

    def _atom_key(self, element: Any) -> str:
        """feedparser's name for an element of an Atom feed; another Atom version's element is declined."""
        name = key(element)
        tag = element.tag
        if tag[0] != "{":
            if self.home:  # a plain element in a namespaced feed
                raise Decline(f"{tag}: not {self.version} in an {self.version} feed")
        elif not (self.home and tag.startswith(self.home)) and NAMESPACES.get(tag[1:].partition("}")[0].lower()) == "":
            raise Decline(f"{tag}: another Atom's element in an {self.version} feed")
        return name

    def _kind(self, element: Any, xhtml: bool) -> str | None:
        """The content type feedparser gives a text construct, or None where the fast path does not model it.
        Both versions go through feedparser's mapping (``html`` is ``text/html``, an Atom 0.3 MIME type is
        itself); a ``mode`` of base64, or a type feedparser would decode as base64, is declined."""
        attributes = element.attrib
        declared = attributes.get("type")
        mode = attributes.get("mode")
        if len(attributes) > (declared is not None) + (mode is not None) or mode not in (None, "escaped", "xml"):
            return None
        kind = _FeedParserMixin.map_content_type(declared if declared is not None else "text/plain")
        return kind if kind in _TYPES and (xhtml or kind != _XHTML) else None

    def _typed(self, element: Any, xhtml: bool = False) -> tuple[str, str]:
        """An Atom text construct: text, html, or (in entries, where feeds.py reads it as HTML) xhtml."""
        kind = self._kind(element, xhtml)
        if kind is None:
            raise Decline(f"{element.tag} with type {element.get('type')!r} or other attributes")
        if kind == _XHTML:
            if self.loose:  # the loose parser rebuilds it from text as written: not modelled
                raise Decline("XHTML in a loose-parsed document")
            # (in a bare <feed>, XHTML written without a namespace is read as XHTML all the same)
            value = fastxhtml.markup(element, self.version == "atom10", fastxhtml.XHTML if self.home else "")
            return plain_html(text(value)), kind
        value = text(leaf(element))
        return (self._html(value) if kind == "text/html" else value), kind

    def _link(self, context: dict[str, Any], element: Any) -> None:
        href = self._attribute(element.get("href"))
        if href is None or "url" in element.attrib or "uri" in element.attrib or len(element):
            raise Decline("atom link without a plain href")
        rel = (self._attribute(element.get("rel")) or "alternate").lower()
        default = "application/atom+xml" if rel == "self" else "text/html"
        declared = self._attribute(element.get("type")) or default
        kind = _FeedParserMixin.map_content_type(declared.lower())
        if rel == "alternate" and kind in _FeedParserMixin.html_types:
            context["link"] = join_url(self.base, href)

    def _person(self, element: Any) -> dict[str, str]:
        person: dict[str, str] = {}
        for part in element:
            name = self._atom_key(part)
            field = _PERSON.get(name)
            if field is None:  # an extension (gd:image): fine where feedparser stores it under its own key
                other(part, name)
            else:
                person[field] = self._value(text(leaf(part)))
        return person

    def _atom_entry(self, element: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        seen: set[str] = set()
        for child in self._scoped(element):
            name = self._atom_key(child)
            if name in seen and name not in ("link", "author", "contributor", "category"):
                raise Decline(f"second entry {name}")
            seen.add(name)
            if name == "id":
                self._id(entry, leaf(child), True)
            elif name == "title":
                value, kind = self._typed(child, xhtml=True)
                entry["title"] = value
                entry["title_detail"] = self._detail(kind, value)
            elif name == "link":
                self._link(entry, child)
            elif name in _DATES:  # the last one of each field wins, as in feedparser
                self._date(entry, _DATES[name], child)
            elif name == "summary":
                if "summary" in entry and "content" not in entry:
                    raise Decline("summary after summary")
                value, kind = self._typed(child, xhtml=True)
                entry["summary"] = value
                entry["summary_detail"] = self._detail(kind, value)
            elif name == "content":
                value, kind = self._typed(child, xhtml=True)
                entry["content"] = [self._detail(kind, value)]
                entry.setdefault("summary", value)
            elif name == "author":
                person = self._person(child)
                entry.setdefault("authors", []).append(person)
                if person:
                    given, email = person.get("name"), person.get("email")
                    entry["author"] = f"{given} ({email})" if given and email else given or email or ""
                else:
                    entry["author"] = ""
            elif name == "contributor":
                self._person(child)
            elif name in ("category", "rights", "copyright"):
                leaf(child)
            else:
                self._extension(entry, child, name)
        return entry
