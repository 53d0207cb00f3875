"""What the fast feed path's RSS and Atom readers share: one document's walk state (base, language, the loose
parser's quirks), xml:base and xml:lang scoped as feedparser's stacks scope them, and the values every
format fills alike (HTML, links, ids, dates, extension elements, media:description).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from feedparser.datetimes import _parse_date
from feedparser.urls import make_safe_absolute_uri

from wirewatch.connectors.feeds.fast import ext as fastfeed_ext

from wirewatch.connectors.feeds.fast import loose as fastloose
from wirewatch.connectors.feeds.fast.keys import key as element_key
from wirewatch.connectors.feeds.fast.keys import leaf, other
from wirewatch.connectors.feeds.fast.values import Decline, join_url, plain_html, sanitized_copy, text

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# The date elements feedparser files under each date field of an item (its handlers are aliases).
ITEM_DATES = {
    "pubdate": "published", "published": "published", "issued": "published", "dcterms_issued": "published",
    "dc_date": "updated", "updated": "updated", "modified": "updated", "dcterms_modified": "updated",
    "created": "created", "dcterms_created": "created",
}


def scoped_base(base: str, declared: str) -> str:
    """feedparser's base for an element declaring xml:base ``declared`` inside one whose base is ``base``:
    an empty declaration keeps the old one, and a base that is set only moves to a safe absolute URI."""
    chosen = declared or base
    return (make_safe_absolute_uri(base, chosen) or base) if base else join_url(base, chosen)


class Reader:
    """One document's walk. Each entry is a plain dict with feedparser's keys for the fields we read."""

    def __init__(self, base: str, lang: str | None, loose: bool = False) -> None:
        self.base = base
        self.lang = lang
        self.loose = loose  # feedparser's loose parser reads this document: see connectors.fastloose
        self.raw_quotes = False  # in a loose-parsed document, whether every quote is written as itself
        self.scoping = True  # whether any element below the root may carry xml:base or xml:lang
        self.home = "\0"  # the tag prefix of the format's own namespace (RSS 1.0's, Atom's): its elements are plain

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
            lang = attributes.pop(XML_LANG, None)
            if lang is not None:
                self.lang = lang.replace("_", "-") or None
            declared = attributes.pop(XML_BASE, None)
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

    def _feed(self) -> dict[str, Any]:
        return {"language": self.lang} if self.lang else {}

    def _detail(self, kind: str, value: str) -> dict[str, Any]:
        return {"type": kind, "language": self.lang, "base": self.base, "value": value}

    def _url(self, value: str) -> str:
        value = self._value(text(value))
        return join_url(self.base, value) if value else value

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

    def _extension(self, entry: dict[str, Any], element: Any, key: str) -> None:
        """A namespaced element of an entry: media:description (at any depth in Media RSS boxes), an
        extension feedparser files away, or else an element we must not have."""
        titled = bool(entry.get("title"))
        if fastfeed_ext.leaf(element, key, titled):  # the common case (itunes:duration), before the closure
            return

        def plain(child: Any, inner: str) -> None:
            if inner == "media_description":
                self._media_description(entry, child)
            else:
                other(child, inner)

        if key == "media_description":
            self._media_description(entry, element)
        elif not fastfeed_ext.skips(element, key, element_key, plain, titled):
            other(element, key)

    def _media_description(self, entry: dict[str, Any], element: Any) -> None:
        """feedparser reads media:description as a description: the summary, typed HTML, of an entry that has
        none yet. Beside another summary or content its depth decides what is kept, so that is declined."""
        if "summary" in entry or "content" in entry or element.attrib:
            raise Decline("media:description beside another summary or content, or with attributes")
        value = self._html(text(leaf(element)))
        entry["summary"] = value
        entry["summary_detail"] = self._detail("text/html", value)
