"""Language identification (transforms.language) and its place in Normalize: the story's language is
filled when the source gave none, and kept when it did."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.records import Story
from wirewatch.transforms import language
from wirewatch.transforms.normalize import normalize


@pytest.mark.parametrize(("text", "code"), [
    ("Russia's defence ministry said on Wednesday that it had pulled its troops back from the river.", "en"),
    ("Russland zieht seine Truppen aus Syrien ab, teilte das Verteidigungsministerium in Moskau mit.", "de"),
    ("La France va retirer ses troupes du Niger d'ici la fin de l'année, a annoncé le ministère.", "fr"),
    ("Rusia retira sus tropas de la región de Jersón, según el ministerio de Defensa.", "es"),
    ("Il governo italiano ha deciso di inviare nuove armi all'Ucraina entro marzo.", "it"),
    ("O governo brasileiro anunciou que vai enviar ajuda humanitária para a região.", "pt"),
    ("Россия выводит войска из Херсона, сообщило министерство обороны.", "ru"),
    ("Росія виводить війська з Херсона, повідомило міністерство оборони України.", "uk"),
    ("أعلنت وزارة الدفاع الروسية سحب القوات من خيرسون يوم الأربعاء.", "ar"),
    ("朝鲜向日本海方向发射了一枚洲际弹道导弹。", "zh"),
    ("北朝鮮が大陸間弾道ミサイルを発射したと防衛省が発表した。", "ja"),
    ("북한이 동해상으로 대륙간탄도미사일을 발사했다.", "ko"),
])
def test_detects_the_language_of_a_lead(text, code):
    assert language.detect(None, text) == code


def test_too_little_text_is_no_language():
    assert language.detect(None, "Q3 2025") is None
    assert language.detect("", "") is None


def test_english_shortcut_does_not_take_other_latin_languages():
    # German with English-looking words ("in", "was") must still go to lingua
    words = "die regierung hat in berlin gesagt was die armee in der region tut und das ist nicht gut".split()
    assert not language._plainly_english(words)
    assert language._plainly_english("the ministry said that it had pulled the troops back".split())


def test_normalize_fills_a_missing_language_and_keeps_a_given_one():
    text = "La France va retirer ses troupes du Niger d'ici la fin de l'année, a annoncé le ministère."
    assert normalize(Story(id="a", body=text)).language == "fr"
    assert normalize(Story(id="b", body=text, language="fr-CA")).language == "fr-CA"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["the", "and", "said", "der", "la", "et", "de", "shr", "cts", "vs", "of", "in", "x"]),
                max_size=80))
def test_plainly_english_counts_as_the_plain_definition(words):
    from wirewatch.transforms import language

    head = words[:60]
    english = sum(1 for w in head if w in language._ENGLISH)
    others = sum(1 for w in head if w in language._OTHERS)
    assert language._plainly_english(words) == (english >= 2 and english > 2 * others)
    # as detect asks: the text split no further than sixty words, the rest in one piece
    assert language._plainly_english("  ".join(words).split(None, 60)) == (english >= 2 and english > 2 * others)
