import pytest

from wirewatch.transforms.gazetteer import default_gazetteer
from wirewatch.transforms.geotag import classify, find_places
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
    assert _codes("The U.S. and the UK agreed.", gazetteer)[0] == ["GB", "US"]
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
    assert _codes("The Soviet Union and West Germany signed a grain deal.", gazetteer)[0] == ["DE", "RU"]
