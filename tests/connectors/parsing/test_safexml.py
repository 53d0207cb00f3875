"""XML bombs and external entities are refused, never expanded, for feeds and wire formats alike."""

from __future__ import annotations

import time

import pytest

from wirewatch.connectors.parsing.dispatch import parse_document

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


# Padding before (or inside) the DOCTYPE must hide nothing, however long: 70 KB once put it past a 64 KB head.
PADDINGS = {
    "comment-70KB": b"<!--" + b"p" * 70_000 + b"-->",
    "comment-1MB": b"<!--" + b"<padding> " * 100_000 + b"-->",
    "whitespace-1MB": b"\n" * 1_000_000,
    "pis-70KB": b"<?pad x?>" * 8_000,
    "comments-1MB": b"<!-- <rss> ]> -->\n" * 60_000,
}
SUBSET_ATTACKS = {  # (internal subset, entity to reference)
    "billion-laughs": (LAUGHS, b"l9"),
    "external": (b'<!ENTITY secret SYSTEM "file:///etc/passwd">', b"secret"),
    "parameter": (b'<!ENTITY % ext SYSTEM "http://127.0.0.1:9/x.dtd"> %ext;', b"x"),
}
WORDS = {"billion-laughs": "nested entity", "external": "external entity", "parameter": "parameter entity"}


@pytest.mark.parametrize("padding", sorted(PADDINGS))
@pytest.mark.parametrize("attack", sorted(SUBSET_ATTACKS))
@pytest.mark.parametrize("root", sorted(DOCS))
@pytest.mark.parametrize("where", ["before-doctype", "inside-subset"])
def test_padded_entity_attacks_become_dead_letters(padding: str, attack: str, root: str, where: str) -> None:
    subset, ref = SUBSET_ATTACKS[attack]
    pad = PADDINGS[padding]
    if where == "inside-subset":
        if padding.startswith("comments"):  # (a comment holding "]>" ends nothing inside the subset either)
            pad = pad.replace(b"<rss>", b"")
        prolog, subset = b'<?xml version="1.0"?>', pad + subset
    else:
        prolog = b'<?xml version="1.0"?>' + pad
    body = prolog + b"<!DOCTYPE " + root.encode() + b" [" + subset + b"]>" + DOCS[root].replace(b"REF", ref)
    result = parse_document(body, origin="bomb.xml:0", filename="bomb.xml")
    assert not result.items
    [letter] = result.errors
    assert letter.stage == "parse" and "refused" in letter.reason and WORDS[attack] in letter.reason, letter.reason


def test_a_padded_bomb_is_refused_by_every_xml_entry_point() -> None:
    """The feed parser alone (as the poller calls it) and the wire parsers' XML reader refuse it too."""
    from wirewatch.connectors.feeds.feedparser_path import parse_feed
    from wirewatch.errors import ParseError
    from wirewatch.connectors.parsing.safexml import parse_xml

    body = (b'<?xml version="1.0"?>' + PADDINGS["comment-70KB"] + b"<!DOCTYPE rss [" + LAUGHS + b"]>"
            + DOCS["rss"].replace(b"REF", b"l9"))
    result = parse_feed(body, "http://example.org/feed")
    assert not result.items and "nested entity" in result.errors[0].reason
    with pytest.raises(ParseError, match="nested entity"):
        parse_xml(body)


@pytest.mark.parametrize(("subset", "word"), [
    (b'<!ENTITY a ">&b;&b;">', "nested"),  # a ">" inside the value once ended the declaration early
    (b'<!ATTLIST x y CDATA "]>"><!ENTITY s SYSTEM "file:///etc/passwd">', "external"),  # "]>" in a literal
    (b'<!-- ]> --><!ENTITY s SYSTEM "file:///etc/passwd">', "external"),  # "]>" in a comment
    (b"<?pi ]> ?><!ENTITY % p 'x'>", "parameter"),  # "]>" in a processing instruction
    (b"%undeclared; <!ELEMENT x ANY><!ENTITY s PUBLIC '-//x' 'http://x.example/'>", "external"),
    (b"<!entity s SYSTEM 'file:///etc/passwd'>", "external"),  # lower case: refused all the same
    (b"<!ENTITY big '" + b"x" * 300 + b"'>", "300-byte"),
])
def test_every_declaration_of_the_subset_is_read_whatever_it_holds(subset: bytes, word: str) -> None:
    body = b"<!DOCTYPE rss [" + subset + b"]>" + DOCS["rss"].replace(b"&REF;", b"x")
    result = parse_document(body, origin="x.xml:0", filename="x.xml")
    assert not result.items and word in result.errors[0].reason, result.errors


@pytest.mark.parametrize("lead", [b"junk text ", b"</x>", b"<!-- a --> stray <!x> "])
def test_junk_before_the_doctype_hides_nothing(lead: bytes) -> None:
    """A lenient parser reads past junk before the root; the check does too."""
    body = lead + b"<!DOCTYPE rss [" + LAUGHS + b"]>" + DOCS["rss"].replace(b"REF", b"l9")
    result = parse_document(body, origin="x.xml:0", filename="x.xml")
    assert not result.items and "nested entity" in result.errors[0].reason, result.errors


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_wide_encoded_bomb_is_refused(codec: str) -> None:
    text = ("<?xml version='1.0' encoding='" + codec + "'?><!DOCTYPE rss [" + LAUGHS.decode() + "]>"
            + DOCS["rss"].decode().replace("REF", "l9"))
    result = parse_document(text.encode(codec), origin="x.xml:0", filename="x.xml")
    assert not result.items and "nested entity" in result.errors[0].reason, result.errors


def test_padding_without_entities_is_harmless() -> None:
    """A long prolog is not a fault in itself: the padded feed gives its story."""
    body = b'<?xml version="1.0"?>' + PADDINGS["comment-1MB"] + DOCS["rss"].replace(b"&REF;", b"Title")
    result = parse_document(body, origin="x.xml:0", filename="x.xml")
    assert not result.errors and [s.title for s in result.stories] == ["Title"]


ATTACK_BODIES = {
    "billion-laughs": BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9")),
    "quadratic": QUADRATIC % (b"rss", DOCS["rss"].replace(b"REF", b"a")),
    "external": EXTERNAL % (b"rss", DOCS["rss"].replace(b"REF", b"secret")),
    "parameter": PARAMETER % (b"rss", DOCS["rss"].replace(b"REF", b"x")),
    "padded-70KB": (b'<?xml version="1.0"?>' + PADDINGS["comment-70KB"] + b"<!DOCTYPE rss [" + LAUGHS + b"]>"
                    + DOCS["rss"].replace(b"REF", b"l9")),
    # whitespace before the declaration (parse_feed drops it) and a module at an address the fast reader is
    # given another for: the two rewrites of the document before the fast reader
    "spaced": b"\n \r\n" + BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9")),
    "renamed": BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9").replace(
        b"<rss", b"<rss xmlns:content='http://purl.org/rss/1.0/modules/content'", 1)),
    # the later rewrites and readers: bytes in the encoding feedparser falls back to (transcoded), RSS in
    # UserLand's namespace (undeclared), and a description holding elements (read again with lxml)
    "windows-1252": BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9").replace(b"<title>t", b"<title>\xe9")),
    "userland": BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9").replace(
        b"<rss", b"<rss xmlns='http://backend.userland.com/rss2'", 1)),
    "written": EXTERNAL % (b"rss", DOCS["rss"].replace(b"REF", b"secret").replace(
        b"<guid>", b"<description><p>&secret;</p></description><guid>")),
    # an item whose itunes:summary repeats its description (read by patterns, not lxml), and UTF-8 past
    # ASCII (tested for UTF-8 by expat's reading)
    "repeated": BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9").replace(
        b"<rss", b"<rss xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'", 1).replace(
        b"<guid>", b"<description>&l9;</description><itunes:summary>&l9;</itunes:summary><guid>")),
    "utf-8": BILLION_LAUGHS % (b"rss", DOCS["rss"].replace(b"REF", b"l9").replace(b"<title>t", "<title>\u00e9".encode())),
}


@pytest.mark.parametrize("attack", sorted(ATTACK_BODIES))
@pytest.mark.parametrize("checked", [True, False])
def test_the_fast_reader_never_reads_an_entity_declaration(monkeypatch: pytest.MonkeyPatch, attack: str,
                                                          checked: bool) -> None:
    """The refusal comes before any parser; and were it skipped (``checked`` False), the fast readers' own
    checks still leave every DOCTYPE to feedparser: the compiled reader declines it, and fastfeedparser never
    sees one."""
    from wirewatch.connectors.feeds import compiled_reader, fastfeedparser_path, feedparser_path
    from wirewatch.connectors.parsing import plainxml

    seen: list[bytes] = []
    real = fastfeedparser_path.fastfeedparser.parse
    monkeypatch.setattr(fastfeedparser_path.fastfeedparser, "parse",
                        lambda data, **options: seen.append(data) or real(data, **options))
    answered: list[bytes] = []
    real_compiled = compiled_reader.answer
    monkeypatch.setattr(compiled_reader, "answer", lambda data, headers: (
        lambda out: answered.append(data) if not isinstance(out, str) else None or out)(real_compiled(data, headers)))
    if not checked:
        monkeypatch.setattr(feedparser_path, "entity_risk", lambda body: None)
    result = feedparser_path.parse_feed(ATTACK_BODIES[attack], "http://example.org/feed")
    assert not seen and not answered
    assert plainxml.check(ATTACK_BODIES[attack], {}) == "DOCTYPE"
    assert isinstance(real_compiled(ATTACK_BODIES[attack], {}), str)  # (it declines, for this or another reason)
    if checked:
        assert not result.items and "refused" in result.errors[0].reason
    else:  # feedparser read it without expanding (test_feedparser_alone_never_expands_the_refused_shapes)
        assert all(len(s.title or "") <= 50_000 for s in result.stories)  # (one reference, not a bomb)
    feedparser_path.parse_feed(DOCS["rss"].replace(b"&REF;", b"Title"))
    assert seen or answered  # (the fast readers are watched: a plain document reaches one)


def test_a_harmless_doctype_is_left_to_feedparser_too() -> None:
    from wirewatch.connectors.parsing import plainxml

    body = (b'<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]><rss version="2.0"><channel><item>'
            b"<title>x</title><guid isPermaLink='false'>&id;2006:/blog/</guid></item></channel></rss>")
    assert plainxml.check(body, {}) == "DOCTYPE"
    assert plainxml.check(b'<?xml version="1.0"?>' + PADDINGS["comment-1MB"] + body, {}) == "DOCTYPE"


def test_a_padded_feed_without_entities_is_read_by_the_fast_reader() -> None:
    from wirewatch.connectors.feeds import fastfeedparser_path

    body = b'<?xml version="1.0"?>' + PADDINGS["comment-1MB"] + DOCS["rss"].replace(b"&REF;", b"Title")
    answer = fastfeedparser_path.answer(body, {})
    assert not isinstance(answer, str) and [e["title"] for e in answer.entries] == ["Title"]
