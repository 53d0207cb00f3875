import json

import pytest

from wirewatch.records import Story
from wirewatch.transforms.gazetteer import default_gazetteer
from wirewatch.transforms.gazetteer_langs import LANGUAGES, NAMES_PATH, languages_for, place_tokens
from wirewatch.transforms.geotag import classify, mentions

REQUIRED = ("de", "fr", "es", "it", "pt", "ru", "uk", "ar", "zh", "ko")


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def _found(gazetteer, text, language):
    story = Story(id="x", body=text, language=language)
    found = mentions(story, gazetteer)
    for m in found:
        assert story.body[m.span.start : m.span.end] == m.span.text  # the evidence spans contract
    return {(m.place.code, m.span.text) for m in found}


@pytest.mark.parametrize("language, text, expected", [
    # country names (inflected), demonyms (inflected, lower case) and capitals in each language
    ("de", "Deutschlands Regierung sprach in Moskau mit russischen Diplomaten.",
     {("DE", "Deutschlands"), ("RU", "Moskau"), ("RU", "russischen")}),
    ("fr", "Les autorités allemandes ont reçu à Moscou un émissaire de la Chine.",
     {("DE", "allemandes"), ("RU", "Moscou"), ("CN", "Chine")}),
    ("es", "Las empresas alemanas invierten en Moscú y en España.",
     {("DE", "alemanas"), ("RU", "Moscú"), ("ES", "España")}),
    ("it", "Le autorità tedesche e la Cina hanno firmato a Mosca.",
     {("DE", "tedesche"), ("CN", "Cina"), ("RU", "Mosca")}),
    ("pt", "A Alemanha e a Rússia assinaram em Moscou; o governo russo aprovou.",
     {("DE", "Alemanha"), ("RU", "Rússia"), ("RU", "Moscou"), ("RU", "russo")}),
    ("ru", "Решение Германии обсудили в Москве немецкие и китайские дипломаты.",
     {("DE", "Германии"), ("RU", "Москве"), ("DE", "немецкие"), ("CN", "китайские")}),
    ("uk", "Україну підтримали Польща та Німеччина; у Києві працюють польські інженери.",
     {("UA", "Україну"), ("PL", "Польща"), ("DE", "Німеччина"), ("PL", "польські")}),
    ("ar", "وقعت روسيا والصين اتفاقا في موسكو وانتقدت السلطات الألمانية القرار.",
     {("RU", "روسيا"), ("CN", "والصين"), ("RU", "موسكو"), ("DE", "الألمانية")}),
    ("zh", "德国人在莫斯科批评了美国的决定。", {("DE", "德国人"), ("RU", "莫斯科"), ("US", "美国")}),
    ("ko", "독일은 모스크바에서 미국인들의 결정을 비판했다.", {("DE", "독일은"), ("RU", "모스크바에서"), ("US", "미국인들의")}),
    ("ja", "ドイツ政府はモスクワでロシアと協議した。", {("DE", "ドイツ"), ("RU", "モスクワ"), ("RU", "ロシア")}),
])
def test_names_demonyms_and_capitals_in_other_languages(gazetteer, language, text, expected):
    assert _found(gazetteer, text, language) == expected


def test_words_that_only_look_like_names(gazetteer):
    assert _found(gazetteer, "Кубок мира пройдёт на Кубе.", "ru") == {("CU", "Кубе")}  # a cup is not Cuba
    assert _found(gazetteer, "マリオが勝った。", "ja") == set()  # Mario is not Mali (マリ)
    assert _found(gazetteer, "印度尼西亚火山喷发。", "zh") == {("ID", "印度尼西亚")}  # not India (印度)


def test_scripts_without_spaces_are_split_into_characters():
    tokens = place_tokens("中国和ロシア, G20")
    assert [t.text for t in tokens] == ["中", "国", "和", "ロ", "シ", "ア", "G20"]
    assert all("中国和ロシア, G20"[t.start : t.end] == t.text for t in tokens)


def test_without_a_language_scripts_still_say_which_names_to_try(gazetteer):
    assert languages_for(None, "Россия и Китай") == ("ru", "uk")
    assert languages_for("pt-BR", "O Brasil") == ("pt",)
    assert languages_for(None, "Plain English text.") == ()
    assert ("RU", "Россия") in _found(gazetteer, "Россия и Китай подписали соглашение.", None)
    # Latin-script languages need Story.language: lower-case demonyms are everyday words elsewhere
    assert _found(gazetteer, "Les autorités allemandes ont salué la décision.", None) == set()
    assert _found(gazetteer, "Les autorités allemandes ont salué la décision.", "fr") == {("DE", "allemandes")}


def test_english_name_rules_stay_in_english_text(gazetteer):
    # German capitalises every noun: "Regierung" before a name does not make it a person's name
    codes = [c.code for c in classify(Story(id="x", body="Die Regierung Iran lehnt den Vorschlag ab.", language="de"),
                                      gazetteer)[0]]
    assert codes == ["IR"]


def test_the_names_file_covers_every_language():
    names = json.loads(NAMES_PATH.read_text(encoding="utf-8"))["names"]
    assert set(REQUIRED) <= set(names) == set(LANGUAGES)
    for lang in REQUIRED:
        kinds = {kind for _, kind, _ in names[lang]}
        countries = {code for code, kind, _ in names[lang] if kind == "country"}
        assert kinds == {"country", "demonym", "capital"}, lang
        assert len(countries) > 200, lang


def test_multilingual_sample_floor(gazetteer):
    from bench.geotag_eval import figures, multilingual

    f = figures([({t.code for t in classify(s, gazetteer)[0]}, gold) for s, gold in multilingual()])
    assert f.precision >= 0.85 and f.recall >= 0.9, f
