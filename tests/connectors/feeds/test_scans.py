"""The fast reader's cheaper scans against the plain patterns they stand for, on generated documents."""

from __future__ import annotations

import re

from hypothesis import given, settings
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
