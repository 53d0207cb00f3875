"""Property tests: no byte string, however broken, makes a parser raise; whatever comes out is accounted for."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.connectors.parsing.results import INTERNAL
from wirewatch.connectors.parsing.sniff import sniff
from tests.connectors.feeds.floors import Floor

KINDS = ["feed", "jsonfeed", "ninjs", "newsmlg2", "nitf", "anpa1312", "iptc7901"]
PREFIXES = [
    b"", b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>", b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b"<newsItem guid='x' version='1'>", b"<nitf><head>", b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    b'{"uri": "x", "bodies": [', b"\x16\x16\x01W1\x1fx\n\x02^", b"\x01eca1 4 i 1  dpa 1\r\n\x02Head =\n",
]
# What closes each prefix, so that a harmless tail makes a whole document (and the parsers' deeper paths run).
CLOSERS = {
    PREFIXES[1]: b"</title></item></channel></rss>", PREFIXES[2]: b"<entry><title>t</title></entry></feed>",
    PREFIXES[3]: b"</newsItem>", PREFIXES[4]: b"</head><body><p>x</p></body></nitf>", PREFIXES[5]: b"]}",
    PREFIXES[6]: b"]}", PREFIXES[7]: b"\x03",
}
TAILS = st.one_of(st.binary(max_size=400), st.text(st.characters(blacklist_characters="<&]\x00"), max_size=80).map(
    lambda text: text.encode("utf-8", "surrogatepass")))
FEEDS = {"rss20", "atom10"}


# Measured in 400 examples: 55-80 stories (12-20 of them from feeds) and 320-345 dead letters.
NEVER_RAISE = Floor(stories=20, feed_stories=4, dead_letters=150)


@NEVER_RAISE
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), tail=TAILS, closed=st.booleans(),
       kind=st.sampled_from([None, None, None, None, *KINDS]))  # (mostly sniffed, as most documents are)
def test_random_bytes_never_raise(prefix: bytes, tail: bytes, closed: bool, kind: str | None) -> None:
    """Never raising is not enough: the dispatcher turns a parser's exception into a dead letter too, so
    every dead letter must be a judgement on the input, none an internal error."""
    body = prefix + tail + (CLOSERS.get(prefix, b"") if closed else b"")
    result = parse_document(body, origin="fuzz:0", filename="fuzz", kind=kind)
    for letter in result.errors:
        assert letter.reason and INTERNAL not in letter.reason, letter.reason
    for item in result.items:
        assert item.story.id
        assert item.story.published is None or item.story.published.utcoffset() is not None
    NEVER_RAISE.count("stories", len(result.items))
    NEVER_RAISE.count("feed_stories", sum(item.story.format in FEEDS for item in result.items))
    NEVER_RAISE.count("dead_letters", len(result.errors))


def test_an_internal_error_is_marked_as_one() -> None:
    """The mark the property above looks for is the one the dispatcher gives a parser's exception."""
    from unittest import mock

    with mock.patch.dict("wirewatch.connectors.parsing.dispatch._WIRE", {"nitf": mock.Mock(side_effect=KeyError("x"))}):
        [letter] = parse_document(b"<nitf/>", origin="x:0", filename="x.xml").errors
    assert letter.reason.startswith(INTERNAL) and "KeyError" in letter.reason


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_sniff_is_total(text: str) -> None:
    assert sniff(text.encode("utf-8", "surrogatepass"), "x.txt")
