"""The file reader sends feeds and wire files to their parsers and keeps plain wire text as it was."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from wirewatch.connectors.feeds.feedparser_path import parse_feed
from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.connectors.files.read import read_path
from wirewatch.connectors.parsing.sniff import sniff
from wirewatch.records import DeadLetter, Story
from tests.conftest import DATA as TESTS_DATA

DATA = TESTS_DATA


def test_sniff_by_content() -> None:
    assert sniff((DATA / "feeds" / "rss-parser-guardian.rss").read_bytes()) == "feed"
    assert sniff((DATA / "wire" / "iptc-newsml-g2-LISTING_1.xml").read_bytes()) == "newsmlg2"
    assert sniff((DATA / "wire" / "iptc-ninjs-3.0-dpa_text.json").read_bytes()) == "ninjs"
    assert sniff((DATA / "feeds" / "feed-rs-jsonfeed_example_1.json").read_bytes()) == "jsonfeed"
    assert sniff(b"<nitf><head/></nitf>") == "nitf"
    assert sniff(b"\x16\x16\x01W1\x1fx\n\x02text\x03") == "anpa1312"
    assert sniff(b"\x01eca1 4 i 1  dpa 1\r\n\x02Head =\n") == "iptc7901"
    assert sniff(b"SEOUL (Reuters) - plain wire text") == "wiretext"
    assert sniff(b"<!doctype html><title>Sign in</title>") == "html"  # HTML5 without <html>
    assert sniff(b"<?xml version='1.0'?><!DOCTYPE rss SYSTEM 'x.dtd'><rss version='0.91'/>") == "feed"


def test_seed_style_text_stays_wiretext(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("SEOUL (Reuters) - North Korea ...\n", encoding="utf-8")
    [story] = read_path(str(page))
    assert isinstance(story, Story) and story.format == "wiretext"


def test_feed_file_gives_one_story_per_entry() -> None:
    records = list(read_path(str(DATA / "feeds" / "rss-parser-guardian.rss")))
    assert len(records) == 55 and all(isinstance(r, Story) and r.format == "rss20" for r in records)
    assert records[0].source == "rss-parser-guardian.rss" and records[0].publisher == "The Guardian"


def test_html_page_is_a_dead_letter(tmp_path: Path) -> None:
    page = tmp_path / "index.xml"
    page.write_bytes(b"<html><body><p>not a feed</p></body></html>")
    [letter] = read_path(str(page))
    assert isinstance(letter, DeadLetter) and "HTML" in letter.reason


def test_survivable_bozo_keeps_entries_and_notes_it() -> None:
    body = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>' \
           b"<item><title>Caf\xe9</title><link>/a</link></item></channel></rss>"
    result = parse_feed(body, "https://example.com/feed", {}, None)
    [story] = result.stories
    assert story.title == "Café" and story.url == "https://example.com/a"
    assert any("survivable" in note for note in result.notes)
    assert any("no publication date" in note for note in result.notes)


def test_not_well_formed_without_entries_is_fatal() -> None:
    result = parse_feed(b"<rss version='2.0'><channel><title>x</ti", None, {}, None)
    assert not result.items and len(result.errors) == 1 and result.errors[0].stage == "parse"


def test_bare_guid_is_scoped_by_feed_and_stable() -> None:
    def feed(link: bytes) -> bytes:
        return b"<rss version='2.0'><channel><link>" + link + b"</link><item><title>x</title><guid isPermaLink='false'>1</guid></item></channel></rss>"

    a1, a2 = parse_feed(feed(b"https://a.example/"), None, {}, None), parse_feed(feed(b"https://a.example/"), None, {}, None)
    b = parse_feed(feed(b"https://b.example/"), None, {}, None)
    assert a1.stories[0].id == a2.stories[0].id != b.stories[0].id


def test_a_feeds_configured_format_picks_its_parser() -> None:
    from wirewatch.connectors.parsing.dispatch import parse_document

    page = b"SEOUL (Reuters) - North Korea fired an intercontinental ballistic missile on Friday.\n"
    sniffed = parse_document(page, origin="http://wire/1", url="http://wire/1")
    assert not sniffed.stories  # sniffed alone, a fetched body that is not markup goes to the feed parser
    [story] = parse_document(page, origin="http://wire/1", url="http://wire/1", hint="text").stories
    assert story.format == "wiretext" and story.body == page.decode()
    feed = (DATA / "feeds" / "rss-parser-guardian.rss").read_bytes()
    assert len(parse_document(feed, origin="u", hint="rss").stories) == 55
    [letter] = parse_document(b"<!doctype html><title>Log in</title>", origin="u", hint="rss").errors
    assert "HTML" in letter.reason and "configured as rss" in letter.reason


def test_every_configurable_format_names_a_parser() -> None:
    from wirewatch.connectors.poll.config import FORMATS
    from wirewatch.connectors.parsing.dispatch import HINTS

    assert tuple(HINTS) == FORMATS


@pytest.mark.parametrize("kind", ["rss", "atom", "json", "ninjs", "nitf"])
def test_an_undated_story_takes_its_fetch_time_flagged(kind: str) -> None:
    """The issue's rule for missing dates: the fetch time, flagged. A dated story keeps its own date; in a
    replay (no fetch time, no clock read) an undated story stays without one, still flagged."""
    documents = {
        "rss": (b"<rss version='2.0'><channel><title>F</title><item><title>Undated</title></item>"
                b"<item><title>Dated</title><pubDate>Tue, 02 Jan 2024 03:04:05 GMT</pubDate></item></channel></rss>"),
        "atom": (b"<feed xmlns='http://www.w3.org/2005/Atom'><title>F</title><entry><id>urn:x:1</id>"
                 b"<title>Undated</title></entry><entry><id>urn:x:2</id><title>Dated</title>"
                 b"<updated>2024-01-02T03:04:05Z</updated></entry></feed>"),
        "json": (b'{"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": ['
                 b'{"id": "1", "title": "Undated", "content_text": "u"},'
                 b'{"id": "2", "title": "Dated", "content_text": "d", "date_published": "2024-01-02T03:04:05Z"}]}'),
        "ninjs": (b'[{"uri": "urn:x:1", "headline": "Undated", "body_text": "u"},'
                  b'{"uri": "urn:x:2", "headline": "Dated", "body_text": "d",'
                  b' "versioncreated": "2024-01-02T03:04:05Z"}]'),
        "nitf": (b"<nitf><head><title>Undated</title></head><body><body.head><hedline><hl1>Undated</hl1></hedline>"
                 b"</body.head><body.content><p>u</p></body.content></body></nitf>"),
    }
    filename = {"json": "f.json", "ninjs": "n.json", "nitf": "n.xml"}.get(kind, "f.xml")
    fetched = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    for when in (fetched, None):
        result = parse_document(documents[kind], origin="t:0", filename=filename, fetched=when,
                                kind="ninjs" if kind == "ninjs" else None)
        assert not result.errors, result.errors
        undated = [s for s in result.stories if s.title == "Undated"]
        dated = [s for s in result.stories if s.title == "Dated"]
        assert len(undated) == 1 and undated[0].undated and undated[0].published == when
        assert undated[0].to_dict()["undated"] is True and Story.from_dict(undated[0].to_dict()) == undated[0]
        assert any("no publication" in note or "no machine-readable" in note for note in result.notes)
        for story in dated:
            assert not story.undated and story.published == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
