"""The fast reader's repair of UTF-8 read as Latin-1 (feedparser's) is skipped where no value can need it:
the skip must never change an answer."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.connectors.feeds import fastfeedparser_path


@settings(max_examples=500)
@given(st.integers(0x70, 0x110) | st.integers(0, 0x10FFFF), st.sampled_from(["{:d}", "{:x}", "{:X}"]), st.sampled_from(["x", "X"]),
       st.integers(0, 3), st.sampled_from([";", "", " ", "a", "<"]))
def test_the_reference_pattern_finds_references_to_the_pairs_characters(value, form, x, zeros, after):
    digits = "0" * zeros + form.format(value)
    reference = ("&#" + (digits if form == "{:d}" else x + digits) + after).encode()
    read_whole = not (after == "a" and form != "{:d}")  # ("a" would be one more hex digit)
    expected = read_whole and 0x80 <= value <= 0xF4
    assert (fastfeedparser_path._MOJIBAKE_REFERENCE.match(reference) is not None) == expected


@pytest.mark.parametrize("value", [0x7F, 0x80, 0xBF, 0xC2, 0xF4, 0xF5, 0x180, 0x1F4])
@pytest.mark.parametrize("form", ["{:d}", "x{:x}", "X{:X}", "x00{:x}", "000{:d}"])
def test_the_reference_pattern_at_the_ranges_ends(value, form):
    reference = f"&#{form.format(value)};".encode()
    assert (fastfeedparser_path._MOJIBAKE_REFERENCE.match(reference) is not None) == (0x80 <= value <= 0xF4)


# Pieces of text: characters of the pair and others, as bytes and as references.
PIECES = ["a", "Ã", "©", "é", "€", "&#195;", "&#169;", "&#039;", "&#xC3;", "&#x00a9;", "&#0233;", "&#8364;",
          "&amp;", "<![CDATA[Ã]]>"]


def _document(titles: list[str]) -> bytes:
    items = "".join(f"<item><title>{title}</title><guid>g{n}</guid></item>" for n, title in enumerate(titles))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>€</title>{items}' \
           "</channel></rss>".encode()


def _titles(answer: object) -> list[object]:
    assert not isinstance(answer, str), answer
    return [entry["title"] for entry in answer.entries]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join), min_size=1, max_size=3))
def test_skipping_the_repair_changes_no_answer(titles):
    """Against the repair of every value wherever the document holds a numeric reference."""
    document = _document(titles)
    skipped = fastfeedparser_path.answer(document, {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastfeedparser_path, "_references_mojibake", lambda data: b"&#" in data)
        repaired = fastfeedparser_path.answer(document, {})
    assert _titles(skipped) == _titles(repaired)


@pytest.mark.parametrize("title, expected", [
    ("&#195;&#169;", "é"), ("Ã&#169;", "é"), ("&#xC3;©", "é"), ("&#195;&#x0a9;", "é"), ("Ã<![CDATA[©]]>", "é"),
])
def test_references_are_repaired(title, expected):
    assert _titles(fastfeedparser_path.answer(_document([title, "café &#039;"]), {})) == [expected, "café '"]


def test_a_document_without_such_references_is_not_repaired_entry_by_entry():
    document = _document(["café &#039; piñata", "&#8364; &amp;"])
    assert not fastfeedparser_path._references_mojibake(document)
    assert re.search(rb"&#195;|&#169;", document) is None
