"""Headline, dateline, credit and body as people paste wire text and as wire files send it (issue 15):
a credit is an agency, a dateline is a place, a headline is no slug, a body is paragraphs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wirewatch.connectors.parsing.dispatch import parse_wire_text, read_document
from wirewatch.connectors.parsing.wraps import unwrap
from wirewatch.records import Story
from wirewatch.transforms import furniture
from wirewatch.transforms.normalize import normalize

FIELDS = Path(__file__).resolve().parents[1] / "data" / "wire-fields"


def pasted(text: str) -> Story:
    """A page as a new user pastes it into a file, read the way replay reads a text file."""
    result = parse_wire_text(text.encode(), origin="paste.txt:0")
    return normalize(result.stories[0])


def test_headline_then_a_dateline_on_a_later_line():
    story = pasted("Russia says it will pull troops back from Kherson\n"
                   "MOSCOW, Russia (Reuters) - Russia's defence ministry said on Wednesday it would pull its "
                   "troops back from the western bank of the Dnipro.\nThe move was announced on television.\n")
    assert (story.title, story.dateline, story.credit) == (
        "Russia says it will pull troops back from Kherson", "Moscow, Russia", "Reuters")
    assert story.body.startswith("Russia's defence ministry said")


def test_headline_and_byline_before_the_dateline():
    story = pasted("Stopgap bill passes Senate\nBy Jane Doe, Reuters\n\n"
                   "WASHINGTON (AP) — The Senate passed a stopgap spending bill late on Friday.\n")
    assert (story.title, story.dateline, story.credit, story.authors) == (
        "Stopgap bill passes Senate", "Washington", "Reuters", ("Jane Doe",))
    assert story.body == "The Senate passed a stopgap spending bill late on Friday."


@pytest.mark.parametrize(("lead", "dateline", "credit"), [
    ("WASHINGTON (AP) — The", "Washington", "AP"),
    ("LONDON, March 3 (Reuters) - The", "London", "Reuters"),
    ("KYIV/MOSCOW, March 3 (Reuters) - The", "Kyiv/Moscow", "Reuters"),
    ("BUENOS AIRES, Argentina (AP) _ The", "Buenos Aires, Argentina", "AP"),
    ("Tegucigalpa, Jan 2 (EFE).- The", "Tegucigalpa", "EFE"),
])
def test_dateline_forms(lead, dateline, credit):
    story = pasted(f"Headline of the story\n{lead} talks ended without a deal, officials said.\n")
    assert (story.title, story.dateline, story.credit) == ("Headline of the story", dateline, credit)
    assert story.body == "The talks ended without a deal, officials said."


def test_a_first_paragraph_is_no_headline():
    story = pasted("The talks ended on Monday, officials said.\nLONDON (Reuters) - More talks are planned.\n")
    assert story.title is None and story.dateline is None
    assert story.body.startswith("The talks ended on Monday")


def test_hard_wrapped_paste_becomes_paragraphs():
    story = pasted("Ceasefire talks stall\n\n"
                   "GENEVA, March 3 (Reuters) - Talks on a ceasefire stalled on\n"
                   "Monday after the two delegations failed to agree on the\n"
                   "sequence of prisoner exchanges, diplomats said.\n\n"
                   "(Adds comments, detail)\n\n"
                   "A new round is planned for next week, according to two people\n"
                   "briefed on the schedule.\n")
    assert (story.title, story.dateline, story.credit) == ("Ceasefire talks stall", "Geneva", "Reuters")
    assert story.body.split("\n") == [
        "Talks on a ceasefire stalled on Monday after the two delegations failed to agree on the sequence of "
        "prisoner exchanges, diplomats said.",
        "A new round is planned for next week, according to two people briefed on the schedule.",
    ]


def test_a_page_with_a_paragraph_a_line_keeps_its_lines():
    text = "A short paragraph of forty-odd characters here.\nAnother short one, also about that long!!\n"
    assert unwrap(text) == text.strip()


def read(name: str) -> Story:
    (story,) = [normalize(s) for s in read_document((FIELDS / name).read_bytes(), name) if isinstance(s, Story)]
    return story


def test_anpa_news_alert_headline_is_in_the_text_not_the_slug():
    story = read("ap-newsalert.tst")
    assert story.title == "Congress passes stopgap bill to avert government shutdown"
    assert (story.dateline, story.credit) == ("Washington", "AP")
    assert story.body.startswith("Congress has passed a stopgap")


def test_anpa_job_title_is_no_credit():
    story = read("ap-sports-writer.tst")
    assert (story.credit, story.authors, story.dateline) == ("AP", ("MARIA LOPEZ",), "St. Louis")


def test_anpa_table_heading_is_no_credit():
    story = read("ap-standings.tst")
    assert story.credit == "AP"
    assert story.title == "NATIONAL LEAGUE STANDINGS"


def test_reuters_newsml_body_is_paragraphs_without_notes():
    story = read("reuters-wrapped.xml")
    assert story.title == "Russia says troops pulling back from Dnipro river bank"
    assert (story.dateline, story.credit, story.authors) == ("Moscow", "Opta Sports", ("Jane Doe",))
    lines = story.body.split("\n")
    assert len(lines) == 2 and lines[0].startswith("Russia's defence ministry said on Monday its troops")
    assert "(Adds" not in story.body and "Reporting by" not in story.body


@pytest.mark.parametrize(("raw", "expected"), [
    ("AP Sports Writer", "AP"), ("Opta\nSports", "Opta Sports"), ("BASEBALL'S TOP TEN", None),
    ("Thomson Reuters", "Reuters"), ("Staff Reporter", None), ("He said so.", None), ("Getty Images", "Getty Images"),
])
def test_a_credit_is_an_agency(raw, expected):
    assert furniture.credit(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("2013-03-04 11:40:31 Gmt+00:00", None), ("LONDON, March 3", "LONDON"), ("Sydney March 22 Aap", "Sydney"),
    ("London (dpa)", "London"), ("Seoul, South Korea", "Seoul, South Korea"), ("Paris, 3 mars", "Paris"),
])
def test_a_dateline_is_a_place(raw, expected):
    assert furniture.dateline_place(raw) == expected


def _wire_stories(corpora: Path) -> list[tuple[str, Story]]:
    found = []
    for folder in ("superdesk-fixtures", "iptc-newsml-g2/examples", "iptc-ninjs/examples"):
        for path in sorted((corpora / "wire" / folder).rglob("*")):
            if path.is_file() and path.suffix in (".xml", ".json", ".tst", ".txt"):
                found += [(path.name, normalize(s)) for s in read_document(path.read_bytes(), path.name)
                          if isinstance(s, Story)]
    return found


_WRAP = re.compile(r"[a-z,]$")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d|\d\d:\d\d")


def test_real_wire_files_give_agencies_places_headlines_and_paragraphs(shared_corpora):
    stories = _wire_stories(shared_corpora)
    assert len(stories) >= 60
    for name, story in stories:
        assert story.credit is None or furniture.credit(story.credit) == story.credit, name
        assert story.credit is None or "\n" not in story.credit and "Writer" not in story.credit, name
        assert story.dateline is None or not _TIMESTAMP.search(story.dateline), name
        assert not (story.title or "").startswith(("BC-", "*")), name
        lines = story.body.split("\n")
        wrapped = [a for a, b in zip(lines, lines[1:]) if 40 <= len(a) <= 80 and _WRAP.search(a) and b[:1].islower()]
        assert len(wrapped) <= 1, (name, wrapped)  # a table row or a list item may look like one, never a paragraph
        assert not any(furniture.is_editor_note(line) for line in lines), name
    by_name = dict(stories)
    assert by_name["snep.xml"].dateline is None  # a timestamp in <dateline>
    assert by_name["anpa-4.tst"].title == "AP Top Entertainment News at 11:23 p.m. EST"
    assert by_name["IPTC7901.txt"].body.startswith(
        "Negotiations between German conservatives headed by Chancellor Angela Merkel and the")
