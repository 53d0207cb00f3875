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

from collections.abc import Mapping

from feedparser.urls import make_safe_absolute_uri
from feedparser.util import FeedParserDict

from wirewatch.connectors.feeds.fast import scan as fastfeed_scan

from wirewatch.connectors.feeds.fast import loose as fastloose
from wirewatch.connectors.feeds.fast.atom import ATOM03, ATOM10, AtomReader, old_version
from wirewatch.connectors.feeds.fast.keys import key as element_key
from wirewatch.connectors.feeds.fast.reader import XML_BASE, XML_LANG, scoped_base
from wirewatch.connectors.feeds.fast.rss import RDF, VERSION_URIS, RssReader, is_rss, rdf_version, rss_version
from wirewatch.connectors.feeds.fast.values import Decline
from wirewatch.errors import ParseError
from wirewatch.connectors.parsing.safexml import parse_xml


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
    lang = root.attrib.pop(XML_LANG, None)  # the document's; entries and their parts may have their own
    declared_base = root.attrib.pop(XML_BASE, None)  # likewise
    if declared_base is not None:
        base = scoped_base(base, declared_base)
    element_key(root)  # refuses any other xml:lang or xml:base, and plain lang or base attributes, on the root too
    reader = _Reader(base, (lang or "").replace("_", "-") or None, state.get("loose", False))
    reader.raw_quotes = state.get("raw_quotes", False)
    reader.scoping = b"xml:lang" in data or b"xml:base" in data  # (the xml prefix cannot be renamed)
    if reader.loose:
        fastloose.check_tree(root, data)
    declared = {uri.lower() for uri in root.nsmap.values()}
    if is_rss(root.tag) and not VERSION_URIS & declared and not set(root.attrib) - {"version"}:
        answer = reader.rss(root, rss_version(root.get("version", "")))
    elif root.tag == f"{{{RDF}}}RDF":
        answer = reader.rdf(root, rdf_version(root.nsmap))
    elif root.tag == f"{{{ATOM10}}}feed" and not VERSION_URIS & declared:
        answer = reader.atom(root)
    elif root.tag == f"{{{ATOM03}}}feed" and not (VERSION_URIS | {ATOM10.lower()}) & declared:
        answer = reader.atom(root, old_version(root.get("version")), ATOM03)
    elif root.tag == "feed" and not (VERSION_URIS | {ATOM10.lower()}) & declared:
        answer = reader.atom(root, old_version(root.get("version")), "")
    else:
        raise Decline(f"root {root.tag} version {root.get('version')}")
    if not answer["entries"]:
        raise Decline("no entries")  # feedparser words the empty cases
    if state.get("bozo"):  # the encoding step's complaint (an overridden charset, a non-XML media type)
        answer["bozo"], answer["bozo_exception"] = True, state["bozo_exception"]
    return answer


class _Reader(RssReader, AtomReader):
    """One document's walk, in whichever format its root names."""
