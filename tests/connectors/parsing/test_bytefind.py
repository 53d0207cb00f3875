"""The compiled byte search answers as ``bytes.find`` does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.connectors.parsing import bytefind

PIECES = st.sampled_from([b"", b"a", b"b", b"ab", b"xml:", b"x", b"\x00", b"\xc3\xa9", b"mode="])
DATA = st.lists(PIECES, max_size=20).map(b"".join)


@settings(max_examples=800, deadline=None)
@given(data=DATA, needle=st.lists(PIECES, max_size=3).map(b"".join), start=st.integers(-3, 40))
def test_find_is_bytes_find(data: bytes, needle: bytes, start: int) -> None:
    if bytefind._compiled_find is None:
        pytest.skip("the compiled core is not built (or is turned off)")
    assert bytefind.find(data, needle, start) == data.find(needle, start)
    assert bytefind.contains(data, needle) == (needle in data)


def test_other_byte_types_are_searched_as_bytes_find_does() -> None:
    assert bytefind.find(bytearray(b"abc"), b"c") == 2
    assert bytefind.find(b"abc", bytearray(b"c"), 1) == 2
