"""icbm, troop-withdrawal and arms-transfer of the default watch list in German, French, Spanish and
Russian (and icbm in Chinese, Japanese and Korean), by sentences written in those languages
(tests/data/concepts/sentences/i18n/LANG.txt: ``+rule sentence`` fires, ``-rule sentence`` does not).
Each sentence goes through the whole chain with no language given: Normalize identifies it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.records import Story
from wirewatch.transforms.enrich import Enricher, enrich_batch

I18N = Path(__file__).resolve().parents[2] / "data" / "concepts" / "sentences" / "i18n"
LANGUAGES = ("de", "fr", "es", "ru", "zh", "ja", "ko")


def cases(language: str) -> list[tuple[str, str, bool]]:
    """(rule, sentence, fires) per line."""
    out = []
    for line in (I18N / f"{language}.txt").read_text(encoding="utf-8").splitlines():
        mark, rule = line[0], line[1:].split(" ", 1)[0]
        out.append((rule, line[len(rule) + 2:], mark == "+"))
    return out


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.create()


@pytest.mark.parametrize("language", LANGUAGES)
def test_rules_fire_in_the_stories_language(enricher, language):
    found = cases(language)
    rules = {rule for rule, _, fires in found if fires}
    assert rules == ({"icbm"} if language in ("zh", "ja", "ko") else {"icbm", "troop-withdrawal", "arms-transfer"})
    enriched, _ = enrich_batch([Story(id=f"{language}{n}", body=text) for n, (_, text, _) in enumerate(found)],
                               enricher)
    wrong = []
    for (rule, text, fires), story in zip(found, enriched, strict=True):
        assert story.story.language == language, text  # identified by Normalize
        if (rule in {m.rule for m in story.matches}) != fires:
            wrong.append(("missed" if fires else "flagged", rule, text))
    assert not wrong


def test_a_story_in_a_third_language_is_not_stemmed_as_german(enricher):
    # "Truppen ... abziehen" is German; in a story that says it is French its German stems are not made
    french = Story(id="x", body="Russland zieht seine Truppen aus Cherson ab.", language="fr")
    german = Story(id="y", body="Russland zieht seine Truppen aus Cherson ab.", language="de")
    enriched, _ = enrich_batch([french, german], enricher)
    assert [any(m.rule == "troop-withdrawal" for m in e.matches) for e in enriched] == [False, True]
