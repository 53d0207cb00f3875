"""connectors.parsing.plainxml decides which documents the fast reader takes, and hands it the characters
feedparser's encoding step would give its parser: generated documents in many encodings, declared or not,
with and without HTTP headers, must decode alike wherever the check takes them, and give the same Stories."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedparser.encodings import convert_to_utf8

from wirewatch.connectors.feeds.feedparser_path import parse_feed
from wirewatch.connectors.parsing import plainxml
from tests.connectors.feeds.floors import Floor

ENCODINGS = ["utf-8", "iso-8859-1", "windows-1251", "windows-1252", "gb2312", "shift_jis", "euc-kr", "us-ascii"]
CONTENT_TYPES = [None, "application/rss+xml", "application/xml; charset=utf-8", "text/xml", "text/html",
                 "text/xml; charset=iso-8859-1", "application/rss+xml; charset=windows-1251", "text/plain; charset=utf-8"]
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)
FLOOR = Floor(taken=25, transcoded=8, overridden=5)  # (none is refused: feedparser's fallbacks are modelled)


def _document(title: str, encoding: str, declared: bool) -> bytes | None:
    escaped = title.replace("&", "&amp;").replace("<", "&lt;")
    head = f"<?xml version='1.0' encoding='{encoding}'?>" if declared else ""
    body = (f"{head}<rss version='2.0'><channel><title>F</title><item><title>{escaped}</title>"
            f"<guid>http://example.org/1</guid></item></channel></rss>")
    try:
        return body.encode(encoding)
    except UnicodeEncodeError:
        return None


def _from_root(data: bytes) -> bytes:
    return data[data.index(b"<rss"):]


@FLOOR
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(TEXT, st.sampled_from(ENCODINGS), st.sampled_from(ENCODINGS), st.booleans(), st.sampled_from(CONTENT_TYPES),
       st.booleans())
def test_the_fast_reader_reads_the_characters_feedparser_reads(title: str, encoding: str, declared_as: str,
                                                                declared: bool, content_type: str | None,
                                                                located: bool) -> None:
    """Where the check takes a document, its bytes (transcoded or not) are feedparser's UTF-8 from the root on,
    its note is the one feedparser's encoding step raises, and the Stories are feedparser's."""
    data = _document(title, encoding, declared)
    if data is None:
        return
    if declared and declared_as != encoding:  # a declaration that may lie about the bytes
        data = data.replace(f"encoding='{encoding}'".encode(), f"encoding='{declared_as}'".encode(), 1)
    headers = {"content-type": content_type} if content_type else {}
    if located:
        headers["content-location"] = "http://example.org/feed.xml"
    plain = plainxml.check(data, headers)
    if isinstance(plain, str):
        return
    FLOOR.count("taken")
    FLOOR.count("transcoded", plain.data is not None)
    FLOOR.count("overridden", "CharacterEncodingOverride" in (plain.note or ""))
    state: dict = {}
    expected = convert_to_utf8(dict(headers), data, state)
    assert _from_root(plain.data or data) == _from_root(expected)
    problem = state.get("bozo_exception")
    assert plain.note == (f"survivable: {type(problem).__name__}: {problem}" if problem else None)
    url = headers.get("content-location")
    fast = parse_feed(data, url, {k: v for k, v in headers.items() if k != "content-location"})
    slow = parse_feed(data, url, {k: v for k, v in headers.items() if k != "content-location"}, fast=False)
    assert [s.to_dict() for s in fast.stories] == [s.to_dict() for s in slow.stories]
    assert fast.notes == slow.notes


def test_a_declaration_after_whitespace_is_left_to_feedparser() -> None:
    """feedparser's loose parser reads it (its encoding step adds a declaration before the whitespace)."""
    data = b"\n<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel><item><title>\xe9</title>" \
           b"</item></channel></rss>"
    assert isinstance(plainxml.check(data, {}), str)


@pytest.mark.parametrize("declared, encode_as, parsed_as", [
    ("us-ascii", "utf-8", "utf-8"), ("utf-8", "iso-8859-1", "windows-1252"), ("utf-8", "windows-1251", "windows-1252"),
])
def test_bytes_that_do_not_decode_as_declared_are_read_as_feedparser_reads_them(
        declared: str, encode_as: str, parsed_as: str) -> None:
    """feedparser tries the declared encoding, UTF-8, Windows-1252 and ISO-8859-2 in turn, and notes the
    override: the check hands the fast reader the same characters and note."""
    data = (f"<?xml version='1.0' encoding='{declared}'?><rss version='2.0'><channel><title>F</title><item>"
            "<title>\u00e9t\u00e9 \u0436</title><guid>http://example.org/1</guid></item></channel></rss>")
    body = data.encode(encode_as, "replace")
    plain = plainxml.check(body, {})
    assert not isinstance(plain, str)
    state: dict = {}
    assert _from_root(plain.data or body) == _from_root(convert_to_utf8({}, body, state))
    assert plain.note == f"survivable: CharacterEncodingOverride: document declared as {declared}, but parsed as {parsed_as}"
    assert plain.note == f"survivable: {type(state['bozo_exception']).__name__}: {state['bozo_exception']}"
    fast, slow = parse_feed(body), parse_feed(body, fast=False)
    assert [s.to_dict() for s in fast.stories] == [s.to_dict() for s in slow.stories] and fast.notes == slow.notes


def test_a_declared_gb2312_is_tried_as_gb18030_after_the_header_charset() -> None:
    """feedparser widens a declared GB2312 to GB18030 before trying it (after the HTTP charset failed)."""
    body = "<?xml version='1.0' encoding='gb2312'?><rss version='2.0'><channel><item><title>\u00e8</title>" \
           "<guid>http://example.org/1</guid></item></channel></rss>"
    headers = {"content-type": "application/xml; charset=utf-8"}
    plain = plainxml.check(body.encode("gb2312"), headers)
    assert not isinstance(plain, str) and plain.note.endswith("declared as utf-8, but parsed as gb18030")


def test_bytes_feedparser_would_guess_the_encoding_of_are_left_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With chardet installed feedparser asks it before UTF-8: a guess the check does not make."""
    monkeypatch.setattr(plainxml.feedparser_encodings, "chardet", object())
    body = ("<rss version='2.0'><channel><item><title>\u00e9</title></item></channel></rss>").encode("iso-8859-1")
    assert "chardet" in plainxml.check(body, {})


# Where bytes past ASCII may sit in a document, and byte runs near UTF-8's edges (surrogates, overlong forms,
# past U+10FFFF, cut short, stray continuation bytes).
PLACES = [b"<a>%s</a>", b"<a b='%s'/>", b"<a><!--%s--></a>", b"<a><![CDATA[%s]]></a>", b"<a><?p %s?></a>",
          b"<a/><!--%s-->", b"<?xml version='1.0' encoding='utf-8'?><a>%s</a>", b"<a xmlns:x='u%s'/>", b"<x%s/>"]
EDGES = [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\x9f\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\xa0\x80",
         b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xef\xbf\xbe", b"\xc2", b"\x80", b"\xff", b"\xe2\x80"]
RUNS = st.lists(st.sampled_from(EDGES) | st.binary(min_size=1, max_size=4), min_size=1, max_size=4).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(place=st.sampled_from(PLACES), run=RUNS)
def test_what_expat_reads_is_utf8(place: bytes, run: bytes) -> None:
    """The check takes a document expat reads as UTF-8 without decoding it again: expat must refuse the rest."""
    data = place.replace(b"%s", run)
    if not isinstance(plainxml._root(data), str):
        data.decode("utf-8")
