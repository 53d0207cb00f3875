"""The one-pass HTML reader gives HTMLParser's text exactly, wherever it answers, and answers the common shapes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirewatch.text import _TOKEN, html_to_text, parser_text, simple_text

PIECES = [
    *"ab <>&;#x1/=\"' \n\t\r", "\u00a0", "\x0b", "p", "br", "P", "</", "/>", "<p>", "</p>", "<P >", "<br/>", "<br />",
    "<BR>", "</br>", "<div class=\"x\">", "<a href='u'>", "</a>", "<a href=u>", "<img src=\"i\"/>", "<nav>", "</nav>",
    "<script>", "</script>", "<style>", "<title>", "<textarea>", "<form/>", "</footer>", "<aside>", "<button x>",
    "<!-- c -->", "<!--", "-->", "<!---->", "<!-->", "<!", "<?x?>", "<![CDATA[x]]>", "&amp;", "&amp", "&#8217;",
    "&#x27;", "&nbsp;", "&foo;", "&#", "&#;", "<p/ >", "</p x>", "</p/>", "<h1>", "</H1>", "<li", "<b\u00a0c>",
    "<x:y>", "<a-b>", "<p\ta='1'\nb=\"2\">", "<p a=='1'>", "<p a='1'b='2'>", "</script >", "<iframe src='v'>",
    "</iframe>", "<script async src='x'>", "</title>", "<noscript>", "</noscript>", "<style/>", "</SCRIPT>",
]
MARKUP = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=MARKUP)
def test_simple_reader_agrees_with_htmlparser(text: str) -> None:
    simple = simple_text(text)
    if simple is not None:
        assert simple == parser_text(text)
    assert html_to_text(text) == parser_text(text)


# simple_text's token pattern as it was written before its repeats were made possessive.
BACKTRACKING = re.compile(
    r"<(?:(/?)([A-Za-z][A-Za-z0-9]*)((?:[ \t\n\r\f]+[A-Za-z_:][-A-Za-z0-9_.:]*"
    r"(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:\"[^\"<>]*\"|'[^'<>]*'))?)*)[ \t\n\r\f]*(/?)>|!--(?:[^<>-]|-(?!-))*-->)"
)
TAG_PIECES = [*PIECES, "<a", " b", "=", "'c'", "\"d\"", "-", "--", "--->", "<!--", "-x-", ">", ":", ".", "_"]


@settings(max_examples=1000, deadline=None)
@given(text=st.lists(st.sampled_from(TAG_PIECES), max_size=30).map("".join))
def test_the_possessive_token_pattern_splits_as_the_backtracking_one(text: str) -> None:
    assert _TOKEN.split(text) == BACKTRACKING.split(text)


@pytest.mark.parametrize(("markup", "expected"), [
    ("<p>One &amp; two</p><p>Three<br/>four</p>", "\nOne & two\n\nThree\n\nfour\n"),
    ("<div class=\"lead\"><a href='/x'>Link</a> text</div>", "\nLink text\n"),
    ("Kept<nav>dropped <b>too</b></nav> kept<!-- gone -->", "Kept kept"),
    ("<FOOTER/>after<Br>", "after\n"),
])
def test_simple_reader_answers_common_markup(markup: str, expected: str) -> None:
    assert simple_text(markup) == expected == parser_text(markup)


@pytest.mark.parametrize(("markup", "expected"), [
    ("<p>a</p><script async src='x.js'></script><p>b</p>", "\na\n\nb\n"), ("a<iframe src='v'>in</iframe>b", "ainb"),
    ("<title>t</title>", "t"), ("<nav><style>p{}</style>n</nav>x", "x"),
])
def test_simple_reader_answers_plain_raw_text_elements(markup: str, expected: str) -> None:
    assert simple_text(markup) == expected == parser_text(markup)


@pytest.mark.parametrize("markup", [
    "a < b", "<script>x<y</script>", "<a href=bare>x</a>", "<![CDATA[x]]>", "</p class='x'>", "<script>a&amp;b</script>",
    "<!-->", "<p a='1'b='2'>", "<script/>", "<script>x</style>",
])
def test_simple_reader_leaves_other_shapes_to_htmlparser(markup: str) -> None:
    assert simple_text(markup) is None
    assert html_to_text(markup) == parser_text(markup)


def test_simple_reader_agrees_on_the_feed_corpus(shared_corpora: Path) -> None:
    import feedparser

    answered = total = 0
    for path in sorted((shared_corpora / "feeds").rglob("*.xml")):
        parsed = feedparser.parse(path.read_bytes())
        for entry in parsed.entries:
            values = [entry.get("title"), entry.get("summary")]
            values += [c.get("value") for c in entry.get("content") or () if isinstance(c, dict)]
            for value in values:
                if isinstance(value, str) and "<" in value:
                    total += 1
                    simple = simple_text(value)
                    if simple is not None:
                        answered += 1
                        assert simple == parser_text(value), path
    assert total and answered / total > 0.5  # it must carry the common case, or it buys nothing


ODD_SPACES = ["\t", "\u00a0", *map(chr, range(0x2000, 0x200C)), "\u202f", "\u205f", "\u3000"]


def test_the_odd_spaces_are_the_squeezed_class_less_the_plain_space() -> None:
    from wirewatch.text import _ODD_SPACES, _SPACES

    assert {chr(c) for c in range(0x110000) if _SPACES.fullmatch(chr(c))} == {" ", *_ODD_SPACES}


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from([" ", "  ", "a", "é", "\n", "\r", "\x0b", "\u2028", *ODD_SPACES]), max_size=30)
       .map("".join) | st.text())
def test_plain_spaces_replaces_each_odd_space_by_one(text: str) -> None:
    from wirewatch.text import _plain_spaces

    assert _plain_spaces(text) == re.sub("[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]", " ", text)


def reference_clean_text(text: str) -> str:
    """clean_text as written before its fast paths: the runs of spaces squeezed before the lines are stripped."""
    import html
    import unicodedata

    from wirewatch.text import _SPACES, _STRAY_ESCAPE, LOOKS_HTML

    text = html_to_text(text) if LOOKS_HTML.search(text) else html.unescape(text)
    text = _STRAY_ESCAPE.sub("", unicodedata.normalize("NFC", text))
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join([line for line in map(str.strip, text.split("\n")) if line])


CLEAN_PIECES = [" ", "  ", "a", "b", "é", "e\u0301", "\n", "\r", "\r\n", "\x0b", "\x85", "\u2028", "\\", "\\’", "&amp;",
                "&nbsp;", "&#8203;", "<p>", "</p>", "<br/>", "<b>", "<nav>", "<", *ODD_SPACES]


@settings(max_examples=1000, deadline=None)
@given(text=st.lists(st.sampled_from(CLEAN_PIECES), max_size=30).map("".join) | st.text())
def test_clean_text_equals_its_reference(text: str) -> None:
    """Lines stripped before the runs are squeezed, the odd spaces replaced one by one, the markup check only
    where there is a '<': the same text as squeezing first."""
    from wirewatch.text import clean_text

    assert clean_text(text) == reference_clean_text(text)
