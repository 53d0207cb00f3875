"""Padding before the root element, of any length, changes nothing: a document is sniffed as the same
format and parsed into the same stories, and feedparser is never handed a head it reads in quadratic time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.connectors.parsing.sniff import sniff
from tests.connectors.parsing.golden import summary
from tests.conftest import DATA as TESTS_DATA

DATA = TESTS_DATA
XML_FIXTURES = sorted(p for folder in ("feeds", "wire") for p in (DATA / folder).iterdir()
                      if p.suffix in (".xml", ".rss", ".atom"))
PADDINGS = {
    "comment-70KB": b"<!--" + b"p" * 70_000 + b"-->",
    "comment-1MB": b"<!--" + b"<padding> " * 100_000 + b"-->",
    "whitespace-1MB": b"\n" * 1_000_000,
    "pis-70KB": b"<?pad x?>" * 8_000,
    "comments-70KB": b"<!-- ]> <!DOCTYPE html> -->\n" * 2_600,
}
NITF = (b"<?xml version='1.0'?><nitf><head><title>T</title></head><body><body.head><hedline><hl1>Headline</hl1>"
        b"</hedline></body.head><body.content><p>Text.</p></body.content></body></nitf>")


def padded(body: bytes, padding: bytes) -> bytes:
    """``padding`` put after the XML declaration (or first, when there is none)."""
    declaration = re.match(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*\?>", body)
    at = declaration.end() if declaration else 0
    return body[:at] + padding + body[at:]


def test_the_fixtures_cover_each_xml_format() -> None:
    assert {sniff(p.read_bytes(), p.name) for p in XML_FIXTURES} >= {"feed", "newsmlg2"}


@pytest.mark.parametrize("padding", sorted(PADDINGS))
@pytest.mark.parametrize("path", XML_FIXTURES, ids=lambda p: p.name)
def test_a_padded_fixture_is_sniffed_and_parsed_as_its_golden_file_says(path: Path, padding: str) -> None:
    body = path.read_bytes()
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))
    url = expected.pop("input", {}).get("url")
    data = padded(body, PADDINGS[padding])
    assert sniff(data, path.name) == sniff(body, path.name)
    result = parse_document(data, origin=f"{path.name}:0", filename=path.name, url=url)
    assert summary(result) == expected


@pytest.mark.parametrize("padding", sorted(PADDINGS))
@pytest.mark.parametrize("filename", ["story.xml", "story.nitf", None])
def test_a_padded_nitf_document_is_read_as_nitf(padding: str, filename: str | None) -> None:
    data = padded(NITF, PADDINGS[padding])
    assert sniff(data, filename) == "nitf"
    result = parse_document(data, origin="story:0", filename=filename)
    assert result.format == "nitf" and [s.title for s in result.stories] == ["Headline"], result.errors


@pytest.mark.parametrize(("body", "kind"), [
    (b"<!--" + b"x" * 5000 + b"--><!DOCTYPE html><title>Sign in</title>", "html"),
    (b"<?xml version='1.0'?>\n" * 500 + b"<newsMessage xmlns='http://iptc.org/std/nar/2006-10-01/'/>", "newsmlg2"),
    (b"<!DOCTYPE rss [<!ELEMENT rss ANY><!ATTLIST rss v CDATA ']>'>" + b" " * 9000 + b"]><rss/>", "feed"),
    ("<?xml version='1.0' encoding='utf-16'?><!--" + "p" * 5000 + "--><nitf/>", "nitf"),
    (b"<!-- never closed <nitf>", "xml"),
    (b"text first <nitf/>", "xml"),  # text may not come before the root: not sniffed as NITF
])
def test_the_sniffer_finds_the_root_past_any_prolog(body: bytes | str, kind: str) -> None:
    data = body.encode("utf-16") if isinstance(body, str) else body
    assert sniff(data, "doc.xml") == kind


@pytest.mark.parametrize("padding", [b"\n" * 200_000, b" \n" * 100_000, b"<!--" + b"\r\n" * 100_000 + b"-->"])
@pytest.mark.parametrize("fast", [True, False])
def test_feedparser_is_never_handed_a_long_blank_head(monkeypatch: pytest.MonkeyPatch, padding: bytes,
                                                      fast: bool) -> None:
    """feedparser's DOCTYPE step is quadratic in the blank lines before the first element (a megabyte of them
    took hours): the bytes it reads keep at most 16 whitespace bytes in a row there. The fast reader
    answers such a document itself (its prolog scan is linear), so feedparser is not reached at all."""
    import feedparser.sanitizer

    from wirewatch.connectors.feeds.feedparser_path import parse_feed

    seen: list[bytes] = []

    def spy(data: bytes):
        seen.append(data)
        return real(data)

    def head_only(data: bytes):  # the real step on what it is given, once the head was looked at
        seen.append(data)
        return real(data[:4096] if len(data) > 100_000 and b"\n" * 17 in data[:200_000] else data)

    real = feedparser.sanitizer.replace_doctype
    monkeypatch.setattr(feedparser.api, "replace_doctype", head_only)
    body = (b"<?xml version='1.0'?>" + padding + b"<rss version='2.0'><channel><title>F</title><item>"
            b"<title>Padded</title><guid>g/1</guid></item></channel></rss>")
    result = parse_feed(body, None, fast=fast)
    assert bool(seen) != fast, "feedparser's DOCTYPE step was reached by the fast path, or not by feedparser"
    for data in seen:
        head = data[:re.search(rb"<\w", data).start()]
        assert max(len(run) for run in re.findall(rb"\s+", head)) <= 16
    assert [s.title for s in result.stories] == ["Padded"]


def test_a_wide_document_with_a_long_blank_head_is_refused() -> None:
    """A UTF-16 head is measured after transcoding; where it cannot be shortened it is refused, not read."""
    body = ("<?xml version='1.0' encoding='utf-16'?>" + "\n" * 20_000
            + "<rss version='2.0'><channel><item><title>T</title></item></channel></rss>").encode("utf-16")
    result = parse_document(body, origin="x:0", filename="x.xml")
    assert not result.items and "whitespace before the first element" in result.errors[0].reason
