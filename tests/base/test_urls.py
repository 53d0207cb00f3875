"""URL canonicalisation on the shapes outlets, feeds and share buttons really write, plus properties: the
canonical form is a fixed point, and no text makes it raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.urls import canonical_url, identity_url

SHAPES = [
    # scheme, host case, www, default ports, fragments, trailing slashes
    ("HTTP://WWW.Reuters.COM/world/asia-pacific/quake-hits-japan-2024-01-01/",
     "https://reuters.com/world/asia-pacific/quake-hits-japan-2024-01-01"),
    ("https://www.bbc.co.uk:443/news/world-asia-67858009#comments", "https://bbc.co.uk/news/world-asia-67858009"),
    ("http://apnews.com:80/article/japan-earthquake-0e4b3f", "https://apnews.com/article/japan-earthquake-0e4b3f"),
    ("https://www.aljazeera.com./news/2024/1/1/live-japan-quake", "https://aljazeera.com/news/2024/1/1/live-japan-quake"),
    ("https://user:secret@www.example.com/story/1", "https://example.com/story/1"),
    ("https://www.theguardian.com", "https://theguardian.com/"),
    ("  https://www.voanews.com/a/north-korea-missile/7421234.html \n",
     "https://voanews.com/a/north-korea-missile/7421234.html"),
    ("//www.dw.com/en/germany-budget/a-67800000", "https://dw.com/en/germany-budget/a-67800000"),
    # tracking parameters
    ("https://www.nytimes.com/2024/01/01/world/asia/japan-earthquake.html?utm_source=twitter&utm_medium=social"
     "&utm_campaign=nyt", "https://nytimes.com/2024/01/01/world/asia/japan-earthquake.html"),
    ("https://www.cnn.com/2024/01/01/asia/japan-quake/index.html?fbclid=IwAR0abcDEF", 
     "https://cnn.com/2024/01/01/asia/japan-quake/index.html"),
    ("https://www.france24.com/en/asia-pacific/20240101-japan?gclid=Cj0KCQiA&msclkid=9f8e",
     "https://france24.com/en/asia-pacific/20240101-japan"),
    ("https://example.com/news/story-123?mc_cid=4f2a&mc_eid=77aa", "https://example.com/news/story-123"),
    ("https://www.nytimes.com/2024/01/02/us/politics/vote.html?smid=nytcore-ios-share&referringSource=articleShare",
     "https://nytimes.com/2024/01/02/us/politics/vote.html?referringSource=articleShare"),
    ("https://www.ft.com/content/1b2c3d4e?ftag=rss&_ga=2.1.2", "https://ft.com/content/1b2c3d4e"),
    ("https://www.lemonde.fr/international/article/2024/01/01/seisme_6208.html?xtor=RSS-3208&at_medium=rss",
     "https://lemonde.fr/international/article/2024/01/01/seisme_6208.html"),
    ("https://twitter.com/Reuters/status/1741790000000000000?ref_src=twsrc%5Etfw&s=20",
     "https://twitter.com/Reuters/status/1741790000000000000?s=20"),
    # parameters that name the article stay, sorted
    ("https://www.example-news.com/article.php?id=4411&cat=world", "https://example-news.com/article.php?cat=world&id=4411"),
    ("https://news.example.org/view?story=a+b&page=2", "https://news.example.org/view?page=2&story=a%20b"),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&utm_source=x",
     "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ"),
    # AMP and mobile renderings
    ("https://amp.theguardian.com/world/2024/jan/01/japan-earthquake", "https://theguardian.com/world/2024/jan/01/japan-earthquake"),
    ("https://www.bbc.com/news/amp/world-asia-67858009", "https://bbc.com/news/world-asia-67858009"),
    ("https://www.cbsnews.com/amp/news/japan-earthquake-tsunami/", "https://cbsnews.com/news/japan-earthquake-tsunami"),
    ("https://www.independent.co.uk/news/world/asia/japan-quake-b2471234.html/amp",
     "https://independent.co.uk/news/world/asia/japan-quake-b2471234.html"),
    ("https://www.washingtonpost.com/world/2024/01/01/japan-earthquake/?outputType=amp",
     "https://washingtonpost.com/world/2024/01/01/japan-earthquake"),
    ("https://www.example.com/politics/story-9.amp.html", "https://example.com/politics/story-9.html"),
    ("https://www.example.com/politics/story-9?amp=1", "https://example.com/politics/story-9"),
    ("https://www-independent-co-uk.cdn.ampproject.org/c/s/www.independent.co.uk/news/world/japan-b2471234.html?amp",
     "https://independent.co.uk/news/world/japan-b2471234.html"),
    ("https://m.bbc.co.uk/news/world-asia-67858009", "https://bbc.co.uk/news/world-asia-67858009"),
    ("https://mobile.reuters.com/article/idUSKBN1234", "https://reuters.com/article/idUSKBN1234"),
    ("https://m.facebook.com/reuters/posts/10158", "https://facebook.com/reuters/posts/10158"),
    # redirect wrappers that carry their target
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.reuters.com%2Fworld%2Fquake%2F%3Futm_source%3Dfacebook&h=AT3x",
     "https://reuters.com/world/quake"),
    ("https://www.google.com/url?sa=t&rct=j&q=&esrc=s&url=https%3A%2F%2Fapnews.com%2Farticle%2Fabc&usg=AOv",
     "https://apnews.com/article/abc"),
    ("https://news.google.com/news/url?sa=t&fd=R&url=http://www.dw.com/en/story/a-1&ct2=us",
     "https://dw.com/en/story/a-1"),
    ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2Fuk-1&data=05",
     "https://bbc.co.uk/news/uk-1"),
    ("https://out.reddit.com/t3_18w?url=https%3A%2F%2Fwww.cnn.com%2F2024%2F01%2F01%2Fworld%2Fx%2Findex.html&token=A",
     "https://cnn.com/2024/01/01/world/x/index.html"),
    # what cannot be resolved offline stays itself
    ("https://t.co/Ab12Cd34Ef", "https://t.co/Ab12Cd34Ef"),
    ("http://feedproxy.google.com/~r/reuters/topNews/~3/hX1Dq9dQ/idUSKBN1", "https://feedproxy.google.com/~r/reuters/topNews/~3/hX1Dq9dQ/idUSKBN1"),
    ("https://news.google.com/rss/articles/CBMiK2h0dHBzOi8vd3d3?oc=5", "https://news.google.com/rss/articles/CBMiK2h0dHBzOi8vd3d3?oc=5"),
    # percent-escapes: unreserved characters decoded, the rest upper-cased; paths keep their case
    ("https://example.com/%7Eeditor/Caf%c3%a9-News", "https://example.com/~editor/Caf%C3%A9-News"),
    ("https://example.com/World/Story", "https://example.com/World/Story"),
    # not an http(s) URL: returned as given (stripped)
    ("urn:newsml:reuters.com:20240101:nL1N3DN00X:2", "urn:newsml:reuters.com:20240101:nL1N3DN00X:2"),
    ("tag:example.com,2024:story-1", "tag:example.com,2024:story-1"),
    ("/relative/path", "/relative/path"),
    ("", ""),
]


@pytest.mark.parametrize(("url", "expected"), SHAPES)
def test_real_shapes(url: str, expected: str):
    assert canonical_url(url) == expected


def test_there_are_at_least_thirty_shapes():
    assert len(SHAPES) >= 30


def test_different_articles_stay_different():
    urls = [
        "https://www.reuters.com/world/story-1", "https://www.reuters.com/world/story-2",
        "https://www.reuters.com/World/story-1", "https://example.com/article.php?id=1",
        "https://example.com/article.php?id=2", "https://reuters.com:8443/world/story-1",
        "https://t.co/Ab12Cd34Ef", "https://t.co/Ab12Cd34Eg",
    ]
    assert len({canonical_url(u) for u in urls}) == len(urls)


def test_identity_needs_an_article_address():
    assert identity_url("https://www.reuters.com/?utm_source=rss") is None  # the home page names no story
    assert identity_url("urn:newsml:reuters.com:1") is None
    assert identity_url(None) is None
    assert identity_url("https://www.reuters.com/world/asia-pacific/") is None  # a section page neither
    assert identity_url("https://www.reuters.com/news/world") is None
    assert identity_url("HTTP://WWW.reuters.com/a/quake-hits-japan/") == "https://reuters.com/a/quake-hits-japan"
    assert identity_url("https://www.voanews.com/a/7421234.html") == "https://voanews.com/a/7421234.html"
    assert identity_url("https://apnews.com/article/0e4b3f") == "https://apnews.com/article/0e4b3f"
    assert identity_url("https://example.com/?p=4411") == "https://example.com/?p=4411"


_SEGMENT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), max_size=8)
_URLS = st.builds(
    lambda scheme, prefix, host, port, path, query, fragment: (
        f"{scheme}://{prefix}{host}{port}/{'/'.join(path)}{query}{fragment}"
    ),
    st.sampled_from(["http", "https", "HTTP", "HtTpS"]),
    st.sampled_from(["", "www.", "m.", "amp.", "WWW.", "www.m.", "mobile."]),
    st.sampled_from(["example.com", "News.Example.co.uk", "l.facebook.com", "google.com", "x.cdn.ampproject.org",
                     "[::1]", "127.0.0.1", "t.co"]),
    st.sampled_from(["", ":80", ":443", ":8080", ":", ":x"]),
    st.lists(st.one_of(st.sampled_from(["amp", "l.php", "url", "c", "s", "a.amp.html", ""]), _SEGMENT), max_size=4),
    st.one_of(st.just(""), st.builds(
        lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs),
        st.lists(st.tuples(st.sampled_from(["utm_source", "u", "url", "q", "id", "amp", "outputType", "b", "a"]),
                           st.one_of(st.sampled_from(["amp", "1", "https%3A%2F%2Fwww.x.com%2Fy%2F",
                                                      "http://m.y.org/z?fbclid=1", ""]), _SEGMENT)),
                 max_size=4))),
    st.sampled_from(["", "#", "#top", "#!/x"]),
)


@settings(max_examples=400)
@given(_URLS)
def test_canonical_of_canonical_is_itself_for_urls(url: str):
    once = canonical_url(url)
    assert canonical_url(once) == once


@settings(max_examples=400)
@given(st.text())
def test_any_text_never_raises_and_is_a_fixed_point(text: str):
    once = canonical_url(text)
    assert isinstance(once, str)
    assert canonical_url(once) == once


@settings(max_examples=200)
@given(st.text().map(lambda t: "https://" + t))
def test_url_like_text_is_a_fixed_point(text: str):
    once = canonical_url(text)
    assert canonical_url(once) == once
