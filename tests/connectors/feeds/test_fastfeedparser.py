"""The fast readers (the compiled reader, then fastfeedparser behind connectors.parsing.plainxml) against
feedparser.

Every feed of the shared corpus is parsed both ways (the default, and ``fast=False``: feedparser alone with
its sanitizer) and each Story is compared after our normalisation. The entries that differ must be exactly
the ones listed in DIFFERENCES, each with its reason, and stay under 1% of the corpus' entries. The ones
listed in FASTFEEDPARSER_ONLY differ only where the compiled reader leaves the file to fastfeedparser (it
reads them as feedparser does; without the compiled core, they differ).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from wirewatch.connectors.feeds import compiled_reader, fastfeedparser_path, rss_summaries
from wirewatch.connectors.feeds.feedparser_path import parse_feed, tame_head
from wirewatch.connectors.parsing.sniff import sniff
from wirewatch.transforms.normalize import normalize

REAL_WORLD = ("rss-parser", "feed-rs", "miniflux", "node-feedparser")
MIN_ANSWERED = 0.95  # of the real-world folders' entries; 0.977 measured
SANITIZER = "feedparser's sanitizer drops the text of script and other unsafe elements; clean() keeps some"
# (file under feeds/, entry number or "notes") -> why the fast answer differs from feedparser's
DIFFERENCES = {
    ("feed-rs/feed-rs/fixture/rss2/rss_2.0_ilmessaggero.xml", 1):
        "a date feedparser cannot read (fastfeedparser's date parser reads it): the fast Story has it",
    ("feed-rs/feed-rs/fixture/rss2/rss_2.0_ilmessaggero.xml", "notes"): "(so no 'no publication date' note)",
    ("feedparser-tests/tests/encoding/bozo_linenoise.xml", 1):
        "an undeclared encoding feedparser guesses; without its sanitizer a stray '<>' stays as text",
    ("feedparser-tests/tests/encoding/demoronize-2.xml", 1):
        "C1 controls written as character references: feedparser maps them to Windows-1252 punctuation",
    ("feedparser-tests/tests/encoding/double-encoded-html.xml", 1):
        "UTF-8 read as Latin-1 twice over: feedparser repairs it",
    ("feedparser-tests/tests/wellformed/media-rss/item_media_title2.xml", 1):
        "media:title after title: feedparser takes the later one",
    ("feedparser-tests/tests/wellformed/psc/rss2.0simplechapter.xml", 1):
        "Podlove chapters nested in the item: fastfeedparser loses the guid and link after them",
    ("feedparser-tests/tests/wellformed/rss/item_description_not_a_doctype.xml", 1):
        "a description of '<!' text: without the sanitizer feedparser reads it as a declaration and drops it",
    ("feedparser-tests/tests/wellformed/rss/item_description_not_a_doctype.xml", "notes"):
        "(so the entry is a dead letter: no title, summary or content)",
    ("feedparser-tests/tests/wellformed/sanitize/entry_content_crazy.xml", 1): SANITIZER,
    ("feedparser-tests/tests/wellformed/sanitize/entry_summary_crazy.xml", 1): SANITIZER,
    ("feedparser-tests/tests/wellformed/sanitize/entry_title_crazy.xml", 1): SANITIZER,
    ("feedparser-tests/tests/wellformed/sanitize/item_content_encoded_crazy.xml", 1): SANITIZER,
    ("feedparser-tests/tests/wellformed/sanitize/item_content_encoded_script_nested_cdata.xml", 1): SANITIZER,
    ("feedparser-tests/tests/wellformed/sanitize/item_description_crazy.xml", 1): SANITIZER,
    ("feedparser-tests/tests/wellformed/sanitize/item_fullitem_crazy.xml", 1): SANITIZER,
}
FASTFEEDPARSER_ONLY = {
    ("feed-rs/feed-rs/fixture/rss2/rss_2.0_ilmessaggero.xml", 1),
    ("feed-rs/feed-rs/fixture/rss2/rss_2.0_ilmessaggero.xml", "notes"),
    ("feedparser-tests/tests/wellformed/media-rss/item_media_title2.xml", 1),
    ("feedparser-tests/tests/wellformed/psc/rss2.0simplechapter.xml", 1),
}


def _stories(body: bytes, fast: bool) -> tuple[list[dict], list[str]]:
    result = parse_feed(body, None, origin="corpus:0", fast=fast)
    stories = [{**normalize(item.story).to_dict(), "guid": item.guid} for item in result.items]
    return stories, result.notes + [letter.reason for letter in result.errors]


def _corpus(root: Path) -> list[tuple[str, bytes]]:
    feeds = root / "feeds"
    files = sorted(p for p in feeds.rglob("*") if p.is_file())
    return [(str(p.relative_to(feeds)), body) for p in files
            if sniff(body := p.read_bytes(), p.name) in ("feed", "xml")]


def test_stories_equal_feedparsers_on_the_corpus_but_for_the_listed_entries(shared_corpora: Path) -> None:
    differing: set[tuple[str, int | str]] = set()
    expected = set(DIFFERENCES)
    entries = answered = real_world = answered_real = 0
    for name, body in _corpus(shared_corpora):
        reference, reference_notes = _stories(body, fast=False)
        if not reference:
            continue
        stories, notes = _stories(body, fast=True)
        entries += len(reference)
        tamed = tame_head(body) or b""
        compiled = not isinstance(compiled_reader.answer(tamed, {}), str)
        if compiled:
            expected -= {key for key in FASTFEEDPARSER_ONLY if key[0] == name}
        fast = compiled or not isinstance(fastfeedparser_path.answer(tamed, {}), str)
        answered += fast * len(reference)
        if name.startswith(REAL_WORLD):
            real_world += len(reference)
            answered_real += fast * len(reference)
        for number in range(max(len(reference), len(stories))):
            if reference[number:number + 1] != stories[number:number + 1]:
                differing.add((name, number + 1))
        if notes != reference_notes:
            differing.add((name, "notes"))
    assert differing == expected, (
        f"not listed: {sorted(differing - expected, key=str)}; listed but equal: {sorted(expected - differing, key=str)}")
    assert sum(isinstance(key[1], int) for key in differing) <= entries / 100
    assert answered_real >= MIN_ANSWERED * real_world, f"fast reader answered {answered_real} of {real_world}"
    assert answered > 1000  # (the comparison above is mostly the fast reader's)


BASE = "http://example.org/feeds/x.xml"


def _both(body: str, url: str | None = BASE, headers: dict | None = None) -> list[dict]:
    """The Stories of ``body`` by the fast reader, which must answer it; and equal to feedparser's."""
    data = body.encode("utf-8")
    location = {"content-location": url} if url else {}
    assert not isinstance(fastfeedparser_path.answer(data, {**location, **(headers or {})}), str)
    fast = parse_feed(data, url, headers, origin="x:0")
    slow = parse_feed(data, url, headers, origin="x:0", fast=False)
    stories = [item.story.to_dict() | {"guid": item.guid} for item in fast.items]
    assert stories == [item.story.to_dict() | {"guid": item.guid} for item in slow.items]
    assert fast.notes == slow.notes and fast.title == slow.title and fast.language == slow.language
    return stories


ATOM = "<feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>{}</feed>"
RSS = "<rss version='2.0'><channel><title>F</title><link>http://example.org/</link>{}</channel></rss>"


def test_a_long_atom_content_without_summary_is_the_whole_summary() -> None:
    """fastfeedparser makes a 512-character description from the content; feedparser copies the content."""
    text = " ".join(f"<p>Paragraph {n} of the story, long enough to be cut.</p>" for n in range(40))
    [story] = _both(ATOM.format(f"<entry><id>tag:x,1</id><title>T</title><content type='html'>{text.replace('<', '&lt;')}"
                                "</content></entry>"))
    assert story["summary"].endswith("Paragraph 39 of the story, long enough to be cut.")


def test_a_long_rss_description_is_kept_whole() -> None:
    text = "Words of a long description. " * 60
    [story] = _both(RSS.format(f"<item><guid>http://example.org/1</guid><description>{text}</description></item>"))
    assert story["summary"] == text.strip()


@pytest.mark.parametrize("permalink", ["", " isPermaLink='true'", " isPermaLink='false'"])
def test_guids_resolve_as_feedparser_resolves_them(permalink: str) -> None:
    [story] = _both(RSS.format(f"<item><title>T</title><guid{permalink}>a/1</guid></item>"))
    assert (story["guid"] == "http://example.org/feeds/a/1") == ("false" not in permalink)
    assert (story["url"] is not None) == ("false" not in permalink)  # a permalink guid is the link


def test_relative_links_and_atom_ids_resolve_against_the_location() -> None:
    [story] = _both(ATOM.format("<entry><id>e/1</id><title>T</title><link href='/p/1'/></entry>"))
    assert story["url"] == "http://example.org/p/1" and story["guid"] == "http://example.org/feeds/e/1"


def test_an_rss_author_address_is_split_from_the_name() -> None:
    [story] = _both(RSS.format("<item><title>T</title><guid>http://x.org/1</guid>"
                               "<author>jane@example.org (Jane Doe)</author></item>"))
    assert story["authors"] == ["Jane Doe"]


def test_dates_keep_whole_seconds_in_utc() -> None:
    [story] = _both(ATOM.format("<entry><id>tag:x,1</id><title>T</title>"
                                "<updated>2024-05-01T10:00:00.750+02:00</updated></entry>"))
    assert story["published"] == datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("channel", ["", "<description>About</description>",
                                     "<itunes:summary>About</itunes:summary><description>More</description>"])
@pytest.mark.parametrize("item", [
    "<description>D</description><itunes:summary>S, longer</itunes:summary>",
    "<itunes:summary>S, longer</itunes:summary><description>D</description>",
    "<itunes:summary>S</itunes:summary>",
    "<content:encoded>&lt;p&gt;C, the longest&lt;/p&gt;</content:encoded><itunes:summary>S</itunes:summary>",
])
def test_itunes_summaries_are_read_in_feedparsers_order(channel: str, item: str) -> None:
    """feedparser's summary and content depend on the order of description, itunes:summary and content, and
    on content read in the channel before the first item (connectors.feeds.rss_summaries)."""
    ns = ("<rss version='2.0' xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd' "
          "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>F</title>")
    items = "".join(f"<item><title>T{n}</title><guid>http://x.org/{n}</guid>{item}</item>" for n in (1, 2))
    assert len(_both(f"{ns}{channel}{items}</channel></rss>")) == 2


ITUNES = ("<rss version='2.0' xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd' "
          "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>F</title>{}{}</channel></rss>")
SAME = "Games! We&#039;re here, &amp; more.  Probably."


@pytest.mark.parametrize("channel", ["", "<itunes:summary>About</itunes:summary><description>More</description>"])
@pytest.mark.parametrize("item", [
    f"<description>{SAME}</description><itunes:summary>{SAME}</itunes:summary>",
    f"<itunes:summary>{SAME}</itunes:summary><description>{SAME}</description>",
    f"<description>{SAME}</description><content:encoded>{SAME}</content:encoded><itunes:summary>{SAME}</itunes:summary>",
])
def test_items_whose_summaries_repeat_the_description_need_no_second_reading(
        channel: str, item: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever of equal texts feedparser takes as summary or content, the Story is the same: the fast reader
    answers from the description without reading the document again (connectors.feeds.rss_summaries.alike)."""
    def unwanted(*args: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(rss_summaries, "item_parts", unwanted)
    items = "".join(f"<item><title>T{n}</title><guid>http://x.org/{n}</guid>{item}</item>" for n in (1, 2))
    stories = _both(ITUNES.format(channel, items))
    assert [story["summary"] for story in stories] == ["Games! We're here, & more. Probably."] * 2


@pytest.mark.parametrize("item", [
    "<description>D</description><itunes:summary>S</itunes:summary>",  # other texts
    "<description>&lt;b&gt;D&lt;/b&gt;</description><itunes:summary>&lt;b&gt;D&lt;/b&gt;</itunes:summary>",  # markup
    "<description>D</description><itunes:summary><![CDATA[D]]></itunes:summary>",  # (equal, not written alike)
    "<itunes:summary>D</itunes:summary>",  # no description
    "<description>D</description><itunes:summary/>",
])
def test_items_whose_summaries_may_differ_are_read_again(item: str, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    item_parts = rss_summaries.item_parts
    monkeypatch.setattr(rss_summaries, "item_parts", lambda *args: read.append(1) or item_parts(*args))
    first = "<item><title>T1</title><guid>http://x.org/1</guid><description>A</description></item>"
    _both(ITUNES.format("", first + f"<item><title>T2</title><guid>http://x.org/2</guid>{item}</item>"))
    assert read


@pytest.mark.parametrize("item", [
    "<description>D</description><media:group><media:description>M, longer</media:description></media:group>",
    "<media:description>M, longer</media:description><description>D</description>",
    "<content:encoded>&lt;p&gt;C, the longest&lt;/p&gt;</content:encoded><dc:description>M</dc:description>",
    "<dc:description>M</dc:description>",
])
def test_descriptions_of_other_modules_are_read_in_feedparsers_order(item: str) -> None:
    """feedparser reads media:description (at any depth) and dc:description as descriptions, in order."""
    ns = ("<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/' xmlns:dc='http://purl.org/dc/elements/1.1/' "
          "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>F</title>")
    items = "".join(f"<item><title>T{n}</title><guid>http://x.org/{n}</guid>{item}</item>" for n in (1, 2))
    stories = _both(f"{ns}{items}</channel></rss>")
    assert len(stories) == 2 and stories[0]["summary"]


@pytest.mark.parametrize("body", [
    ATOM.format("<entry><id>tag:x,1</id><title>T</title><summary xml:lang='fr'>S</summary></entry>"),  # (xml:lang)
    RSS.format("<item xml:base='http://other.example/'><title>T</title><link>a</link></item>"),
    "<!DOCTYPE rss [<!ENTITY e 'x'>]>" + RSS.format("<item><title>&e;</title></item>"),
    RSS.format("<item><title>T &nbsp; U</title></item>"),  # not well-formed
    RSS.format("<item><title>T</title><body xmlns='http://www.w3.org/1999/xhtml'><p>B</p></body></item>"),
    RSS.format("<item><title>T</title><description><div>a div first</div> and <p>more</p></description></item>"),
    RSS.format("<item xmlns:h='http://www.w3.org/1999/xhtml'><title>T</title><description><h:p>a</h:p>b</description>"
               "</item>"),
    RSS.format("<item><title>T</title><description><p>written as elements</p></description>"
               "<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>C</content:encoded></item>"),
    ATOM.format("<entry><id>tag:x,1</id><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>T</div></title>"
                "</entry>"),
])
def test_documents_the_bridge_does_not_model_go_to_feedparser(body: str) -> None:
    data = body.encode()
    assert isinstance(fastfeedparser_path.answer(data, {}), str)
    assert parse_feed(data).stories  # feedparser reads them


@pytest.mark.parametrize("body", [
    RSS.format("<item><title>T</title><description><p>written as elements</p><p>two</p></description></item>"),
    RSS.format("<item><title>T</title><description>Some <em>marked</em> text &amp; more</description></item>"),
    RSS.format("<item><title>T</title><description>&lt;sup&gt;Escaped&lt;/sup&gt; &amp;amp; first, then <br/><a href='x'>"
               "an element</a> &amp; text</description></item><item><title>U</title><description>plain</description>"
               "</item>"),
    ATOM.format("<entry><id>tag:x,1</id><title>T</title><summary type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
                "<p>One &amp; <b>two</b></p><p>three</p></div></summary><content type='html'>&lt;p&gt;C&lt;/p&gt;</content>"
                "</entry><entry><id>tag:x,2</id><title>U</title><content type='html'>D</content></entry>"),
])
def test_summaries_written_as_elements_are_read_as_feedparser_reads_them(body: str) -> None:
    """An RSS description holding elements is markup to feedparser (the text before the first element as
    it stands), and so is an Atom summary typed xhtml: the fast reader reads them with lxml."""
    stories = _both(body)
    assert stories[0]["summary"] and "<" not in stories[0]["summary"]


LEAKS = [
    ATOM.format("<entry><id>e1</id><link href='one'/><title>T</title><content type='html' xml:base='/a/b'>C</content>"
                "</entry><entry><title>U</title><content type='xhtml' xml:base='/other/'><div xmlns='http://www.w3.org/"
                "1999/xhtml'>D</div></content><id>e2</id><link href='two'/></entry>"),
    ATOM.format("<entry><title>T</title><summary xml:base='/a/b?x=1'>S</summary><id>e1</id></entry>"
                "<entry><id>e2</id><title>U</title><summary xml:base='/c/&amp;d'>S</summary></entry>"),
    RSS.format("<item><title>T</title><description xml:base='/a/b'>D</description><guid>g1</guid><link>one</link>"
               "</item><item><title>U</title><guid>g2</guid></item>"),
]


@pytest.mark.parametrize("body", LEAKS)
def test_a_relative_xml_base_on_a_text_element_is_the_base_of_every_link_after_it(body: str) -> None:
    """Read without a location, feedparser keeps the first relative xml:base (even one on a text element)
    as the base of every link and id after its start tag (connectors.feeds.leaked_base)."""
    stories = _both(body, url=None)
    assert any(s["url"] and s["url"].startswith("/") or s["guid"].startswith("/") for s in stories)


@pytest.mark.parametrize("body", [
    LEAKS[0].replace("xml:base='/other/'", "xml:base='http://example.org/other/'"),  # an absolute one replaces it
    LEAKS[0].replace("xml:base='/a/b'", "xml:base='/a/&#98;'"),  # (a reference could hide a scheme)
    LEAKS[0].replace("<id>e1</id><link href='one'/><title>T</title><content type='html' xml:base='/a/b'>C</content>",
                     "<id>e1</id><title>T</title><content type='html' xml:base='/a/b'>C</content><link href='one'/>"),
])
def test_xml_bases_on_text_elements_of_other_shapes_go_to_feedparser(body: str) -> None:
    assert "xml:base below the root" in fastfeedparser_path.answer(body.encode(), {})
    assert parse_feed(body.encode()).stories


@pytest.mark.parametrize("space", ["\n", " \r\n\t", "\ufeff\n"])
def test_whitespace_before_the_xml_declaration_is_dropped_for_both_readers(space: str) -> None:
    """feedparser would refuse the misplaced declaration and read on with its loose parser (namespaced
    elements by their prefix); with the whitespace gone both readers read the document as it means."""
    body = space + "<?xml version='1.0' encoding='utf-8'?>" + RSS.format(
        "<item><title>T</title><guid>http://x.org/1</guid></item>")
    data = body.encode("utf-8")
    assert not isinstance(fastfeedparser_path.answer(tame_head(data) or b"", {}), str)
    fast, slow = parse_feed(data), parse_feed(data, fast=False)
    assert [s.title for s in fast.stories] == [s.title for s in slow.stories] == ["T"]
    assert fast.notes == slow.notes == ["entry 1: no publication date"]  # (and no parser error)


AUTHORS = ("<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:x='http://example.org/x' "
           "xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'><channel><title>F</title>{}</channel></rss>")


@pytest.mark.parametrize("authors", [
    "<author>a@example.org (Ann)</author><dc:creator>Bob</dc:creator>",
    "<itunes:author>Ann</itunes:author><dc:creator><![CDATA[Bob]]></dc:creator><author>Ann</author>",
    "<dc:creator>Ann &amp; Bob</dc:creator><dc:creator/><itunes:author> </itunes:author>",
])
def test_every_author_element_of_an_rss_entry_is_listed_as_feedparser_lists_them(authors: str) -> None:
    """fastfeedparser keeps one author; feedparser lists each element (the Story keeps each name once)."""
    items = "".join(f"<item><title>T{n}</title><guid>http://x.org/{n}</guid>{authors}</item>" for n in (1, 2))
    stories = _both(AUTHORS.format(items + "<item><title>T3</title><guid>http://x.org/3</guid></item>"))
    assert len({tuple(story["authors"]) for story in stories[:2]}) == 1 and stories[2]["authors"] == []
    assert len(stories[0]["authors"]) == (1 if "&amp;" in authors else 2)


def test_an_author_element_feedparser_may_read_otherwise_goes_to_feedparser() -> None:
    data = AUTHORS.format("<item><title>T</title><guid>http://x.org/1</guid><author>Ann</author>"
                          "<x:creator>Bob</x:creator></item>").encode()
    assert "author elements" in fastfeedparser_path.answer(data, {})
    assert [story.authors for story in parse_feed(data).stories] == [("Ann",)]


@pytest.mark.parametrize("content", ["http://purl.org/rss/1.0/modules/content", "HTTP://purl.org/RSS/1.0/modules/content/"])
@pytest.mark.parametrize("dc", ["http://purl.org/dc/elements/1.1", "http://PURL.org/dc/elements/1.1/"])
def test_modules_bound_to_other_addresses_are_read_as_feedparser_reads_them(content: str, dc: str) -> None:
    """feedparser reads content:encoded and dc:date at a near miss of their addresses (by the prefix, or
    matching the address in any case); fastfeedparser is given the usual addresses."""
    [story] = _both(f"<rss version='2.0' xmlns:content='{content}' xmlns:dc=\"{dc}\"><channel><title>F</title>"
                    "<item><title>T</title><guid>http://x.org/1</guid><description>D</description>"
                    "<content:encoded>The whole story</content:encoded><dc:date>2024-05-01T10:00:00Z</dc:date>"
                    "</item></channel></rss>")
    assert story["body"] == "The whole story" and story["published"] == "2024-05-01T10:00:00Z"


def test_a_root_tag_not_read_alike_keeps_its_addresses_and_goes_to_feedparser() -> None:
    """A '>' in an attribute value ends the root tag for the simple search: the declaration after it is not
    found to be given its usual address, so feedparser reads the document."""
    data = ("<rss version='2.0' xmlns:x='http://example.org/x' x:a='1>2' "
            "xmlns:content='http://purl.org/rss/1.0/modules/content'><channel><title>F</title><item><title>T</title>"
            "<guid>http://x.org/1</guid><content:encoded>The whole story</content:encoded></item></channel></rss>")
    assert "namespace declarations" in fastfeedparser_path.answer(data.encode(), {})
    assert [story.body for story in parse_feed(data.encode()).stories] == ["The whole story"]


@pytest.mark.parametrize("address", ["http://backend.userland.com/rss2", "http://Backend.UserLand.com/RSS"])
def test_rss_in_userlands_namespace_is_read_as_rss(address: str) -> None:
    """feedparser reads the elements of any UserLand RSS namespace as if they had none; the fast reader is
    given the document with the default namespace undeclared."""
    items = "<item><title>T</title><guid>http://x.org/1</guid><description>&lt;p&gt;D&lt;/p&gt;</description></item>"
    stories = _both(RSS.format(items).replace("<rss ", f"<rss xmlns='{address}' "))
    assert [(s["title"], s["summary"]) for s in stories] == [("T", "D")]


def test_userlands_namespace_declared_again_below_the_root_goes_to_feedparser() -> None:
    items = "<item xmlns='http://backend.userland.com/rss2'><title>T</title></item>"
    data = RSS.format(items).replace("<rss ", "<rss xmlns='http://backend.userland.com/rss2' ").encode()
    assert "more than once" in fastfeedparser_path.answer(data, {})
    assert [s.title for s in parse_feed(data).stories] == ["T"]


def test_a_document_undeclaring_the_default_namespace_is_read() -> None:
    data = RSS.format("<item><title>T</title><guid>http://x.org/1</guid></item>").replace("<rss ", "<rss xmlns='' ")
    data = data.encode()
    fastfeedparser_path.answer(data, {})  # (it raised on the undeclared namespace's missing URI)
    assert [s.title for s in parse_feed(data).stories] == ["T"]


@pytest.mark.parametrize("where", ["item", "guid", "link"])
def test_an_xml_base_below_the_root_changes_no_absolute_link(where: str) -> None:
    """The fast reader does not scope bases: it answers where every link and id it resolves is absolute."""
    item = "<item><title>T</title><link>http://x.org/a</link><guid>http://x.org/1</guid></item>"
    item = item.replace(f"<{where}>", f"<{where} xml:base='http://other.example/b/'>", 1)
    [story] = _both(RSS.format(item))
    assert story["url"] == "http://x.org/a"


@pytest.mark.parametrize("wrap", [RSS, ATOM])
def test_entries_with_and_without_summaries_or_guids_are_told_apart(wrap: str) -> None:
    """fastfeedparser makes up a summary from the content (and an RSS id from the link) where an entry has
    none; the bridge finds which entries have their own, one by one."""
    text = "Words of the whole story. " * 40
    if wrap == RSS:
        entries = (f"<item><title>T1</title><guid>http://x.org/1</guid><description>D1</description>"
                   f"<content:encoded>{text}</content:encoded></item>"
                   f"<item><title>T2</title><link>http://x.org/2</link><content:encoded>{text}</content:encoded></item>")
        body = wrap.format(entries).replace("<rss ", "<rss xmlns:content='http://purl.org/rss/1.0/modules/content/' ")
    else:
        entries = (f"<entry><id>tag:x,1</id><title>T1</title><summary>S1</summary><content>{text}</content></entry>"
                   f"<entry><id>tag:x,2</id><title>T2</title><content>{text}</content></entry>")
        body = wrap.format(entries)
    first, second = _both(body)
    assert first["summary"] in ("D1", "S1") and second["summary"] == text.strip()


LANG_ENTRIES = {
    "rss": "<item{}><title>T{n}</title><guid>http://x.org/{n}</guid><description>S</description></item>",
    "atom": "<entry{}><id>tag:x,{n}</id><title>T{n}</title><summary>S</summary></entry>",
}


@pytest.mark.parametrize("lang", ["fr", "", None])
@pytest.mark.parametrize("form", ["rss", "atom"])
def test_an_xml_lang_on_an_entry_is_its_language(form: str, lang: str | None) -> None:
    """feedparser gives an entry's summary the xml:lang on its tag (none for an empty one), else the root's."""
    first = LANG_ENTRIES[form].replace("{}", "" if lang is None else f" xml:lang='{lang}'").replace("{n}", "1")
    second = LANG_ENTRIES[form].replace("{}", "").replace("{n}", "2")
    body = (RSS if form == "rss" else ATOM).format(first + second)
    body = body.replace("<rss ", "<rss xml:lang='de' ").replace("<feed ", "<feed xml:lang='de' ")
    stories = _both(body)
    assert [story["language"] for story in stories] == ["fr" if lang else "de", "de"]


@pytest.mark.parametrize("url", [BASE, None])
def test_an_xml_base_on_a_text_element_changes_no_link(url: str | None) -> None:
    """Its scope holds markup only; but with no base above it feedparser keeps it after the element's end
    (for the links after it), which the fast reader leaves to feedparser."""
    body = ATOM.format("<entry><title>T</title><summary type='html' xml:base='http://other.example/'>S</summary>"
                       "<id>e/1</id><link href='/p/1'/></entry>")
    if url is None:
        assert "xml:base" in fastfeedparser_path.answer(body.encode(), {})
        return
    [story] = _both(body, url)
    assert story["url"] == "http://example.org/p/1"


RDF = ("<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='{}'><channel><title>F</title>"
       "<link>http://example.org/</link></channel>{}</rdf:RDF>")


@pytest.mark.parametrize("namespace", ["http://my.netscape.com/rdf/simple/0.9/", "http://purl.org/rss/1.0/"])
@pytest.mark.parametrize("about", [(True, True), (False, False), (True, False)])
def test_rdf_items_with_and_without_an_id_are_read_as_feedparser_reads_them(namespace: str, about: tuple) -> None:
    """An RDF item's id is its rdf:about (fastfeedparser takes the link for a missing one); RSS 0.90's items,
    in a namespace fastfeedparser does not look in, are given RSS 1.0's."""
    ids = [f" rdf:about='http://x.org/{n}'" if has else "" for n, has in enumerate(about, start=1)]
    items = "".join(f"<item{ids[n - 1]}><title>T{n}</title><link>http://x.org/p/{n}</link>"
                    f"<description>D{n}</description></item>" for n in range(1, len(about) + 1))
    stories = _both(RDF.format(namespace, items))
    assert [story["guid"] is not None for story in stories] == list(about)


def test_a_surprise_in_the_fast_reader_costs_speed_not_stories(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(fastfeedparser_path, "_refusal", boom)
    data = RSS.format("<item><title>T</title><guid>http://x.org/1</guid></item>").encode()
    assert fastfeedparser_path.answer(data, {}).startswith("the fast reader failed: RuntimeError")
    result = parse_feed(data)
    assert [s.title for s in result.stories] == ["T"] and not result.errors
