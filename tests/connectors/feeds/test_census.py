"""The census' one-scan answers against the byte patterns the fast reader's bridge asked one by one."""

from __future__ import annotations

import re

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.connectors.feeds.census import Census

# Pieces that make tags the census counts, near misses of them, and what surrounds tags.
PIECES = [
    b"<", b"</", b"<![CDATA[", b"]]>", b"<!--", b"-->", b">", b"/>", b" ", b"\n", b"\t", b":", b"x", b"dc", b"a.b",
    b"-", b"_", b"\xc3\xa9", b"=", b'"', b"description", b"summary", b"guid", b"item", b"entry", b"encoded",
    b"content", b"body", b"fullitem", b"author", b"creator", b"managingEditor", b"items", b"guidance", b"Item",
]
DOCUMENTS = st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join)
LOCALS = [b"description", b"summary", b"guid", b"item", b"entry", b"encoded", b"content", b"body", b"fullitem",
          b"author", b"creator", b"managingEditor"]


def _named(local: bytes, bare: bool, prefixed: bool) -> re.Pattern[bytes]:
    prefix = rb"(?:[\w.-]+:)?" if bare and prefixed else rb"[\w.-]+:" if prefixed else b""
    return re.compile(b"<" + prefix + re.escape(local) + rb"[\s/>]")


@settings(max_examples=600, deadline=None)
@given(data=DOCUMENTS, first=st.integers(0, 20))
def test_the_census_counts_what_the_byte_patterns_find(data: bytes, first: int) -> None:
    census = Census(data, first)
    for local in LOCALS:
        assert census.starting(local) == data.count(b"<" + local, first), local
        for bare, prefixed in ((True, True), (False, True), (True, False)):
            expected = len(_named(local, bare, prefixed).findall(data, first))
            assert census.named((local,), bare=bare, prefixed=prefixed) == expected, (local, bare, prefixed)
    authors = re.compile(rb"<(?:[\w.-]+:)?(?:author|creator|managingEditor)[\s/>]")
    assert census.named((b"author", b"creator", b"managingEditor")) == len(authors.findall(data, first))


# More prefixes spelt like local names, and starts of tags, for the comparison below.
TAGGED = st.lists(st.sampled_from([*PIECES, b"<item:", b"<content:", b"<entry:", b"<a:b:", b"<dc:", b"\x0b", b"<x"]),
                  max_size=60).map(b"".join)


@settings(max_examples=600, deadline=None)
@given(data=TAGGED, first=st.integers(0, 20))
def test_the_compiled_census_counts_as_the_python_one(data: bytes, first: int) -> None:
    from wirewatch.connectors.feeds import census as module

    if module._compiled_census is None:
        pytest.skip("the compiled core is not built (or is turned off)")
    compiled = Census(data, first)
    saved, module._compiled_census = module._compiled_census, None
    try:
        python = Census(data, first)
    finally:
        module._compiled_census = saved
    for counts in ("_starting", "_bare", "_prefixed"):
        assert +getattr(compiled, counts) == +getattr(python, counts), counts


def test_names_are_read_whole() -> None:
    data = b"<items><item><guidance/><guid>1</guid><a:b:encoded/><x:encoded>t</x:encoded><content:encoded>"
    census = Census(data, 0)
    assert census.starting(b"item") == 2 and census.starting(b"guid") == 2
    assert census.named((b"encoded",)) == 2 and census.named((b"item",)) == 1
    assert census.named((b"content",), prefixed=False) == 0


def test_a_prefix_spelt_like_a_name_still_starts_with_it() -> None:
    census = Census(b"<item:entry/><description:description>", 0)
    assert census.starting(b"item") == 1 and census.starting(b"description") == 1
    assert census.starting(b"entry") == 0 and census.named((b"entry",), bare=False) == 1
