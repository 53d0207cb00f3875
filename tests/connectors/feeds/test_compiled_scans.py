"""The compiled byte scans of the fast reader's bridge (native/src/census.rs) find what the regexes they stand
for find: rss_summaries' ``_READ`` matches and fastfeedparser_path's first ``_C1``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.connectors.feeds import fastfeedparser_path, rss_summaries

PIECES = [
    b"<", b"</", b">", b"/>", b"/", b" ", b"\n", b"\t", b"\x0b", b"=", b'"', b"'", b":", b"x", b"a.b", b"-", b"_",
    b"dc:", b"itunes:", b"a:b:", b"media:", b"description", b"summary", b"encoded", b"descriptions", b"Summary",
    b" type='html'", b' a="1"', b" b = 'x<'", b" c='y>'", b"text", b"&amp;", b"<![CDATA[", b"]]>", b"<!--", b"-->",
    b"</description>", b"</summary >", b"</itunes:summary>", b"<itunes:summary>", b"<description>",
    b"\xc2", b"\x80", b"\x9f", b"\xa0", b"\xc3",
]
NAMES = st.sampled_from([b"description", b"summary", b"encoded", b"title", b"summaryx"])
PREFIXES = st.sampled_from([b"", b"", b"itunes:", b"dc:", b"a.b-c_1:", b"a:b:"])
SPACES = st.sampled_from([b"", b"", b" ", b"\n\t", b"\x0b"])
ATTRIBUTES = st.lists(st.tuples(SPACES, st.sampled_from([b"a", b"x:y", b"", b"-"]), SPACES, st.sampled_from([b"=", b""]),
                                SPACES, st.sampled_from([b"'1'", b'"2"', b"'<'", b'">"', b"3", b"'"]))
                      .map(b"".join), max_size=3).map(b"".join)
# Elements made whole (start tag, text, end tag), each part sometimes amiss, among loose pieces.
ELEMENTS = st.tuples(st.just(b"<"), PREFIXES, NAMES, ATTRIBUTES, SPACES, st.sampled_from([b">", b"/>", b"", b"x>"]),
                     st.sampled_from([b"", b"text", b"a&amp;b", b"a<b>c", b"\n"]), st.just(b"</"), PREFIXES, NAMES,
                     SPACES, st.sampled_from([b">", b"", b" x>"])).map(b"".join)
DOCUMENTS = st.lists(st.sampled_from(PIECES) | ELEMENTS, max_size=30).map(b"".join)
BYTES = st.lists(st.sampled_from([b"\xc2", b"\x80", b"\x9f", b"\xa0", b"a", b"\xc3", b"\x7f"]), max_size=20).map(b"".join)


@settings(max_examples=1000, deadline=None)
@given(data=DOCUMENTS)
def test_compiled_reads_are_the_regex_matches(data: bytes) -> None:
    if rss_summaries._compiled_reads is None:
        pytest.skip("the compiled core is not built (or is turned off)")
    expected = [(m.start(), m[1], m[2]) for m in rss_summaries._READ.finditer(data)]
    assert rss_summaries.reads(data) == expected


@settings(max_examples=500, deadline=None)
@given(data=BYTES, first=st.integers(0, 10))
def test_compiled_c1_is_the_regex_search(data: bytes, first: int) -> None:
    if fastfeedparser_path._compiled_c1 is None:
        pytest.skip("the compiled core is not built (or is turned off)")
    found = fastfeedparser_path._C1.search(data, first)
    assert fastfeedparser_path._first_c1(data, first) == (found[0] if found else None)


def test_reads_examples() -> None:
    data = b"<item><itunes:summary>Same</itunes:summary><description a='1'>Same</description><summary/></item>"
    assert rss_summaries.reads(data) == [(6, b"itunes:summary", b"Same"), (43, b"description", b"Same"),
                                         (80, b"summary", None)]


# The pieces above with the names and attribute values _HOLDS_ELEMENTS looks at.
HOLDING_PIECES = [*PIECES, b"title", b"titles", b"content:encoded", b"content:", b" type='xhtml'", b"xhtml", b"<!",
                  b"<b>", b"<title>", b"<content:encoded>", b"<description ", b"<summary\n"]
HOLDING_DOCUMENTS = st.lists(st.sampled_from(HOLDING_PIECES) | ELEMENTS, max_size=30).map(b"".join)


@settings(max_examples=1500, deadline=None)
@given(data=HOLDING_DOCUMENTS, first=st.integers(0, 10))
def test_compiled_holding_is_the_regex_matches(data: bytes, first: int) -> None:
    if fastfeedparser_path._compiled_holding is None:
        pytest.skip("the compiled core is not built (or is turned off)")
    expected = [found[1] for found in fastfeedparser_path._HOLDS_ELEMENTS.finditer(data, first)]
    assert list(fastfeedparser_path._holding(data, first)) == expected


def test_holding_examples() -> None:
    data = b"<description>a<b>x</b></description><title a='1'>t<i>i</i></title><summary type='xhtml'>s<p/></summary>"
    assert list(fastfeedparser_path._holding(data, 0)) == [b"description", b"title"]
