"""An empty summary element beside content: feedparser keeps the summary empty, fastfeedparser fills it with
the content, so the fast reader leaves such a document to feedparser and both give the same Stories."""

from __future__ import annotations

import pytest

from wirewatch.connectors.feeds import fastfeedparser_path
from wirewatch.connectors.feeds.feedparser_path import parse_feed

RSS = ("<?xml version='1.0'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
       "<channel><title>F</title><link>http://example.org/</link>"
       "<item><title>One</title><link>http://example.org/1</link>{}<content:encoded>&lt;p&gt;Body one&lt;/p&gt;"
       "</content:encoded></item></channel></rss>")
ATOM = ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title><id>urn:f</id>"
        "<entry><title>One</title><id>http://example.org/1</id><link href='http://example.org/1'/>{}"
        "<content type='html'>&lt;p&gt;Body one&lt;/p&gt;</content></entry></feed>")


def _stories(data: bytes, fast: bool) -> list[dict]:
    return [item.story.to_dict() for item in parse_feed(data, None, origin="x:0", fast=fast).items]


@pytest.mark.parametrize("doc, summary", [
    (RSS, "<description/>"), (RSS, "<description></description>"), (RSS, "<description> </description>"),
    (RSS, "<description><![CDATA[]]></description>"), (ATOM, "<summary/>"), (ATOM, "<summary type='html'></summary>"),
])
def test_an_empty_summary_beside_content_is_left_to_feedparser(doc: str, summary: str) -> None:
    data = doc.format(summary).encode()
    assert "empty summary" in fastfeedparser_path.answer(data, {})
    assert _stories(data, fast=True) == _stories(data, fast=False)


@pytest.mark.parametrize("doc, summary", [(RSS, ""), (RSS, "<description>Short one</description>"),
                                          (ATOM, "<summary>Short one</summary>")])
def test_a_summary_with_text_or_none_stays_on_the_fast_reader(doc: str, summary: str) -> None:
    data = doc.format(summary).encode()
    assert not isinstance(fastfeedparser_path.answer(data, {}), str)
    assert _stories(data, fast=True) == _stories(data, fast=False)
