"""The compiled text reader (native/src/markup.rs) gives exactly the Python answer wherever it answers:
``simple_text``, ``html.unescape`` and ``clean_text`` (and ``clean``'s markup step) on generated markup and
text, references of every kind included; it declines only where it says it does."""

from __future__ import annotations

import html
import html.entities
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirewatch import text as text_module
from wirewatch.text import parser_text, python_clean_text, python_simple_text

native = text_module._compiled
pytestmark = pytest.mark.skipif(native is None, reason="the compiled core is not built (or is turned off)")

NAMES = sorted(html.entities.html5)
# References: named ones (some without their semicolon, some cut short, some unknown), decimal and
# hexadecimal ones (invalid, surrogate, dropped and huge code points, leading zeros, no semicolon).
REFERENCE = st.one_of(
    st.sampled_from(NAMES).map(lambda n: "&" + n),
    st.sampled_from(NAMES).map(lambda n: "&" + n.rstrip(";")),
    st.tuples(st.sampled_from(NAMES), st.text("abxyZ;é1", max_size=3)).map(lambda t: "&" + t[0] + t[1]),
    st.sampled_from(["&", "&#", "&#;", "&#x", "&#X;", "&;", "&&amp;", "&am", "&ampx", "&notin", "&notit;",
                     "&" + "a" * 40, "&" + "b" * 31 + "é;", "&\u00e9;", "&a\rb;", "&lt\x0b", "&x\u00a0;"]),
    st.tuples(st.sampled_from(["&#", "&#0", "&#00"]),
              st.sampled_from([0, 9, 13, 65, 127, 128, 150, 159, 160, 0xD800, 0xDFFF, 0xFFFE, 0x1FFFF, 0x10FFFF,
                               0x110000, 10**30]) | st.integers(0, 0x110000),
              st.sampled_from(["", ";", "x"])).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    st.tuples(st.sampled_from(["&#x", "&#X", "&#x00"]), st.integers(0, 0x120000), st.sampled_from(["", ";", "g"]))
    .map(lambda t: f"{t[0]}{t[1]:x}{t[2]}"),
)
PLAIN = st.sampled_from([*"ab ;#<>&/=\"'\n\t\r\f", "\x0b", "\u00a0", "\u2003", "\u3000", "\u200b", "\u2028", "\x85",
                         "\x1c", "é", "e\u0301", "\u212b", "\u1fef", "İ", "ı", "ſ", "\u212a", "日本", "\\", "\\’", "\\\"",
                         "\\`", "  ", "\r\n"])
TAGS = st.sampled_from([
    "<p>", "</p>", "<P >", "<br/>", "<br />", "<BR>", "</br>", "<div class=\"x\">", "<a href='u'>", "</a>",
    "<a href=u>", "<img src=\"i\"/>", "<nav>", "</nav>", "<script>", "</script>", "<style>", "</style>", "<title>",
    "</title>", "<textarea>", "</textarea>", "<form/>", "<footer>", "</footer>", "<aside>", "</aside>",
    "<button x>", "<noscript>", "</noscript>", "<iframe src='v'>", "</iframe>", "<xmp>", "</xmp>", "<plaintext>",
    "<!-- c -->", "<!---->", "<!-- a-b -->", "<!--", "-->", "<!-->", "<!--->", "<!-- -- -->", "<!", "<?x?>",
    "<![CDATA[x]]>", "<p/ >", "</p x>", "</p/>", "<h1>", "</H1>", "<li", "<b\u00a0c>", "<x:y>", "<a-b>",
    "<p\ta='1'\nb=\"2\">", "<p a=='1'>", "<p a='1'b='2'>", "<p a = \"1\" b>", "<p a='<'>", "<p a=\"x>\">",
    "</script >", "<script async src='x'>", "<style/>", "</SCRIPT>", "<section>", "<blockquote>", "<span>",
    "<SPAN>", "<ſpan>", "<İmg>", "<strong\u0301>", "<table_>", "<em", "<ul\r>", "<h7>", "<h6/>", "<tr>",
    "<figure>", "<b>", "</b>", "<i>", "<img>", "<abbr>", "<span-x>", "<a :b='c'>", "<a _c d:e>", "<a b.c-d=\"e\">",
])
MARKUP = st.lists(st.one_of(TAGS, REFERENCE, PLAIN), max_size=30).map("".join)
SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=MARKUP)
def test_compiled_simple_reader_gives_the_python_answer(text: str) -> None:
    assert native.simple_text(text) == python_simple_text(text)


@SETTINGS
@given(text=st.lists(st.one_of(REFERENCE, PLAIN), max_size=20).map("".join) | st.text())
def test_compiled_unescape_is_html_unescape(text: str) -> None:
    assert native.unescape(text) == html.unescape(text)


def python_clean(value: str, markup: bool) -> str:
    """clean()'s work on a value with text in it, in Python only."""
    if markup and "<" in value:
        simple = python_simple_text(value)
        value = parser_text(value) if simple is None else simple
    return python_clean_text(value)


@SETTINGS
@given(text=MARKUP | st.text(), markup=st.booleans())
def test_compiled_clean_text_gives_the_python_answer(text: str, markup: bool) -> None:
    done = native.clean_text(text, markup)
    if done is not None:
        assert done == python_clean(text, markup)
    else:  # it declines only for markup its simple reader does not read, or a look-alike tag name
        assert ("<" in text and python_simple_text(text) is None) or any(c in text for c in "İıſ\u212a\u0301")


@pytest.mark.parametrize(("text", "expected"), [
    ("<p>One &amp; two</p>", "One & two"), ("a&nbsp;&nbsp; b\\’s", "a b’s"), ("&lt;p&gt;x", "<p>x"),
    ("A\u0301 \r\n\r\n  b\t\tc ", "Á\nb c"), ("<ſpan>x</ſpan>", "<ſpan>x"),
])
def test_compiled_clean_text_on_examples(text: str, expected: str) -> None:
    assert text_module.clean_text(text) == python_clean_text(text) == expected


def test_compiled_clean_reads_markup_found_after_decoding() -> None:
    assert text_module.clean("&lt;p&gt;x <sup>2</sup>", html=True) == python_clean("&lt;p&gt;x <sup>2</sup>", True)
    assert python_clean("&lt;p&gt;x <sup>2</sup>", True) == "x 2"


def test_whitespace_stripped_is_pythons() -> None:
    """The characters the compiled path strips from a line are those str.strip removes."""
    for plane in range(0, 0x110000, 0x10000):
        lines = "\n".join(f"{chr(c)}x{chr(c)}" for c in range(plane, plane + 0x10000) if not 0xD800 <= c <= 0xDFFF)
        assert native.clean_text(lines) == python_clean_text(lines), hex(plane)


def test_declines_where_python_may_refuse_a_reference() -> None:
    long = "&#" + "1" * 700 + ";"
    assert native.unescape(long) is None and native.simple_text("<p>" + long) is None
    assert native.clean_text(long) is None
    assert native.unescape("&#" + "0" * 600 + "65;") == "A"


def test_turned_off_by_the_environment() -> None:
    check = "import wirewatch.text as t; print(t._compiled is None)"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True,
                         env={"WIREWATCH_NATIVE": "0", "PATH": ""}).stdout
    assert out.strip() == "True"


STABLE = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and native and native.surely_nfc(chr(c))]


def test_text_of_code_points_the_check_passes_is_nfc() -> None:
    import unicodedata

    assert len(STABLE) > 1_000_000 and not native.surely_nfc("e\u0301") and not native.surely_nfc("\u1100\u1161")
    for plane in range(0, len(STABLE), 0x10000):  # each next to the ones beside it in code point order
        text = "".join(STABLE[plane:plane + 0x10000])
        assert native.surely_nfc(text) and unicodedata.normalize("NFC", text) == text


@settings(max_examples=1000, deadline=None)
@given(text=st.lists(st.sampled_from(STABLE or ["a"]), max_size=8).map("".join))
def test_text_the_check_passes_is_nfc(text: str) -> None:
    import unicodedata

    assert unicodedata.normalize("NFC", text) == text


# Words, runs of spaces of each kind, line breaks and backslashes: the compiled clean_text copies runs of plain
# ASCII (single spaces in them) at once and everything else a character at a time.
SPACED = st.lists(st.sampled_from(["a", "bc", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "é", "\\", "\\’",
                                   "\x0b", "\x1f", "x y"]), max_size=25).map("".join)


@SETTINGS
@given(text=SPACED)
def test_compiled_clean_text_spaces_as_python(text: str) -> None:
    assert native.clean_text(text, False) == python_clean_text(text)
    assert native.clean_text("a  b  c \n  d") == "a b c\nd"
