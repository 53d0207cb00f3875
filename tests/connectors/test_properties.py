"""Property tests: no byte string, however broken, makes a parser raise; whatever comes out is accounted for."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.formats import parse_document
from connectors.sniff import sniff

KINDS = ["feed", "jsonfeed", "ninjs", "newsmlg2", "nitf", "anpa1312", "iptc7901"]
PREFIXES = [
    b"", b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>", b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b"<newsItem guid='x' version='1'>", b"<nitf><head>", b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    b'{"uri": "x", "bodies": [', b"\x16\x16\x01W1\x1fx\n\x02^", b"\x01eca1 4 i 1  dpa 1\r\n\x02Head =\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), tail=st.binary(max_size=400), kind=st.sampled_from([None, *KINDS]))
def test_random_bytes_never_raise(prefix: bytes, tail: bytes, kind: str | None) -> None:
    body = prefix + tail
    result = parse_document(body, origin="fuzz:0", filename="fuzz", kind=kind)
    for letter in result.errors:
        assert letter.reason
    for item in result.items:
        assert item.story.id
        assert item.story.published is None or item.story.published.utcoffset() is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_sniff_is_total(text: str) -> None:
    assert sniff(text.encode("utf-8", "surrogatepass"), "x.txt")
