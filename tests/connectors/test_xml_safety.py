"""XML bombs and external entities are refused, never expanded, for feeds and wire formats alike."""

from __future__ import annotations

import time

import pytest

from connectors.formats import parse_document

LAUGHS = b"".join(
    b'<!ENTITY l%d "%s">' % (n, b"".join(b"&l%d;" % (n - 1) for _ in range(10)) if n else b"lol")
    for n in range(10)
)
BILLION_LAUGHS = b'<?xml version="1.0"?><!DOCTYPE %s [' + LAUGHS + b"]>%s"
QUADRATIC = b'<?xml version="1.0"?><!DOCTYPE %s [<!ENTITY a "' + b"x" * 50_000 + b'">]>%s'
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE %s [<!ENTITY secret SYSTEM "file:///etc/passwd">]>%s'
PARAMETER = b'<?xml version="1.0"?><!DOCTYPE %s [<!ENTITY %% ext SYSTEM "http://127.0.0.1:9/x.dtd"> %%ext;]>%s'

DOCS = {
    "rss": b'<rss version="2.0"><channel><title>t</title><item><title>&REF;</title><guid>g</guid></item></channel></rss>',
    "newsItem": b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1"><contentMeta>'
    b"<headline>&REF;</headline></contentMeta></newsItem>",
    "nitf": b"<nitf><body><body.head><hedline><hl1>&REF;</hl1></hedline></body.head></body></nitf>",
}
REFS = {BILLION_LAUGHS: b"l9", QUADRATIC: b"a" * 1, EXTERNAL: b"secret", PARAMETER: b"x"}


@pytest.mark.parametrize("root", sorted(DOCS))
@pytest.mark.parametrize("attack", ["billion-laughs", "quadratic", "external", "parameter"])
def test_entity_attacks_become_dead_letters(root: str, attack: str) -> None:
    template = {"billion-laughs": BILLION_LAUGHS, "quadratic": QUADRATIC, "external": EXTERNAL,
                "parameter": PARAMETER}[attack]
    ref = REFS[template]
    body = template % (root.encode(), DOCS[root].replace(b"REF", ref))
    started = time.perf_counter()
    result = parse_document(body, origin="bomb.xml:0", filename="bomb.xml")
    assert time.perf_counter() - started < 2
    assert not result.items
    assert len(result.errors) == 1
    reason = result.errors[0].reason
    assert "refused" in reason and "DOCTYPE" in reason
    assert "root:" not in (result.errors[0].raw or "")[-200:]  # /etc/passwd was never read in


def test_feedparser_alone_never_expands_the_refused_shapes() -> None:
    """Defence in depth: even past our refusal, feedparser leaves the references unexpanded."""
    import io

    import feedparser

    body = QUADRATIC % (b"rss", DOCS["rss"].replace(b"&REF;", b"&a;" * 2000))
    parsed = feedparser.parse(io.BytesIO(body))
    assert all(len(e.get("title", "")) < 10_000 for e in parsed.entries)  # 100 MB if it had expanded


def test_plain_internal_entity_is_still_allowed() -> None:
    body = (b'<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]><rss version="2.0"><channel><item>'
            b"<title>x</title><guid isPermaLink='false'>&id;2006:/blog/</guid></item></channel></rss>")
    result = parse_document(body, origin="ok.xml:0", filename="ok.xml")
    assert not result.errors and len(result.items) == 1
