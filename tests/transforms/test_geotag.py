import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wirewatch.transforms import furniture, geotag
from wirewatch.transforms.gazetteer import default_gazetteer
from wirewatch.transforms.geotag import about_model, classify, find_places, mentions
from wirewatch.transforms.normalize import normalize
from wirewatch.records import Story


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def _codes(text, gazetteer, **fields):
    countries, regions = classify(Story(id="x", body=text, **fields), gazetteer)
    return [c.code for c in countries], regions, countries


def test_seed_countries_and_regions(seed_text, gazetteer):
    story = normalize(Story(id="seed", body=seed_text))
    codes, regions, countries = _codes(story.body, gazetteer, dateline=story.dateline)
    assert {"KR", "KP", "RU", "UA"} <= set(codes)
    assert "CA" not in codes  # only the stripped agency boilerplate mentions Canada
    assert {"Eastern Asia", "Eastern Europe"} <= set(regions)
    assert codes[0] == "KR"  # the dateline weighs most
    for tag in countries:
        assert tag.evidence
        for span in tag.evidence:
            assert getattr(story, span.field)[span.start : span.end] == span.text


def test_longest_name_wins(gazetteer):
    codes, _, countries = _codes("North Korean troops and the North Korea border.", gazetteer)
    assert codes == ["KP"]
    assert [s.text for s in countries[0].evidence] == ["North Korean", "North Korea"]


def test_lower_case_words_are_not_places(gazetteer):
    assert _codes("They bought china and a turkey in the morning.", gazetteer)[0] == []


def test_abbreviations_are_case_sensitive(gazetteer):
    assert sorted(_codes("The U.S. and the UK agreed.", gazetteer)[0]) == ["GB", "US"]
    assert _codes("Let us go.", gazetteer)[0] == []


def test_capitals_and_demonyms_count(gazetteer):
    assert _codes("Officials in Nairobi said Kenyan exports rose.", gazetteer)[0] == ["KE"]


def test_all_caps_headlines(gazetteer):
    assert "BR" in _codes("x", gazetteer, title="BRAZIL COFFEE EXPORTS RISE")[0]


def test_find_places_spans(gazetteer):
    text = "From Seoul to Kyiv."
    for place, span in find_places(text, "body", gazetteer):
        assert text[span.start : span.end] == span.text


def test_us_state_abbreviations_count_only_in_datelines(gazetteer):
    assert _codes("x", gazetteer, dateline="Rochester, N.Y., Feb 26")[0] == ["US"]
    assert _codes("Sales rose in Calif. and Fla. stores.", gazetteer)[0] == []


def test_capitals_of_tiny_territories_are_not_everyday_names(gazetteer):
    # Douglas (Isle of Man) and Stanley (Falklands) are far more often surnames in the news
    assert _codes("Analyst John Douglas and Morgan Stanley said.", gazetteer)[0] == []


def test_historical_names(gazetteer):
    assert sorted(_codes("The Soviet Union and West Germany signed a grain deal.", gazetteer)[0]) == ["DE", "RU"]
    assert _codes("Yugoslavia raised its wheat estimate, officials in Belgrade said.", gazetteer)[0] == ["RS"]


def _all_mentioned(text, gazetteer, **fields):
    return {m.place.code for m in mentions(Story(id="x", body=text, **fields), gazetteer)}


def test_peoples_names_are_not_places(gazetteer):
    # a surname or first name that is also a place, joined to the rest of the person's name
    assert _all_mentioned("Spokesman John Irish told reporters the talks went well.", gazetteer) == set()
    assert _all_mentioned("Striker Chad Johnson scored twice.", gazetteer) == set()
    assert _all_mentioned("The psychologist Jordan Peterson spoke.", gazetteer) == set()
    assert _all_mentioned("Mr Jordan declined to comment.", gazetteer) == set()
    assert _all_mentioned("Analyst Georgia Ross expects a rate cut.", gazetteer) == set()
    # the same words as places
    assert _all_mentioned("Irish exports rose.", gazetteer) == {"IE"}
    assert _all_mentioned("King Abdullah of Jordan met officials from Chad.", gazetteer) == {"JO", "TD"}
    assert _all_mentioned("Talks in Georgia, Moldova and Ukraine.", gazetteer) >= {"GE", "MD", "UA"}


def test_company_names_are_not_places(gazetteer):
    assert _all_mentioned("Toyota Motor Corp raised prices.", gazetteer) == set()
    assert _all_mentioned("Shipments from Toyota rose.", gazetteer) == {"JP"}


def test_everyday_words_are_not_provinces(gazetteer):
    # "Southern" and "Mountain" are provinces of Sri Lanka and the Philippines, "Island" is Iceland in Norse
    assert _all_mentioned("Rain fell in Southern and Mountain areas and on an Island visit.", gazetteer) == set()


def test_everyday_english_names_and_adjectives(gazetteer):
    assert _all_mentioned("Britain and the French and Chinese delegations met.", gazetteer) == {"GB", "FR", "CN"}
    assert _all_mentioned("Banks in Frankfurt, Zurich and Montreal.", gazetteer) == {"DE", "CH", "CA"}


@pytest.mark.parametrize("dateline, code", [
    ("READING, Penn., Feb 26", "US"),  # Reading in England is bigger, but the state decides
    ("Scarborough, Ontario, Feb 26", "CA"),
    ("LONDON, March 3", "GB"),  # March is a town in England too: a month is never a place here
    ("GENEVA, March 3", "CH"),  # too small for the body's city list, but a dateline names a place for sure
])
def test_datelines(gazetteer, dateline, code):
    assert _codes("Shares rose.", gazetteer, dateline=dateline)[0] == [code]


def test_a_passing_mention_deep_in_the_body_is_not_what_the_story_is_about(gazetteer):
    body = (
        "Kenya's central bank raised its key rate on Tuesday to curb inflation, the Kenyan finance ministry said. "
        + "Analysts in Nairobi said the move was expected and that lending would slow in coming months. " * 6
        + "A similar step was taken by Japan last year."
    )
    codes, _, countries = _codes(body, gazetteer, title="Kenya raises rates", dateline="NAIROBI, March 3")
    assert codes == ["KE"]
    assert "JP" in _all_mentioned(body, gazetteer)  # found, and set apart as a passing mention


def test_every_member_of_a_list_is_tagged(gazetteer):
    body = ("Export refunds will be plus 2.4 points for the Netherlands and West Germany, minus two for Denmark, "
            "minus eight for France and minus nine for Ireland, a Commission spokesman said.\n"
            "The amounts apply to cereals exported from next Monday and will be reviewed each week by the "
            "management committee, which meets on Wednesday. Traders said the changes were smaller than expected "
            "and that demand from importers had slowed since the start of the month.")
    found = mentions(Story(id="x", body=body), gazetteer)
    listed = geotag.FEATURES.index("listed")
    assert {code for code, values in geotag.features(found, body).items() if values[listed]} == {
        "NL", "DE", "DK", "FR", "IE"}
    codes = _codes(body, gazetteer, dateline="BRUSSELS, March 4")[0]
    assert {"NL", "DE", "DK", "FR", "IE"} <= set(codes)


def test_scores_are_probabilities_and_spans_hold(gazetteer, seed_text):
    story = normalize(Story(id="seed", body=seed_text))
    countries, _ = classify(story, gazetteer)
    assert all(0 < c.score <= 1 for c in countries)
    assert [c.score for c in countries] == sorted((c.score for c in countries), reverse=True)
    assert about_model(True).threshold != about_model(False).threshold or True


def test_reuters_held_out_fifth_floors(shared_corpora):
    """The tagger was fitted on four fifths of Reuters-21578 (train); the fifth it never saw must hold."""
    from bench.geotag_eval import figures, held_out, reuters

    gazetteer = default_gazetteer()
    kept = reuters(shared_corpora / "geo" / "reuters21578-train.jsonl", held_out_only=True)
    assert len(kept) == 2479 and all(held_out(s) for s, _ in kept)
    f = figures([({t.code for t in classify(s, gazetteer)[0]}, gold) for s, gold in kept])
    assert f.precision >= 0.90 and f.micro_f1 >= 0.91 and f.macro_f1 >= 0.85, f


@pytest.mark.parametrize("body", [
    "France will send more troops, the ministry said.\nReporting by John Irish; Editing by Chad Johnson",
    "France will send more troops, the ministry said. Reporting by John Irish; Editing by Chad Johnson",
    "France will send more troops, the ministry said.\n(Reporting by John Irish in Paris; Editing by Chad Johnson)",
    "France will send more troops, the ministry said. (Writing by Israel Katz, editing by Georgia Rowe)",
    "France will send more troops, the ministry said.\nPhoto: Jordan Peterson/Reuters",
    "France will send more troops, the ministry said.\nREUTERS/Israel Katz",
    "France will send more troops (Photo by Georgia Rowe/AFP via Getty Images), the ministry said.",
])
def test_trailers_and_photo_credits_name_people_not_places(gazetteer, body):
    story = normalize(Story(id="x", body=body, dateline="PARIS"))
    assert _all_mentioned(story.body, gazetteer) == {"FR"}
    assert [c.code for c in classify(story, gazetteer)[0]] == ["FR"]


def test_prose_that_starts_like_a_trailer_keeps_its_places(gazetteer):
    story = normalize(Story(id="x", body="Talks stalled.\nReporting by the ministry showed losses in Ireland."))
    assert "IE" in _all_mentioned(story.body, gazetteer)


@pytest.mark.parametrize("line, furniture_line", [
    ("Reporting by John Irish; Editing by Alison Williams", True),
    ("(Reporting by John Irish in Paris and Michel Rose in Dublin; Editing by Chad Johnson)", True),
    ("Additional reporting by Israel Katz", True),
    ("Photo: Jordan Peterson/Reuters", True),
    ("REUTERS/Israel Katz", True),
    ("File photo by Georgia Rowe/AFP via Getty Images", True),
    ("Reporting by the ministry showed losses in Ireland.", False),
    ("Credit markets in Jordan fell.", False),
])
def test_trailer_and_photo_credit_lines(line, furniture_line):
    assert furniture.is_trailer(line) is furniture_line


def test_unnormalized_text_skips_inline_credits(gazetteer):
    body = "France will send troops (Photo: Jordan/Reuters), the ministry said. Reporting by Irish Katz"
    assert [body[a:b] for a, b in furniture.furniture_spans(body)] == ["(Photo: Jordan/Reuters)", "Reporting by Irish Katz"]
    assert _all_mentioned(body, gazetteer) == {"FR"}


def test_georgia_the_state_and_georgia_the_country(gazetteer):
    us = _codes("Coca-Cola said sales in Georgia and Texas rose.", gazetteer, dateline="ATLANTA, Ga.")
    assert us[0] == ["US"] and [s.text for s in us[2][0].evidence][-2:] == ["Georgia", "Texas"]
    ge = _codes("Georgia and Armenia signed a transit deal in Tbilisi.", gazetteer)[0]
    assert "GE" in ge and "US" not in ge


def test_a_name_joined_by_spaces_or_tabs_is_a_persons_and_one_across_a_line_is_not(gazetteer):
    # the neighbour is read from the shared word form: its offsets decide what stands between the words
    for gap in (" ", "  ", "\t", " \t "):
        assert not find_places(f"Analyst Chad{gap}Kowalski said.", "body", gazetteer)
    assert [p.code for p, _ in find_places("Kowalski\nChad said no.", "body", gazetteer)] == ["TD"]


def test_places_from_the_shared_words_are_the_places_of_the_text(gazetteer):
    from wirewatch.transforms.tokens import StoryWords

    story = Story(id="x", dateline="SEOUL, March 3", title="Kim’s Hwasong-19 test",
                  body="North Korea's test alarmed Japan, officials in Tokyo said (Reporting by Ju-min Park in Seoul)")
    words = StoryWords(story)
    assert [w.words for w in map(words.of, ("dateline", "title", "body"))] == [
        ["SEOUL", "March", "3"], ["Kim", "Hwasong", "19", "test"], words.of("body").words]
    assert mentions(story, gazetteer, words) == mentions(story, gazetteer)
    assert classify(story, gazetteer, words) == classify(story, gazetteer)


def _features_one_at_a_time(found, body):
    """geotag.features written plainly: each feature its own pass over a country's mentions."""
    import math
    from collections import defaultdict

    by_code = defaultdict(list)
    for mention in found:
        by_code[mention.place.code].append(mention)
    sums = {code: sum(m.weight for m in ms) for code, ms in by_code.items()}
    top = max(sums.values(), default=1.0)
    length = max(1, len(body))
    listed = geotag._listed(found, body)
    out = {}
    for code, ms in by_code.items():
        in_body = [m for m in ms if m.span.field == "body"]
        first = min((m.span.start for m in in_body), default=length)
        out[code] = [
            float(any(m.span.field == "dateline" for m in ms)), float(min(2, sum(m.span.field == "title" for m in ms))),
            math.log1p(len(in_body)), first / length, min(first, 3000) / 1000, max(m.place.weight for m in ms),
            sums[code] / top, float(sums[code] == top), math.log(length), math.log(len(by_code)),
            float(all(m.place.kind not in ("country", "alias", "demonym") for m in ms)),
            float(all(m.place.kind == "demonym" for m in ms)), len({m.span.text.casefold() for m in ms}) / len(ms),
            float(code in listed), len(ms) / len(found),
        ]
    return out


_MENTIONS = st.lists(st.tuples(
    st.sampled_from(["FR", "DE", "IT", "US"]), st.sampled_from(["country", "alias", "demonym", "capital", "city"]),
    st.sampled_from([0.6, 0.8, 1.0, 0.48]), st.sampled_from(["dateline", "title", "body"]), st.integers(0, 5000),
    st.sampled_from(["Paris", "paris", "French", "Berlin", "Italy"])), max_size=12)


@given(_MENTIONS, st.integers(0, 6000))
def test_features_in_one_pass_equal_each_feature_found_alone(rows, body_length):
    from wirewatch.records import Span
    from wirewatch.transforms.gazetteer import Place

    body = ("Word. " * 1000)[:body_length]
    found = [geotag.Mention(Place(code, kind, text, weight), Span(field, start, start + len(text), text), weight * 2)
             for code, kind, weight, field, start, text in rows]
    assert geotag.features(found, body) == _features_one_at_a_time(found, body)


def _tags_plainly(found, body, with_dateline, gazetteer):
    """classify's tags and regions from its mentions, as first written: the evidence gathered per country,
    each country's probability by the model, every list sorted."""
    from collections import defaultdict

    from wirewatch.records import CountryTag

    evidence = defaultdict(list)
    for mention in found:
        evidence[mention.place.code].append(mention.span)
    model = about_model(with_dateline)
    tags = []
    for code, values in _features_one_at_a_time(found, body).items():
        p = model.probability(values)
        if p >= model.threshold:
            tags.append(CountryTag(code, round(p, 3), tuple(evidence[code][:geotag.MAX_EVIDENCE])))
    tags.sort(key=lambda t: (-t.score, t.code))
    region_scores = defaultdict(float)
    for tag in tags:
        region = gazetteer.subregion(tag.code)
        if region:
            region_scores[region] += tag.score
    return tuple(tags), tuple(sorted(region_scores, key=lambda r: (-region_scores[r], r)))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["FR", "DE", "IT", "US", "XX"]), st.sampled_from(["country", "alias", "demonym", "capital", "city"]),
    st.sampled_from([0.6, 0.8, 1.0, 0.48, 0.3]), st.sampled_from(["dateline", "title", "body"]), st.integers(0, 5000),
    st.sampled_from(["Paris", "paris", "French", "Berlin", "Italy"])), max_size=14), st.integers(0, 6000),
    st.booleans())
def test_tags_from_mentions_equal_the_plain_classify(gazetteer, rows, body_length, with_dateline):
    from wirewatch.records import Span
    from wirewatch.transforms.gazetteer import Place

    body = ("Word. " * 1000)[:body_length]
    found = [geotag.Mention(Place(code, kind, text, weight), Span(field, start, start + len(text), text), weight * 3)
             for code, kind, weight, field, start, text in rows]
    assert _answer(geotag._tags, found, body, with_dateline, gazetteer) == _answer(
        _tags_plainly, found, body, with_dateline, gazetteer)


def _answer(function, *args):
    """What ``function`` returns, or the type of what it raises (a span far past the body's end can take the
    model's exponent out of range, in either version)."""
    try:
        return function(*args)
    except ArithmeticError as exc:
        return type(exc)


def test_tags_from_mentions_on_the_test_stories(gazetteer):
    """The same on the mentions of real stories, with some tagged in two regions."""
    from pathlib import Path

    from wirewatch.connectors.files.read import parse_jsonl

    path = Path(__file__).resolve().parents[1] / "data" / "geotag" / "multilingual.jsonl"
    stories = [normalize(s) for s in parse_jsonl(path.read_bytes(), str(path)) if isinstance(s, Story)]
    found = [(mentions(s, gazetteer), s) for s in stories]
    answers = [geotag._tags(ms, s.body, bool(s.dateline), gazetteer) for ms, s in found]
    assert answers == [_tags_plainly(ms, s.body, bool(s.dateline), gazetteer) for ms, s in found]
    assert sum(bool(tags) for tags, _ in answers) > 20 and any(len(regions) > 1 for _, regions in answers)


def test_a_remembered_dateline_is_placed_by_the_gazetteer_asked(gazetteer):
    from wirewatch.transforms.gazetteer import Gazetteer

    story = Story(id="x", dateline="PARIS", body="The talks went on.")
    assert [c.code for c in classify(story, gazetteer)[0]] == ["FR"]
    assert classify(story, Gazetteer([], {}, {}))[0] == ()  # the same dateline, a gazetteer without Paris
    assert [c.code for c in classify(story, gazetteer)[0]] == ["FR"]
    spans = [s for c in classify(story, gazetteer)[0] for s in c.evidence]
    assert [(s.field, s.start, s.end, s.text) for s in spans] == [("dateline", 0, 5, "PARIS")]


def _compiled_scan_or_skip(gazetteer):
    """The compiled mention finder, made now (the trie is made after ``COMPILE_AFTER`` look-ups)."""
    from tests.conftest import skip_unless_required
    from wirewatch.transforms.tokens import COMPILE_AFTER, Words

    if geotag._PlaceScan is None:
        skip_unless_required("the compiled core (wirewatch_native) with PlaceScan is not built (needs cargo; "
                             "scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")
    for _ in range(COMPILE_AFTER):
        gazetteer.index.folded_triples(Words("In Paris."))
    assert geotag._place_scan(gazetteer) is not None


def _python_places(text, field, gazetteer, words):
    with pytest.MonkeyPatch.context() as m:
        m.setattr(geotag, "_PlaceScan", None)
        return find_places(text, field, gazetteer, (), words)


# Words that reach every branch of the name checks: honorifics, company ends, name-like and English words,
# places of each kind, exact-case names, and words whose case or folding needs more than ASCII.
_PIECES = [
    "Jordan", "Chad", "Georgia", "Paris", "France", "French", "China", "Chinese", "North", "Korea", "Korean", "US",
    "U.S.", "us", "UK", "U.K", "U.S", "Mr", "mr", "Sen.", "President", "Toyota", "Motor", "Corp", "Nippon", "Steel",
    "Inc", "Smith", "John", "Irish", "the", "The", "in", "May", "March", "Monday", "Zürich", "Ägypten", "ſir",
    "Ｓmith", "Éric", "ÉTATS", "İstanbul", "Straße", "new", "York", "New", "Washington", "Reuters", "said", "Co",
    "Holdings", "Lagos", "Brazil's", "Mexico’s", "O'Brien", "de", "Gaulle", "Sao", "Paulo", "São", "Kelvin",
    "Burma", "Soviet", "Union", "Britain", "British", "Indian", "India", "Mumbai", "Delhi", "X", "x9", "9X",
]
_GAPS = [" ", " ", " ", "  ", "\t", " \t", ", ", ". ", "\n", "-", "'", " (", ") ", "—", "\u00a0", ""]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GAPS)), max_size=30),
       st.sampled_from(["title", "body"]))
def test_the_compiled_mention_finder_finds_what_python_finds(gazetteer, pieces, field):
    from wirewatch.transforms.tokens import Words

    _compiled_scan_or_skip(gazetteer)
    text = "".join(word + gap for word, gap in pieces)
    words = Words(text)
    compiled = geotag._compiled_english_places(text, field, gazetteer, words)
    python = _python_places(text, field, gazetteer, words)
    assert compiled is None or compiled == python
    if text.isascii():
        assert compiled is not None  # it declines only text whose case needs more than ASCII


def _reuters_fields(shared_corpora, stories: int = 2000):
    """(field, text) of each non-empty title and body of the first Reuters-21578 training stories."""
    import orjson

    path = shared_corpora / "geo" / "reuters21578-train.jsonl"
    for line in path.read_bytes().splitlines()[:stories]:
        row = orjson.loads(line)
        for field in ("title", "body"):
            if row.get(field):
                yield field, row[field]


def test_the_compiled_mention_finder_on_reuters(gazetteer, shared_corpora):
    from wirewatch.transforms.tokens import Words

    _compiled_scan_or_skip(gazetteer)
    checked = 0
    for field, text in _reuters_fields(shared_corpora):
        words = Words(text)
        compiled = geotag._compiled_english_places(text, field, gazetteer, words)
        assert compiled == _python_places(text, field, gazetteer, words)
        checked += bool(compiled)
    assert checked > 1000


# Trailers and photo credits (names there are people's: furniture_spans), non-ASCII words and possessives
# (offsets in code points).
_FURNITURE_PIECES = ["’s", "'s", "北京", "Köln's", "Reporting by", "(Reporting by", "Editing by", "Photo:",
                     "REUTERS/", ";", ")"]


def _text_scan_or_skip(gazetteer):
    from tests.conftest import skip_unless_required

    _compiled_scan_or_skip(gazetteer)
    if not geotag._SCAN_TEXT:
        skip_unless_required("the compiled core's PlaceScan.scan_text is not built for this Python's Unicode "
                             "database (needs cargo; scripts/bootstrap)", required_by="WIREWATCH_REQUIRE_NATIVE")


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES + _FURNITURE_PIECES), st.sampled_from(_GAPS)), max_size=30),
       st.sampled_from(["title", "body"]))
@example([("Talks", " "), ("in", " "), ("Paris", ".\n"), ("Reporting by", " "), ("John", " "), ("Irish", " "),
          ("in", " "), ("Paris", "")], "body")
def test_the_mention_finder_on_the_text_finds_what_it_finds_on_the_words(gazetteer, pieces, field):
    """The core splitting the text itself gives the mentions it gives on the words Words splits (offsets in
    code points, after non-ASCII words too), and declines the same texts."""
    from wirewatch.transforms.tokens import Words

    _text_scan_or_skip(gazetteer)
    text = "".join(word + gap for word, gap in pieces)
    assert geotag._compiled_english_text(text, field, gazetteer) == geotag._compiled_english_places(
        text, field, gazetteer, Words(text))


def test_the_mention_finder_on_the_text_on_reuters(gazetteer, shared_corpora):
    from wirewatch.transforms.tokens import Words

    _text_scan_or_skip(gazetteer)
    checked = 0
    for field, text in _reuters_fields(shared_corpora):
        found = geotag._compiled_english_text(text, field, gazetteer)
        assert found == geotag._compiled_english_places(text, field, gazetteer, Words(text))
        checked += bool(found)
    assert checked > 1000


def test_the_mention_finder_on_the_text_declines_a_lone_surrogate(gazetteer):
    _text_scan_or_skip(gazetteer)
    assert geotag._compiled_english_text("Talks in Paris \ud800", "body", gazetteer) is None
    story = Story(id="x", title="Talks in Paris", body="France agreed \ud800.")  # Python's words answer
    assert [c.code for c in classify(story, gazetteer)[0]] == ["FR"]


def test_classify_uses_the_compiled_mention_finder_once_the_trie_is_made(gazetteer, monkeypatch):
    _compiled_scan_or_skip(gazetteer)
    answered = []
    name = "_compiled_english_text" if geotag._SCAN_TEXT else "_compiled_english_places"
    finder = getattr(geotag, name)
    monkeypatch.setattr(geotag, name, lambda *a: answered.append(finder(*a)) or answered[-1])
    story = Story(id="x", title="Talks in Paris", body="Mr Jordan said France and Toyota Motor Corp agreed.")
    assert [c.code for c in classify(story, gazetteer)[0]] == ["FR"]
    assert [[span.text for _, span in found] for found in answered] == [["Paris"], ["France"]]


def _listed_plainly(found, body):
    """geotag._listed with every sentence end of the body found first."""
    import bisect
    from collections import defaultdict

    if len({m.place.code for m in found if m.span.field == "body"}) < 3:
        return set()
    ends = [m.end() for m in geotag._SENTENCE_END.finditer(body)]
    by_sentence = defaultdict(set)
    for m in found:
        if m.span.field == "body":
            by_sentence[bisect.bisect_right(ends, m.span.start)].add(m.place.code)
    return {code for codes in by_sentence.values() if len(codes) >= 3 for code in codes}


@settings(max_examples=500)
@given(st.lists(st.tuples(st.sampled_from(["FR", "DE", "IT", "US", "GB"]), st.sampled_from(["title", "body", "body"]),
                          st.integers(0, 120)), min_size=3, max_size=16),
       st.lists(st.sampled_from([". ", "! ", "? The ", ". The ", "\n\n", "\n ", ". (", "; A", " said", ", ", "x"]),
                min_size=5, max_size=40))
@example([("FR", "body", 0), ("DE", "body", 1), ("IT", "body", 4)], ["ab", "\n\n", "cd"])  # an end at a start
def test_listed_countries_are_those_of_sentences_naming_three(rows, pieces):
    from wirewatch.records import Span
    from wirewatch.transforms.gazetteer import Place

    body = "".join(pieces)
    found = [geotag.Mention(Place(code, "country", code, 1.0), Span(field, start, start + 2, code), 1.0)
             for code, field, start in rows]
    assert geotag._listed(found, body) == _listed_plainly(found, body)
