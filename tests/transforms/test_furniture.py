import re
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wirewatch.transforms import furniture


def _holds_a_hint_plainly(text):
    """furniture_spans' look for hints as first defined: a scan for each hint."""
    low = text.lower()
    return any(hint in low for hint in furniture._HINTS) or any(a in text for a in furniture._AGENCY_HINTS)


# Every hint, cut short, in other cases, next to the characters lower() changes the length of (İ) or leaves
# alone where IGNORECASE would not (ſ, K), slashes and " by" alone.
_PIECES = st.sampled_from([
    *furniture._HINTS, *furniture._AGENCY_HINTS, *(h.upper() for h in furniture._HINTS),
    *(h[:-1] for h in furniture._HINTS), *(a[1:] for a in furniture._AGENCY_HINTS), *(a.lower() for a in furniture._AGENCY_HINTS),
    " by", "by", " BY", "/", "//", " ", "\n", "İ", "ſ", "\u212a", "EPA-", "Reporting", "the ministry said", "x",
])


@settings(max_examples=2000)
@given(st.one_of(st.lists(_PIECES, max_size=10).map("".join), st.text(max_size=80)))
@example("Reporting by John Irish")
@example("said by REUTERS/Jane Doe")
@example("EPA-EFE/ photo")
@example("İreporting by")
def test_the_look_for_hints_finds_what_a_scan_for_each_finds(text):
    assert furniture._holds_a_hint(text) == _holds_a_hint_plainly(text)


def test_the_look_for_hints_on_the_test_stories():
    root = Path(__file__).resolve().parents[1] / "data"
    texts = [path.read_text("utf-8", errors="replace") for path in root.rglob("*")
             if path.is_file() and path.stat().st_size < 2_000_000]
    paragraphs = [p for text in texts for p in text.splitlines()]
    assert len(paragraphs) > 1000 and any(map(_holds_a_hint_plainly, paragraphs))
    assert [furniture._holds_a_hint(p) for p in paragraphs] == list(map(_holds_a_hint_plainly, paragraphs))


# Lines the union pattern matches, generated from the pattern itself (each of its alternatives), then
# spelled in other cases: maybe_furniture's look at the first two letters must let every one through.
_MATCHED = st.from_regex(re.compile(r"\A(?:" + furniture._MAYBE_FURNITURE.pattern + ")"))


@settings(max_examples=3000, deadline=None)
@given(_MATCHED, st.sampled_from([str, str.upper, str.lower, str.title, str.swapcase]))
def test_every_line_the_union_pattern_matches_passes_the_first_letters(line, case):
    line = case(line)
    assert furniture.maybe_furniture(line) == (furniture._MAYBE_FURNITURE.match(line) is not None)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([
    "The", "In", "Shr", "Revs", "Net", "By", "by", "Photo", "REUTERS/", "AP/", "Email", "e-mail", "Top", "to",
    "Trending", "Reporting", "Editing and", "File photo:", "Handout", "KCNA/", "Getty Images/", "Yonhap", " ", ":",
    "(", "12", "a", "x", "Jane Doe", "-", "\u00a0", "ſ", "K", "Ünal",
]), min_size=1, max_size=6).map("".join))
def test_maybe_furniture_answers_as_the_union_pattern(line):
    assert furniture.maybe_furniture(line) == (furniture._MAYBE_FURNITURE.match(line) is not None)


def test_each_head_opens_a_line_the_union_pattern_matches():
    # every head stands for a real alternative (a head no alternative opens would only cost time)
    lines = ["subscribe", "sign up", "share", "print", "e-mail", "email", "comments", "related", "advertisement",
             "listen", "follow us", "our standards", "scroll to continue", "click here", "see all news", "back to top",
             "skip to content", "all rights reserved", "more from us", "trending", "top stories",
             "additional reporting by Ann", "and reporting by Ann", "with reporting by Ann", "editing by Ann",
             "writing by Ann", "graphics by Ann", "fact-checking by Ann", "photo by Ann", "video by Ann",
             "file photo: Ann", "handout photo: Ann", "main photo: Ann", "picture: Ann", "image: Ann",
             "credit: Ann", "REUTERS/Ann", "AFP/Ann", "AP/Ann", "EPA/Ann", "GETTY IMAGES/Ann", "ANADOLU/Ann",
             "XINHUA/Ann", "SPUTNIK/Ann", "TASS/Ann", "YONHAP/Ann", "KCNA/Ann", "by Ann"]
    lines += ["read more", "see more news", "copyright 2026", "editing and writing by Ann", "edited by Ann",
              "compiled by Ann", "compiling by Ann", "research by Ann", "top photo: Ann", "EPA-EFE/Ann",
              "reporting by Ann"]
    lines += [f"{before}{word} by Ann" for before in ("additional ", "and ", "with ") for word in (
        "reporting", "writing", "editing", "edited", "compiled", "compiling", "research", "graphics", "fact-checking",
        "photos", "video")]
    lines += [f"{before}{word}: Ann" for before in ("file ", "handout ", "top ", "main ")
              for word in ("photo", "pictures", "image", "credit")]
    lines += ["credit by Ann", "credits: Ann", "credits by Ann", "pictured: Ann", "photograph by Ann"]
    assert all(furniture._MAYBE_FURNITURE.match(line) for line in lines)
    assert {line[:2].lower() for line in lines} == furniture._FURNITURE_HEADS
    # and every opening is how one of them opens, lower-cased
    assert all(any(line.lower().startswith(opening) for line in lines) for opening in furniture._FURNITURE_OPENINGS)
    assert all(furniture._opens_as_furniture(line) for line in lines)


_LINE_PIECES = st.sampled_from([
    "(Photo: Jordan/Reuters)", "(Reporting by Irish Katz)", "Reporting by John Smith", "Editing by Mary Jones",
    "(REUTERS/Jane Doe)", "said by Paris.", ". ", "\n", "\n\n", " ", "Paris", "France", "(", ")", "/", " by",
    "photo", "the ministry said", "Writing by", "x",
])


@settings(max_examples=1000)
@given(st.lists(_LINE_PIECES, max_size=14).map("".join), st.lists(st.integers(0, 200), max_size=8))
@example("Talks in Paris.\n(Photo: Jordan/Reuters)\nReporting by John Irish", [24, 33, 60])
def test_positions_in_furniture_are_those_inside_its_spans(text, positions):
    positions = [p for p in positions if p < len(text)]
    spans = furniture.furniture_spans(text)
    assert furniture.in_furniture(text, positions) == {p for p in positions if any(a <= p < b for a, b in spans)}


_PROSE_PIECES = st.sampled_from([
    *furniture.AGENCIES, *(a.upper() for a in furniture.AGENCIES), "By", "Photo", "Reporting by", "Subscribe", "(",
    ")", ".", ",", ";", ":", "[", "]", " ", "x", "The", "the ministry said", "İ", "é", "Share", "Editing", "AP",
    "    ", "\t", "REUTERS/", "Editing by", "(Reporting by", "Photo:",
])


@settings(max_examples=2000)
@given(st.lists(_PROSE_PIECES, max_size=8).map("".join))
@example("The ministry said on Tuesday that it would.")
@example("Reuters")
@example("Thomson Reuters.....")
@example("    Reporting by John Irish in Paris and Jane Doe in Berlin; Editing by Alison Williams")
@example("    REUTERS/Israel Katz and more words after the slash")
@example("    Thomson Reuters.....")
def test_a_prose_line_is_one_neither_furniture_check_can_take(line):
    if furniture.prose_lines([line]) == [True]:
        assert not furniture.maybe_furniture(line) and furniture.agency(line) is None


def test_most_lines_of_reuters_stories_are_told_prose_without_the_checks(shared_corpora):
    import orjson

    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:2000]
    lines = [line for row in rows for line in (orjson.loads(row).get("body") or "").split("\n")]
    prose = furniture.prose_lines(lines)
    assert all(not furniture.maybe_furniture(line) and furniture.agency(line) is None
               for line, told in zip(lines, prose) if told)
    assert sum(prose) > len(lines) / 4
    # Reuters indents its paragraphs: those are told too (spaces before the letters change nothing)
    indented = [told for line, told in zip(lines, prose) if line.startswith("    ") and len(line) > 40]
    assert sum(indented) > len(indented) / 2


# Lines the union pattern matches, indented: told prose only where neither check can take them.
@settings(max_examples=3000, deadline=None)
@given(_MATCHED, st.sampled_from([str, str.upper, str.lower, str.title, str.swapcase]),
       st.sampled_from([" ", "    ", "        "]))
def test_an_indented_line_the_union_pattern_matches_is_not_told_prose(line, case, indent):
    indented = indent + case(line)
    if furniture.prose_lines([indented]) == [True]:
        assert not furniture.maybe_furniture(indented) and furniture.agency(indented) is None


# Titles _SLUG matches, generated from each of its alternatives (then cut or spelled otherwise), and titles
# of the pieces slugs are made of: is_slug's look for a hyphen or a comma before the search must let every
# slug through.
_SLUGS = st.from_regex(furniture._SLUG)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_SLUGS, _SLUGS.map(str.lower), _SLUGS.map(lambda t: t[1:]), st.lists(st.sampled_from([
    "BC-", "AP-", "US-", "--", "-", ",", ",17", "17", "Top", "Ten", "headline", " ", "^", "_", ".", "x" * 40,
]), max_size=8).map("".join)))
@example("BC-US--APNewsAlert,17")
@example("Markets close,0176")
@example("BC-WEA--Global Weather")
def test_is_slug_answers_as_the_search_alone(title):
    assert furniture.is_slug(title) == (bool(furniture._SLUG.search(title)) and len(title) <= 80)
