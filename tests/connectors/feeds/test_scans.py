"""The fast reader's cheaper scans against the plain patterns they stand for, on generated documents."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wirewatch.connectors.feeds import fastfeedparser_path

# Pieces that make items and entries, near misses of their tags, and what surrounds them.
PIECES = [
    b"<item>", b"<item ", b"<item\n", b"<items>", b"<item/>", b"</item>", b"</item >", b"</item\n>", b"</items>",
    b"<entry>", b"<entry a='1'>", b"</entry>", b"</entry\t>", b"<entryx>", b"</entr", b"<", b"</", b">", b" ", b"\n",
    b"x", b"<![CDATA[", b"]]>", b"\xc3\xa9",
]
DOCUMENTS = st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join)
LAZY = {False: re.compile(rb"<item[\s>].*?</item\s*>", re.S), True: re.compile(rb"<entry[\s>].*?</entry\s*>", re.S)}


@settings(max_examples=800, deadline=None)
@given(data=DOCUMENTS, first=st.integers(0, 12), atom=st.booleans())
def test_elements_are_what_the_lazy_pattern_finds(data: bytes, first: int, atom: bool) -> None:
    expected = [match[0] for match in LAZY[atom].finditer(data, first)]
    assert fastfeedparser_path._elements(data, first, atom) == expected


def test_the_lt_references_are_every_named_reference_that_makes_a_less_than_sign() -> None:
    import html.entities

    from wirewatch.connectors.feeds import rss_summaries

    named = {name for name, value in html.entities.html5.items() if "<" in value}
    assert named == {"lt", "LT", "lt;", "LT;", "nvlt;"}  # what _LT_REFERENCE lists
    for name in named:
        assert rss_summaries._LT_REFERENCE.search(b"x&" + name.encode())


# Text between tags (no "<"), with references and near misses of them.
TEXTS = st.lists(st.sampled_from([b"&", b"#", b"lt", b"LT", b"Lt", b"nvlt", b";", b"x", b"60", b"x3c", b"amp", b" ",
                                  b"\xc3\xa9", b"gt", b"0", b"6", b"X", b"3C", b"039", b"x03c", b"600", b"c", b"&#"]),
                 max_size=12).map(b"".join)


@settings(max_examples=800, deadline=None)
@given(text=TEXTS)
def test_text_without_an_lt_reference_unescapes_without_a_less_than_sign(text: bytes) -> None:
    import html

    from wirewatch.connectors.feeds import rss_summaries

    if "<" in html.unescape(text.decode("utf-8", "replace")):
        assert rss_summaries._LT_REFERENCE.search(text)


@settings(max_examples=800, deadline=None)
@example(value=60, form="{:d}", zeros=1, after=";")
@example(value=60, form="{:d}", zeros=0, after="0")
@example(value=60, form="x{:x}", zeros=2, after="")
@example(value=60, form="X{:X}", zeros=0, after="c")
@example(value=6, form="{:d}", zeros=0, after="0")
@given(value=st.integers(0, 200) | st.integers(0, 0x110000), form=st.sampled_from(["{:d}", "x{:x}", "X{:X}"]),
       zeros=st.integers(0, 3), after=st.sampled_from(["", ";", " ", "0", "c", "x"]))
def test_a_numeric_reference_is_an_lt_reference_where_it_unescapes_to_a_less_than_sign(
        value: int, form: str, zeros: int, after: str) -> None:
    import html

    from wirewatch.connectors.feeds import rss_summaries

    digits = form.format(value)
    text = f"&#{digits[0] if form != '{:d}' else ''}{'0' * zeros}{digits.lstrip('xX')}{after}"
    found = rss_summaries._LT_REFERENCE.search(text.encode()) is not None
    assert found == ("<" in html.unescape(text))
