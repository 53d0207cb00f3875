"""The compiled line sorter and English check (native/src/lines.rs) against their Python references:
``furniture.python_lines_to_read`` and ``language._plainly_english``, and normalize's stories with and
without them."""

import re
from pathlib import Path

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wirewatch.records import Story
from wirewatch.transforms import furniture, language, normalize


def _compiled_or_skip(found):
    from tests.conftest import skip_unless_required

    if found is None:
        skip_unless_required("the compiled core (wirewatch_native) with ProseLines and EnglishCheck is not built "
                             "(needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    return found


# Pieces of lines: every furniture opening and agency in three cases, the self-description words cut and whole,
# what agency() strips, spaces before and after, characters that are not ASCII (one lower() lengthens), the
# ASCII separators str.split() takes besides the space, and plain words.
_LINE_PIECES = st.sampled_from([
    *furniture._FURNITURE_OPENINGS, *(o.upper() for o in furniture._FURNITURE_OPENINGS),
    *(o.title() for o in furniture._FURNITURE_OPENINGS), *furniture.AGENCIES,
    *(a.upper() for a in furniture.AGENCIES), *furniture._SELF_DESCRIPTION_WORDS,
    *(w.upper() for w in furniture._SELF_DESCRIPTION_WORDS), "is", "Is A", "founded", "in ", " ", "    ", "\t",
    "(", ")", "[", "]", ".", ",", ";", ":", "x", "The", "the ministry said on Tuesday", "1987", "İ", "é", "\u00a0",
    "\x1c", "\r", "Reuters is a news agency", "By Jane Doe", "Shr 1.20 vs 1.10", "said.", "\n", "\n\n", "12 mths",
    "1987.", "0", "9", "\u00b2", "\u0663", "-", "---", "(c)", "\u00a9", "\"", "Reuters/", "(Reporting by John Irish)",
    *furniture._NEVER_OPENS, "is the", "News Agency", "NEWSWIRE", "news organization", "\"By Jane Doe",
    "<Acme Corp>", "'", "\"Reuters\"",
    # past ASCII: what IGNORECASE takes for a letter, spaces, separators, lines of other languages
    "ſ", "K", "ı", "\u2003", "—", "•", "É", "ü", "新华社", "ſubſcribe", "bacK to top", "NEWſ AGENCY", "foundeD ın 1851",
    "Le gouvernement a annoncé mardi une hausse des taux", "Édition du soir", "Über die Lage", "Reuterſ",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=16).map("".join))
@example("")
@example("\n")
@example("    The ministry said on Tuesday that it would raise the rate.")
@example("The company is a maker of tools, it said in a statement today.")
@example("Thomson Reuters........................")
@example("reuters/Israel Katz and more words after the slash of it")
@example("Byzantine markets opened on Tuesday and closed on Wednesday.")
@example("    Comissaria Smith said there is still some doubt as to how\nNet 14.8 mln vs 11 mln")
@example("The ministry said on Tuesday that it would raise the rate. İ")
@example("\"We will act,\" he said.\nThe bond is a news agency's")
def test_the_compiled_sorter_reads_the_lines_python_reads(text):
    sorter = _compiled_or_skip(furniture._PROSE_LINES)
    assert sorter.to_read(text) == furniture.python_lines_to_read(text.split("\n"))
    assert sorter.read(text) == (sorter.to_read(text), furniture.may_self_describe(text))


def test_the_compiled_sorter_on_reuters_stories(shared_corpora):
    sorter = _compiled_or_skip(furniture._PROSE_LINES)
    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:3000]
    bodies = [normalize.clean_text(orjson.loads(row).get("body") or "") for row in rows]
    read = [sorter.to_read(body) for body in bodies]
    assert read == [furniture.python_lines_to_read(body.split("\n")) for body in bodies]
    # most lines are left out: what the sorter is for
    assert sum(map(len, read)) < sum(body.count("\n") + 1 for body in bodies) / 3


def _taken_by_no_classifier(line):
    return (not furniture.maybe_furniture(line) and furniture.agency(line) is None
            and furniture.self_described_agency(line) is None)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=8).map("".join))
@example("    Reporting by John Irish in Paris")
@example("12 mths")
@example("    1986 net both periods includes a gain")
@example("Reuters.")
@example("    Thomson Reuters.....")
@example("1 Reporting by John Irish")
def test_a_line_the_sorter_leaves_out_is_taken_by_no_classifier(line):
    """What the sorter leaves out, normalize keeps without asking: no classifier may take it."""
    if not furniture.python_lines_to_read([line]):
        assert _taken_by_no_classifier(line)


def test_the_lines_the_sorter_leaves_out_of_reuters_stories_are_taken_by_no_classifier(shared_corpora):
    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:3000]
    lines = [line for row in rows for line in normalize.clean_text(orjson.loads(row).get("body") or "").split("\n")]
    read = set(furniture.python_lines_to_read(lines))
    assert all(_taken_by_no_classifier(line) for at, line in enumerate(lines) if at not in read)
    lines = ["The ministry said on Tuesday that it would raise the rate.", "    1986 net includes a gain.", "12 mths",
             "Reuters", "By Jane Doe", "Reuters is a news agency founded in 1851.", "(Reporting by John Irish)",
             "    Reporting by John Irish", "Reuters.", "said."]
    assert furniture.python_lines_to_read(lines) == [3, 4, 5, 6, 7, 8]
    # quotes, markup and prose that says "is a" are left out too; a line naming a news agency is read
    lines = ["\"We will act,\" he said.", "<Acme Corp> said it bought Beta.", "The bond is available in 1,000s.",
             "    'It is over,' she said.", "Tass news agency said."]
    assert furniture.python_lines_to_read(lines) == [4]


def _as_ignorecase_may_spell(line):
    """``line`` with the characters past ASCII IGNORECASE takes for its letters."""
    return line.replace("s", "\u017f").replace("k", "\u212a").replace("i", "\u0131").replace("I", "\u0130")


_MATCHED = st.from_regex(re.compile(r"\A(?:" + furniture._MAYBE_FURNITURE.pattern + ")"))


@settings(max_examples=3000, deadline=None)
@given(_MATCHED, st.sampled_from([str, str.upper, str.swapcase, _as_ignorecase_may_spell]),
       st.sampled_from(["", " ", "    "]), st.sampled_from(["", " é", " Le gouvernement a annoncé mardi"]))
def test_every_line_the_union_pattern_matches_is_read(line, case, indent, after):
    """A line a furniture classifier may take, ASCII or not, however spelled, is always read."""
    line = indent + case(line)
    if furniture._MAYBE_FURNITURE.match(line + after):
        assert furniture.python_lines_to_read([line + after]) == [0]
    if furniture._MAYBE_FURNITURE.match(line):
        assert furniture.python_lines_to_read([line]) == [0]


def test_the_characters_past_ascii_ignorecase_and_spaces_take():
    """_FOLDS_TO_ASCII and _SPACES_PAST_ASCII against every character (what the sorter's reading of lines
    past ASCII stands on)."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {}
    for code in range(0x80, 0x110000):
        c = chr(code)
        if letter.fullmatch(c):
            found[c] = next(a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(a, c, re.IGNORECASE))
    assert found == furniture._FOLDS_TO_ASCII
    spaces = {chr(code) for code in range(0x80, 0x110000) if re.fullmatch(r"\s", chr(code))}
    assert spaces == set(furniture._SPACES_PAST_ASCII) == {s for s in map(chr, range(0x80, 0x110000)) if s.isspace()}


@settings(max_examples=3000, deadline=None)
@given(st.characters(min_codepoint=0x80).filter(lambda c: c not in furniture._MAY_OPEN_PAST_ASCII),
       st.sampled_from(["", " ", "    "]),
       st.one_of(st.text(max_size=40), _MATCHED, _MATCHED.map(lambda line: line[1:])))
@example("é", "", "ditor")
@example("ü", " ", "ber")
def test_no_furniture_line_opens_with_a_character_past_ascii_left_out(opening, indent, rest):
    assert furniture._MAYBE_FURNITURE.match(indent + opening + rest) is None


def test_the_characters_past_ascii_a_furniture_line_opens_with_are_read():
    lines = ["\u017fubscribe", "bac\u212a to top", "\u0131mage: Ann", "\u0130mage: Ann", "\u2003Reporting by Ann",
             "\u2014", "\u00a92024 Reuters", "\u2022 \u2022 \u2022", "\u00a0(Reporting by Ann)", "Photo\u017f by Ann",
             "    Edited by Ann L\u00e9"]
    assert all(furniture._MAYBE_FURNITURE.match(line) for line in lines)
    assert furniture.python_lines_to_read(lines) == list(range(len(lines)))


def test_the_sorter_on_the_multilingual_stories():
    sorter = _compiled_or_skip(furniture._PROSE_LINES)
    rows = (Path(__file__).resolve().parents[1] / "data" / "geotag" / "multilingual.jsonl").read_bytes().splitlines()
    bodies = [normalize.clean_text(orjson.loads(row).get("body") or "") for row in rows]
    read = [sorter.to_read(body) for body in bodies]
    assert read == [furniture.python_lines_to_read(body.split("\n")) for body in bodies]
    # lines past ASCII are left out too: most of these
    assert sum(map(len, read)) < sum(body.count("\n") + 1 for body in bodies) / 3


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(furniture._NEVER_OPENS), st.sampled_from(["", " ", "    "]),
       st.one_of(st.text(max_size=40), st.from_regex(re.compile(r"\A(?:" + furniture._MAYBE_FURNITURE.pattern + ")"))))
def test_no_furniture_line_and_no_agency_opens_with_a_never_opens_character(opening, indent, rest):
    line = indent + opening + rest
    assert furniture._MAYBE_FURNITURE.match(line) is None and furniture.agency(line) is None


def test_the_never_opens_characters_are_no_letters_digits_spaces_or_what_agency_strips():
    assert all(c.isascii() and not c.isalnum() and not c.isspace() and c not in furniture._AGENCY_STRIP + "("
               for c in furniture._NEVER_OPENS)
    assert all(name[:1].isalpha() for name in furniture.AGENCIES)


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=20),
       st.from_regex(furniture._SELF_DESCRIPTION, alphabet=st.characters(max_codepoint=127)),
       st.text(st.characters(max_codepoint=127), max_size=20))
@example("", "Reuters is a news agency", "")
@example("", "founded in 1851", "")
def test_an_ascii_self_description_holds_one_of_the_words(before, found, after):
    for line in (found, before + found + after):
        if furniture._SELF_DESCRIPTION.search(line):  # found always; the line, where \b allows it
            assert any(word in line.lower() for word in furniture._SELF_DESCRIPTION_WORDS)


_STORY_LINES = st.sampled_from([
    "The ministry said on Tuesday that it would raise the rate.", "    Markets opened higher on Tuesday.",
    "Reuters", "By Jane Doe", "By Jane Doe, Reuters", "BY AP STAFF", "Reuters is a news agency founded in 1851.",
    "(Reporting by John Irish; Editing by Alison Williams)", "Reporting by John Irish", "Subscribe now",
    "Share this article", "Advertisement", "Photo: Jane Doe/Reuters", "REUTERS/Israel Katz", "(Editor's note: x)",
    "SEOUL (Reuters) - North Korea fired a missile on Tuesday, officials said.", "Copyright 2024 Reuters",
    "Shr 1.20 vs 1.10", "said.", "", "---", "Thomson Reuters", "By Le Monde", "Agence France-Presse",
    "Le gouvernement a annoncé mardi une hausse des taux, selon un communiqué.", "İstanbul'da piyasalar yükseldi.",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_STORY_LINES, min_size=1, max_size=10).map("\n".join), st.sampled_from([None, "Headline"]))
@example("Reuters is a news agency founded in 1851.\nBy Jane Doe\nThe ministry said on Tuesday it would.", None)
@example("By Jane Doe, Reuters\nReuters\nBy Le Monde", "Headline")
def test_normalize_gives_the_same_story_with_and_without_the_sorter(body, title):
    _compiled_or_skip(furniture._PROSE_LINES)
    story = Story(id="x", body=body, title=title, source="test")
    compiled = normalize.normalize(story)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(furniture, "_PROSE_LINES", None)
        assert normalize.normalize(story) == compiled


def test_normalize_of_reuters_stories_with_and_without_the_sorter_and_the_check(shared_corpora):
    _compiled_or_skip(furniture._PROSE_LINES)
    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:1500]
    stories = [Story(id=str(n), body=row.get("body") or "", title=row.get("title"), dateline=row.get("dateline"),
                     source="reuters") for n, row in enumerate(map(orjson.loads, rows))]
    compiled = [normalize.normalize(s) for s in stories]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(furniture, "_PROSE_LINES", None)
        m.setattr(language, "_CHECK", None)
        assert [normalize.normalize(s) for s in stories] == compiled


# English and other function words in several cases, with what str.split() separates on in ASCII (the \x1c to
# \x1f separators and \v, \f included) and without, and characters that are not ASCII.
_SAMPLE_PIECES = st.sampled_from([
    *language._ENGLISH, *(w.upper() for w in language._ENGLISH), *(w.title() for w in language._ENGLISH),
    *language._OTHERS, *(w.upper() for w in language._OTHERS), "x", "1987", "the,", "THE.", "said",
    " ", " ", " ", "\n", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u00a0", "é", "-",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_SAMPLE_PIECES, max_size=90).map("".join))
@example("the and\x1cof")
@example("the\x1fand")
@example("the\x0band")
@example("der die das the and")
@example("the and der")
@example("x " * 59 + "the and")
@example("x " * 58 + "the and")
def test_the_compiled_check_answers_as_python(sample):
    check = _compiled_or_skip(language._CHECK)
    expected = language._plainly_english(sample.lower().split(None, 60)) if sample.isascii() else None
    assert check.plainly(sample) == expected


def test_detect_with_and_without_the_compiled_check(shared_corpora):
    _compiled_or_skip(language._CHECK)
    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:1500]
    samples = [(row.get("title"), row.get("body")) for row in map(orjson.loads, rows)]
    samples += [("Les prix", "du sucre montent au Brésil"), ("Die Preise", "steigen in der Stadt und das Land"),
                (None, "the and x"), ("", ""), (None, None)]
    compiled = [language.detect(title, body) for title, body in samples]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(language, "_CHECK", None)
        assert [language.detect(title, body) for title, body in samples] == compiled
    assert compiled.count("en") > len(samples) * 0.8


# Every hint, cut short and in other cases, the marks they end before, newlines and characters that are not ASCII.
_HINT_PIECES = st.sampled_from([
    *furniture._HINTS, *furniture._AGENCY_HINTS, *(h.upper() for h in furniture._HINTS),
    *(h[:-1] for h in furniture._HINTS), *(a[1:] for a in furniture._AGENCY_HINTS),
    *(a.lower() for a in furniture._AGENCY_HINTS), " by", "by", " BY", "/", "//", " ", "\n", "İ", "é", "x",
    "the ministry said", "8-1/4",
])


def _python_holds_a_hint(text):
    with pytest.MonkeyPatch.context() as m:
        m.setattr(furniture, "_HINT_LOOK", None)
        return furniture._holds_a_hint(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_HINT_PIECES, max_size=12).map("".join))
@example("Reporting by John Irish")
@example("said by REUTERS/Jane Doe")
@example("reuters/ x")
@example("EPA-EFE/ photo")
@example("PHOTO")
@example("Photos by")
@example("x by y")
def test_the_compiled_look_for_hints_answers_as_python(text):
    look = _compiled_or_skip(furniture._HINT_LOOK)
    assert look.holds(text) == (_python_holds_a_hint(text) if text.isascii() else None)


def test_the_compiled_look_for_hints_on_reuters_stories(shared_corpora):
    look = _compiled_or_skip(furniture._HINT_LOOK)
    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:3000]
    bodies = [orjson.loads(row).get("body") or "" for row in rows]
    found = [look.holds(body) for body in bodies]
    assert found == [_python_holds_a_hint(body) if body.isascii() else None for body in bodies]
    assert 0 < sum(f is True for f in found) < len(found)


# What the sentence-end pattern reads: its marks, the capitals, quotes and parenthesis after them, every ASCII
# whitespace (\x1c-\x1f too) alone and in runs of newlines, characters that are not ASCII (“ among them).
_BODY_PIECES = st.sampled_from([
    ".", "!", "?", ";", ":", ",", " ", "  ", "\t", "\n", "\n\n", "\n \n", "\n\t", "\r", "\x0b", "\x0c", "\x1c", "\x1f",
    "A", "Z", "a", "\"", "(", "“", "é", "\u00a0", "said", "The", "1987",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_BODY_PIECES, max_size=30).map("".join), st.integers(0, 80))
@example("He said.\n\nThe\n", 20)
@example("a.\x1cB", 5)
@example("a.\u00a0B", 5)
@example("x\n \n \ny", 3)
@example("x\n \n \ny", 10)
@example("a: (b", 10)
def test_the_compiled_sentence_ends_are_the_patterns(body, last):
    from wirewatch.transforms import geotag

    compiled = _compiled_or_skip(geotag._compiled_sentence_ends)
    expected = []
    for m in geotag._SENTENCE_END.finditer(body):
        if m.end() > last:
            break
        expected.append(m.end())
    assert compiled(body, last) == (expected if body.isascii() else None)


def test_the_compiled_sentence_ends_on_reuters_stories(shared_corpora):
    from wirewatch.transforms import geotag

    compiled = _compiled_or_skip(geotag._compiled_sentence_ends)
    rows = (shared_corpora / "geo" / "reuters21578-train.jsonl").read_bytes().splitlines()[:2000]
    for row in rows:
        body = orjson.loads(row).get("body") or ""
        if body.isascii():
            assert compiled(body, len(body)) == [m.end() for m in geotag._SENTENCE_END.finditer(body)]


def test_a_lone_surrogate_goes_to_python():
    """The compiled core reads no lone surrogate (a JSON escape can make one): Python answers such a text."""
    from wirewatch.transforms import geotag

    _compiled_or_skip(furniture._PROSE_LINES)
    assert furniture.read_lines("Reuters\n\ud800 said.") is None
    assert furniture._holds_a_hint("\ud800 photo") is True
    assert geotag._sentence_ends("He said.\n\nThe \ud800", 20) == [8, 10]
