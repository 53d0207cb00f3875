"""An entry with nothing fastfeedparser reads goes to the fast reader only where its bytes hold no text
feedparser could read either (connectors.parsing.textless): both then make it the same dead letter."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.connectors.feeds import fastfeedparser_path
from wirewatch.connectors.feeds.feedparser_path import parse_feed, tame_head
from wirewatch.connectors.parsing.textless import holds_no_text

RSS = ("<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
       "<channel><title>F</title><link>http://example.org/</link>"
       "<item><title>One</title><description>one</description><pubDate>Wed, 17 Oct 2018 10:30:00 GMT</pubDate></item>"
       "<item><title></title><description/>{}</item></channel></rss>")


def _outcome(data: bytes, fast: bool) -> tuple[list[dict], list[str]]:
    result = parse_feed(data, None, origin="x:0", fast=fast)
    return ([item.story.to_dict() | {"guid": item.guid} for item in result.items],
            result.notes + [letter.reason for letter in result.errors])


@pytest.mark.parametrize("inner", [
    "", "\n\t <link></link>\n", "<pubDate>Wed, 17 Oct 2018 10:30:00 GMT</pubDate>",
    "<category>c</category><comments>http://example.org/c</comments><dc:date>2018-10-17</dc:date>",
    "<media:content url='http://example.org/a.jpg' medium='image'/><enclosure url='http://example.org/a.mp3' />",
])
def test_an_entry_without_text_is_answered_and_is_the_same_dead_letter(inner: str) -> None:
    data = RSS.format(inner).encode()
    assert not isinstance(fastfeedparser_path.answer(data, {}), str)
    stories, notes = _outcome(data, fast=True)
    assert (stories, notes) == _outcome(data, fast=False)
    assert len(stories) == 1 and "entry 2 has no title, summary or content" in notes


@pytest.mark.parametrize("inner", [
    "<media:title>Hidden</media:title>", "<dc:title>Hidden</dc:title>", "<abstract>Hidden</abstract>",
    "<title xmlns='http://purl.org/dc/elements/1.1/'>Hidden</title>",
    "<link xmlns='http://purl.org/dc/elements/1.1/'>x</link><dc:title>Hidden</dc:title>",
])
def test_an_entry_with_text_feedparser_reads_goes_to_feedparser(inner: str) -> None:
    data = RSS.format(inner).encode()
    assert isinstance(fastfeedparser_path.answer(data, {}), str)
    stories, _ = _outcome(data, fast=False)
    assert len(stories) == 2  # (feedparser finds a Story there: answering would have lost it)
    assert _outcome(data, fast=True) == _outcome(data, fast=False)


@pytest.mark.parametrize(("entry", "textless"), [
    (b"<item>\n <title></title><description/>\n</item>", True),
    (b"<item><link>http://x/</link><guid isPermaLink='false'>g</guid><pubDate>d</pubDate></item>", True),
    (b"<item><category domain='x'>a &amp; b</category><comments>c</comments><dc:date>d</dc:date></item>", True),
    (b"<item><title>t</title></item>", False),
    (b"<item><title><![CDATA[]]></title></item>", False),  # (CDATA, comments, PIs count as text)
    (b"<item><title><!-- c --></title></item>", False),
    (b"<item><?pi x?></item>", False),
    (b"<item>&#32;</item>", False),
    (b"<item><media:title>t</media:title></item>", False),
    (b"<item><linked>t</linked></item>", False),
    (b"<item><link><b>t</b></link></item>", False),
    (b"<item><link xmlns='urn:x'>t</link></item>", False),
    (b"<item><x a='1>2'/></item>", False),
])
def test_holds_no_text(entry: bytes, textless: bool) -> None:
    assert holds_no_text(b"<rss>" + entry + b"</rss>", 5, 5 + len(entry)) is textless


def test_the_corpus_feed_with_an_empty_item_is_answered(shared_corpora: Path) -> None:
    body = (shared_corpora / "feeds/miniflux/internal/reader/parser/testdata/no_encoding_ISO-8859-1.xml").read_bytes()
    assert not isinstance(fastfeedparser_path.answer(tame_head(body) or b"", {}), str)
    assert _outcome(body, fast=True) == _outcome(body, fast=False)
