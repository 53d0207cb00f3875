"""The URL-join shortcut returns exactly what urllib's urljoin and feedparser's _urljoin return."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from feedparser.urls import _urljoin
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.connectors.feeds.urljoin import feedparser_join, join, plain_absolute

# Characters a URL may hold, and the ones urlparse and urlunparse treat specially, weighted towards the latter.
PIECES = st.sampled_from(["a", "Z", "0", "-", ".", "_", "~", "%", "%2F", "!", "$", "&", "'", "(", ")", "*", "+",
                          ",", ";", "=", ":", "@", "/", "//", "?", "#", "[", "]", " ", "\t", "\n", "é", "..", "./"])
ODD = st.tuples(
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "http:///", "mailto:", "", "//", "/"]),
    st.lists(PIECES, max_size=14).map("".join),
).map("".join)
# Near-plain: a host, then path segments ending in the characters that decide (";", "?", "#", "..").
NEAR = st.tuples(
    st.sampled_from(["http://", "https://"]),
    st.sampled_from(["example.org", "a-b.example", "example.org:8080", "example.org:", "x"]),
    st.lists(st.sampled_from(["/", "/a", "/b.html", "/..", "/.", "//", ";p", ";", "?", "?q=1", "#", "#f", "&", "%20",
                              "é"]), max_size=5).map("".join),
).map("".join)
URLS = st.one_of(ODD, NEAR)
BASES = st.sampled_from(["", "http://example.org/feeds/x.xml", "https://a.example/b/", "ftp://f.example/",
                         "http://example.org", "/relative/"])


@settings(max_examples=3000, deadline=None)
@given(base=BASES, url=URLS)
def test_the_shortcut_joins_as_the_libraries_do(base: str, url: str) -> None:
    for ours, theirs in ((join, urljoin), (feedparser_join, _urljoin)):
        try:
            expected = theirs(base, url)
        except ValueError:
            with pytest.raises(ValueError):
                ours(base, url)
            continue
        assert ours(base, url) == expected


@pytest.mark.parametrize(("url", "plain"), [
    ("https://www.example.com/news/2024/story-1.html?ref=rss#top", True),
    ("http://example.com", True),
    ("http://example.com:8080/a", True),
    ("http://example.com/a;params", False),  # urlparse splits parameters off
    ("http://example.com/a?", False),  # unparsing drops an empty query
    ("http://example.com/a#", False),
    ("HTTP://example.com/", False),  # urlparse lowers the scheme
    ("http://[::1]/", False),
    ("/relative/path", False),
])
def test_plain_absolute_urls(url: str, plain: bool) -> None:
    assert plain_absolute(url) is plain
