"""A document cut short is reported, never read as if whole: its whole entries are kept (exactly as the
complete document gives them), the cut one is not, and one dead letter says where it ends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.records import RAW_EXCERPT
from wirewatch.connectors.parsing.sniff import sniff
from tests.conftest import DATA as TESTS_DATA

DATA = TESTS_DATA
FEEDS = sorted(p for p in (DATA / "feeds").iterdir() if p.suffix in (".xml", ".rss", ".atom"))
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>")
REAL_WORLD = ("rss-parser", "feed-rs", "miniflux", "node-feedparser")


def _stories(result) -> list[dict]:
    return [{k: v for k, v in s.to_dict().items() if k != "origin"} for s in result.stories]


def _check_cuts(path: Path, points: int) -> int:
    """Cuts the feed at ``points`` places spread over it, and just before and after entries' ends (all of them,
    or the first, middle and last of a long feed): each cut gives the
    stories of the entries ended before it, as the whole feed gives them, and one dead letter. Returns the
    number of cuts that fell inside an entry (so that a half entry was there to be dropped)."""
    body = path.read_bytes()
    whole = parse_document(body, origin=f"{path.name}:0", filename=path.name)
    assert whole.stories and not whole.errors, whole.errors
    ends = [m.end() for m in _ENTRY_END.finditer(body)]
    assert len(ends) == len(whole.stories), "each entry must end with its own end tag"
    root_end = body.rstrip().rfind(b"</")
    chosen = {ends[0], ends[len(ends) // 2], ends[-1]} if len(ends) > 12 else set(ends)
    cuts = sorted({len(body) * k // points for k in range(1, points)} | {e + 1 for e in chosen} | {e - 3 for e in chosen})
    inside = 0
    for cut in (c for c in cuts if 0 < c < root_end):
        data = body[:cut]
        result = parse_document(data, origin=f"{path.name}:0", filename=path.name)
        complete = sum(end <= cut for end in ends)
        inside += complete < len(ends) and cut > body.find(b"<item") > 0 or cut > body.find(b"<entry") > 0
        assert _stories(result) == _stories(whole)[:complete], f"{path.name} cut at {cut}"
        [letter] = result.errors
        assert letter.stage == "parse" and letter.reason.startswith("truncated:"), letter.reason
        assert re.search(r"line \d+, column \d+", letter.reason), letter.reason
        assert f"kept the {complete} whole entries" in letter.reason, letter.reason
        assert letter.raw and data.decode("utf-8", "backslashreplace").endswith(letter.raw[-200:]), "raw: the end"
    return inside


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_a_feed_cut_anywhere_keeps_its_whole_entries_and_reports_the_cut(path: Path) -> None:
    assert _check_cuts(path, 12) >= 3


def test_real_corpus_feeds_cut_anywhere(shared_corpora: Path) -> None:
    """Real-world feeds of the shared corpus (those whose entries each end with their own end tag, and that
    parse whole without a fault), each cut at several points."""
    checked = 0
    for folder in REAL_WORLD:
        for path in sorted((shared_corpora / "feeds" / folder).rglob("*")):
            if not path.is_file() or not 3000 < path.stat().st_size < 300_000 or sniff(path.read_bytes(), path.name) != "feed":
                continue
            body = path.read_bytes()
            whole = parse_document(body, origin=f"{path.name}:0", filename=path.name)
            if not whole.stories or whole.errors or len(_ENTRY_END.findall(body)) != len(whole.stories):
                continue
            _check_cuts(path, 6)
            checked += 1
    assert checked >= 30, f"only {checked} corpus feeds were cut"


def _rss(items: str, tail: str = "</channel></rss>") -> bytes:
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>F</title>{items}{tail}".encode()


ITEMS = "".join(f"<item><title>T{n}</title><guid>g/{n}</guid><description>Body {n}</description></item>"
                for n in (1, 2, 3))


@pytest.mark.parametrize(("body", "titles"), [
    (_rss(ITEMS + "<item><title>Half", ""), ["T1", "T2", "T3"]),  # the case: the cut item is dropped
    (_rss(ITEMS, "</chan"), ["T1", "T2", "T3"]),  # cut after the last entry: all kept, still reported
    # A fault before the cut (an undefined entity): the lenient parser's entries, less the open one at the end.
    (_rss(ITEMS.replace("Body 1", "a &nbsp; b") + "<item><title>Half", ""), ["T1", "T2", "T3"]),
    (_rss(ITEMS.replace("Body 1", "a &nbsp; b") + "<item><title>Half</title><guid>x</gu", ""), ["T1", "T2", "T3"]),
    (_rss(ITEMS.replace("Body 3", "a &nbsp; b"), "</channel"), ["T1", "T2", "T3"]),  # ... cut after the entries
    (_rss(ITEMS.replace("Body 3", "a &nbsp; b") + "<item", ""), ["T1", "T2", "T3"]),  # ... inside a start tag
    (_rss(ITEMS.replace("Body 3", "a &nbsp; b") + "<item><item/>", ""), ["T1", "T2", "T3"]),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'><title>F</title><entry><id>e/1</id><title>A</title></entry>"
     b"<entry><id>e/2</id><title>B", ["A"]),
])
def test_a_cut_document_is_a_dead_letter_and_keeps_only_whole_entries(body: bytes, titles: list[str]) -> None:
    from wirewatch.connectors.feeds import fastfeedparser_path

    assert isinstance(fastfeedparser_path.answer(body, {}), str)  # never read as whole by the fast reader
    result = parse_document(body, origin="cut.xml:0", filename="cut.xml")
    assert [s.title for s in result.stories] == titles
    [letter] = result.errors
    assert letter.stage == "parse" and "truncated" in letter.reason and "column" in letter.reason
    assert not any("survivable" in note for note in result.notes)


@pytest.mark.parametrize("body", [
    _rss(ITEMS) + b"\n<!-- generated in 0.2 s -->\n\x00\x00",  # after the root: a comment, NUL padding
    _rss(ITEMS.replace("Body 1", "a &nbsp; b")),  # a fault, but the document is whole
    _rss(ITEMS) + b"<script>trailing junk</script>",  # junk after the root's end
])
def test_a_whole_document_with_a_fault_is_not_called_truncated(body: bytes) -> None:
    result = parse_document(body, origin="whole.xml:0", filename="whole.xml")
    assert [s.title for s in result.stories] == ["T1", "T2", "T3"]
    assert not any("truncated" in letter.reason for letter in result.errors)


@pytest.mark.parametrize("name", ["iptc-newsml-g2-LISTING_1.xml", "iptc-newsml-g2-LISTING_6.xml"])
def test_a_cut_wire_document_is_a_dead_letter(name: str) -> None:
    body = (DATA / "wire" / name).read_bytes()
    for cut in (len(body) // 3, len(body) * 2 // 3, len(body) - 5):
        result = parse_document(body[:cut], origin=f"{name}:0", filename=name)
        assert not result.stories and len(result.errors) == 1 and "not well-formed" in result.errors[0].reason


def test_the_raw_excerpt_is_the_end_of_a_long_document() -> None:
    body = _rss(ITEMS * 200 + "<item><title>Half", "")
    [letter] = parse_document(body, origin="cut.xml:0", filename="cut.xml").errors
    assert letter.raw == body[-RAW_EXCERPT:].decode()


@pytest.mark.parametrize("encoding", ["utf-8", "gb2312", "shift_jis", "big5"])
def test_a_cut_inside_a_character_keeps_the_encoding(encoding: str) -> None:
    """A cut may split the last character; the document must not then be read in a fallback encoding."""
    word = {"utf-8": "Café", "gb2312": "中文", "shift_jis": "日本", "big5": "中文"}[encoding]
    whole = (f"<?xml version='1.0' encoding='{encoding}'?><rss version='2.0'><channel><title>F</title>"
             f"<item><title>{word}</title><guid>g/1</guid></item><item><title>{word}{word}").encode(encoding)
    result = parse_document(whole[:-1], origin="cut.xml:0", filename="cut.xml")
    assert [s.title for s in result.stories] == [word]
    assert "truncated" in result.errors[0].reason
