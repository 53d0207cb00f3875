from hypothesis import example, given, settings
from hypothesis import strategies as st

from wirewatch.transforms.normalize import clean_text, normalize
from wirewatch.records import Story

FURNITURE = ["Reuters is a news agency founded in 1851", "Subscribe", "By:VOA", "Toronto, Canada", "\\’"]


def test_seed_loses_its_furniture_and_keeps_its_facts(seed_text):
    story = normalize(Story(id="seed", body=seed_text))
    for piece in FURNITURE:
        assert piece not in story.body
    assert "\n-\n" not in story.body and not story.body.endswith("-")
    assert "North Korea’s supply of weaponry" in story.body
    assert story.body.startswith("South Korea and the European Union")
    assert story.body.endswith("achieved victory in Ukraine.")
    assert (story.dateline, story.credit, story.publisher) == ("Seoul, South Korea", "Reuters", "VOA")


def test_normalize_is_idempotent(seed_text):
    once = normalize(Story(id="seed", body=seed_text))
    assert normalize(once) == once


def test_inline_wire_dateline_gives_place_and_credit():
    story = normalize(Story(id="x", body="WASHINGTON, Nov 4 (AP) — The U.S. said on Monday."))
    # a dateline is a place: the date after it is not part of it
    assert (story.dateline, story.credit, story.body) == ("Washington", "AP", "The U.S. said on Monday.")


def test_a_dash_inside_a_sentence_is_not_a_dateline():
    body = "The man - who was there - said (AP) nothing."
    story = normalize(Story(id="x", body=body))
    assert story.dateline is None and story.body == body


def test_fields_the_connector_knew_are_kept():
    story = normalize(Story(id="x", body="By Jane Doe\nText here.", dateline="PARIS -", publisher="Le Monde"))
    assert (story.dateline, story.publisher, story.authors, story.body) == ("Paris", "Le Monde", ("Jane Doe",), "Text here.")


def test_html_bodies_become_text():
    text = clean_text("<div><p>One &amp; two</p><script>x()</script><p>Three&nbsp;four</p></div>")
    assert text == "One & two\nThree four"


@given(st.text(max_size=400))
def test_normalize_never_crashes_and_is_idempotent(text):
    once = normalize(Story(id="x", body=text))
    assert normalize(once) == once
    assert "\\’" not in once.body


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["a", "b", " ", "  ", " ", "\n", "\t", "\u00a0", "\u2009", "\u3000", "\r\n", "\r",
                                 "\x0b", "e\u0301", "\u00e9", "\x85", "\u2028"]),
                max_size=30).map("".join))
@example("a  b\n  c   d ")
@example("a\t b\u00a0 \u3000c")
@example("e\u0301")
def test_clean_text_squeezes_spaces_as_line_by_line(text):
    """The reference: NFC, then each line squeezed and stripped, empty lines dropped (the fast paths for
    ASCII and one-line text must agree with it)."""
    import unicodedata

    from wirewatch.text import _SPACES

    text_nfc = unicodedata.normalize("NFC", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text_nfc.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert clean_text(text) == "\n".join(line for line in lines if line)


def _classified(line):
    """Whether a line classifier of transforms.furniture that matches from the line's start takes ``line``."""
    from wirewatch.transforms import furniture

    return bool(furniture.is_ui_line(line) or furniture.is_trailer(line) or furniture.is_editor_note(line)
                or furniture.byline(line) is not None)


def _self_described_plainly(line):
    """furniture.self_described_agency without its look for the words first."""
    import re

    from wirewatch.transforms import furniture

    if not furniture._SELF_DESCRIPTION.search(line):
        return None
    return furniture.agency(re.split(r"\s+is\s+", line, maxsplit=1)[0])


# Pieces of furniture and of prose, in both cases, with the whitespace str.strip and \s take (no-break,
# ideographic, vertical tab, information separators) and the characters that IGNORECASE matches beyond lower()
_PIECES = st.sampled_from([
    "By", "by:", "BY ", "Reporting by", "Photo:", "REUTERS/", "AFP/", "(", ")", "Adds", "(Updates", "Subscribe",
    "sign up for", "Share this story", "©", "(c) 2024", "Copyright", "is a", "is the", "news agency", "Newswire",
    "founded in 1851", "Reuters", "Jane Doe", "John", " ", "  ", "\t", "\u00a0", "\u3000", "\x0b", "\x1c", "-",
    "—", "*", ".", "|", ",", ";", "and", "in Paris", "the ministry said", "K", "ſ", "İ", "12", "Editing by",
    "Read more", "Advertisement", "scroll to continue", "trending", "wire service", "Correspondent", "IS A",
    "Is The", "FOUNDED IN 1851", "an", "The Associated Press", "\u0130s a", "is\u00a0a", "News Agency",
    "news service", "news organisation", "News Organization", "international news", "NEWSWIRE", "\"",
])


@settings(max_examples=1500)
@given(st.lists(_PIECES, max_size=8).map("".join))
@example("Reuters is a news agency founded in 1851 …")
@example("   Reporting by John Irish; Editing by Alison Williams \u00a0")
@example("(Adds comments, detail)")
@example("Reuters is the news agency of record")
@example("Reuters is fine, founded \u0131n 1851")  # IGNORECASE takes the dotless i for an i, lower() does not
def test_a_line_maybe_furniture_rules_out_is_taken_by_no_classifier_and_self_descriptions_are_found(line):
    from wirewatch.transforms import furniture

    assert furniture.maybe_furniture(line) or not _classified(line)
    assert furniture.self_described_agency(line) == _self_described_plainly(line)


def test_maybe_furniture_rules_out_no_line_of_the_test_stories():
    from pathlib import Path

    from wirewatch.transforms import furniture

    root = Path(__file__).resolve().parents[1] / "data"
    lines = {line for path in root.rglob("*") if path.is_file() and path.stat().st_size < 2_000_000
             for line in path.read_text("utf-8", errors="replace").splitlines()}
    missed = [line for line in lines if not furniture.maybe_furniture(line) and _classified(line)]
    assert len(lines) > 1000 and not missed
    assert [furniture.self_described_agency(line) for line in lines] == list(map(_self_described_plainly, lines))


def _plain_dateline_of(line: str):
    """``_dateline_of`` without its quick rule-outs: both patterns tried on every line."""
    from wirewatch.transforms import normalize as n

    found = n._Extracted()
    m = n._DATELINE_LINE.fullmatch(line)
    if m:
        place = n._place(m.group("place"))
        if place:
            found.dateline = place
            return "", found
        return None, n._Extracted()
    m = n._DATELINE_LEAD.match(line)
    if not m:
        return None, found
    place = n._place(m.group("place") or m.group("place2"))
    credit = n.furniture.agency(m.group("agency") or m.group("agency2") or "")
    if m.group("agency") or m.group("agency2"):
        if not credit:
            return None, n._Extracted()
        found.credit = credit
    if not place:  # the credit stays taken, as it did before the rule-outs
        return None, found
    found.dateline = place
    return line[m.end():].strip(), found


# Lines made of the pieces datelines are made of: capitals, dashes of three kinds, an agency in parentheses,
# commas, dates, an underscore, a dot, spaces.
DATELINE_PIECES = st.lists(st.sampled_from(
    ["SEOUL", "Buenos Aires", "KYIV/MOSCOW", "a", "N", ",", ", ", " ", "—", "–", "-", " - ", "(Reuters)", "(AP)",
     "(EFE)", "(x)", "(", ")", "March 3", "2", "_ ", ".-", "Tegucigalpa", "é", "\t"]), max_size=10).map("".join)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(DATELINE_PIECES, st.text(max_size=40)))
@example("SEOUL (Reuters) - North Korea fired")
@example("WASHINGTON, Nov 4 (AP) — text")
@example("Seoul, South Korea -")
def test_a_datelines_quick_rule_outs_change_nothing(line):
    from wirewatch.transforms import normalize as n

    found = n._Extracted()
    assert (n._dateline_of(line, found), found) == _plain_dateline_of(line)


def _strip_furniture_plainly(lines, found):
    """normalize._strip_furniture as it was defined before its story-wide look for self-descriptions: every
    line asked for one, and every line's agency looked up after case folding."""
    from wirewatch.transforms import furniture
    from wirewatch.transforms import normalize as n

    kept = []
    for line in lines:
        maybe = furniture.maybe_furniture(line)
        if maybe and (furniture.is_ui_line(line) or furniture.is_trailer(line) or furniture.is_editor_note(line)):
            continue
        name = _self_described_plainly(line) or furniture.AGENCIES.get(line.strip(" ()[].,;:").casefold())
        if name:
            found.credit = found.credit or name
            continue
        name = furniture.byline(line) if maybe else None
        if name:
            n._take_byline(name, found)  # unchanged by the story-wide look
            continue
        kept.append(line)
    return kept


def _stripped_both_ways(text):
    from wirewatch.transforms import normalize as n

    new, old = n._Extracted(), n._Extracted()
    return (n._strip_furniture(text, new), new), (_strip_furniture_plainly(text.split("\n"), old), old)


# Agency names in the forms a line may hold them: padded with the characters agency() strips, in capitals,
# and with characters whose case folding is longer (ß) or ASCII from outside it (the Kelvin sign, long s).
_AGENCY_LINES = st.sampled_from(["Reuters", "(AP)", " [Thomson Reuters]. ", "AUSTRALIAN ASSOCIATED PRESS",
                                 "((((((((((((((((((((((((Reuters))))))))))))))))))))))))",
                                 "[[[[[[[[[[[[[[[[[[[[[[[[[[ Reuters", "Reuters ::::::::::::::::::::::::::", "\u212aYODO",
                                 "Pre\u017f\u017f Trust of India", "Straße", "the canadian press;"])


@settings(max_examples=1500)
@given(st.lists(st.one_of(st.lists(_PIECES, max_size=8).map("".join), _AGENCY_LINES, st.text(max_size=60)),
                max_size=6).map("\n".join))
@example("Reuters is a news agency founded in 1851 …\nby Jane Doe, Reuters")
@example("Some text.\nReuters is fine, founded \u0131n 1851")
@example("Story text is here.\n\u212aYODO")
@example("Reuters is a news agency founded in 1851 in London\nThe company is the largest")  # a prose line, ASCII
def test_stripping_furniture_story_wide_changes_nothing(text):
    new, old = _stripped_both_ways(text)
    assert new == old


def test_stripping_furniture_story_wide_changes_nothing_on_the_test_stories():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "data"
    texts = [path.read_text("utf-8", errors="replace") for path in root.rglob("*")
             if path.is_file() and path.stat().st_size < 2_000_000]
    assert len(texts) > 20
    for text in texts:
        new, old = _stripped_both_ways(text)
        assert new == old


def test_no_character_folds_shorter():
    """What agency() relies on to skip folding keys longer than the longest name."""
    import sys

    assert all(chr(c).casefold() for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_the_normalized_story_carries_every_field_it_does_not_set():
    import dataclasses
    from datetime import datetime, timedelta, timezone

    from wirewatch.records import Origin
    from wirewatch.transforms.normalize import _normalized

    when = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
    values = dict(
        id="s1", body="b", title="t", summary="sum", url="https://example.com/a", source="src", dateline="Paris",
        credit="AP", publisher="Daily", authors=("Ann",), language="fr", published=when,
        fetched=when + timedelta(hours=1), produced=when + timedelta(hours=2), format="rss", origin=Origin("feed.xml", 3), undated=True, item_id="item", version=2,
        supersedes="s0", correction=True,
    )
    assert set(values) == {f.name for f in dataclasses.fields(Story)}, "a new Story field: carry it in _normalized"
    story = Story(**values)
    assert all(getattr(story, f.name) != f.default for f in dataclasses.fields(Story))  # none left at its default
    changes = dict(title="T2", body="B2", dateline="Rome", credit="AFP", language="it", publisher="Post",
                   authors=("Bo",), version=3, correction=False)
    assert _normalized(story, **changes) == dataclasses.replace(story, **changes)
    assert _normalized(story, **changes).origin == story.origin
