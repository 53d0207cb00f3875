"""Which language a story is written in (ISO 639-1), for stories whose source did not say.

lingua (its models ship inside its wheel) decides, in its fast low-accuracy mode and among the languages
wirewatch has stemmers or names for. Two cheap checks come first, because lingua costs more per story
than the rest of the chain: text whose own script says the language (Hangul is Korean, kana is Japanese,
Han without kana is Chinese), and text that is plainly English (English function words, and few of other
languages'), which is most of an English wire feed.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from wirewatch.transforms.rulelang.compiled import wanted, wirewatch_native

SAMPLE = 400  # characters of title and body the cheap checks look at: a lead says which language a story is in
LINGUA_SAMPLE = 200  # characters lingua looks at (its time grows with the text)
MIN_LETTERS = 12  # fewer letters than this say nothing reliable: no language
# ISO 639-1 codes lingua chooses among: the gazetteer's languages and the larger news languages that
# have a Snowball stemmer in the rule language. Each candidate costs lingua time on every story it sees.
CANDIDATES = (
    "ar", "de", "en", "es", "fa", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sv", "tr", "uk", "zh",
)
_ENGLISH = frozenset(
    "the and to is for that with said by from it he his its has have are were would this which after not but "
    "they their been had who of in on at".split()
)
# The commonest function words of the other large languages written in Latin script (German, French,
# Spanish, Italian, Portuguese, Dutch): a text with as many of them as of English ones is not plainly English.
_OTHERS = frozenset(
    "der die das und ist nicht ein eine mit den le la les et est une des du pour dans que qui el los las y es "
    "por con una del para lo il di che della per gli al um uma os não com em da do je het een van ook niet "
    "zijn".split()
)
_WORD = re.compile(r"[^\W\d_]+")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect(title: str | None, body: str | None) -> str | None:
    """The ISO 639-1 code of the language of ``title`` and ``body``, or None when there is too little text
    to tell (or lingua cannot tell)."""
    sample = ((title or "") + "\n" + (body or ""))[:SAMPLE]
    if sample.isascii():  # (the compiled check answers only ASCII text)
        plainly = _plainly_english(sample.lower().split(None, 60)) if _CHECK is None else _CHECK.plainly(sample)
    else:
        by_script = _by_script(sample)
        if by_script:
            return by_script
        plainly = _plainly_english(sample.lower().split(None, 60))
    if plainly:  # split, not a regex: this answers most stories
        return "en"
    if sum(map(len, _WORD.findall(sample))) < MIN_LETTERS:
        return None
    found = detector().detect_language_of(sample[:LINGUA_SAMPLE])
    return found.iso_code_639_1.name.lower() if found is not None else None


def _plainly_english(words: list[str]) -> bool:
    """Among the first sixty words, two English function words or more, and more than twice as many as
    the function words of the other large Latin-script languages."""
    head = words[:60]  # (the caller splits off no more than these, and the rest in one piece)
    english = sum(map(_ENGLISH.__contains__, head))  # True counts 1
    if english < 2:
        return False
    # most English text holds none of the others' words: one look, stopped at the first, instead of a count
    return _OTHERS.isdisjoint(head) or english > 2 * sum(map(_OTHERS.__contains__, head))


# ``_plainly_english`` of an ASCII sample by the compiled core (native/src/lines.rs), from the sample itself (no
# lower-cased copy, no list of words); None where the core is not built, is older or is turned off.
_EnglishCheck = getattr(wirewatch_native, "EnglishCheck", None) if wanted() else None
_CHECK = (_EnglishCheck(sorted(_ENGLISH), sorted(w for w in _OTHERS if w.isascii()), 60)
          if _EnglishCheck is not None else None)


def _by_script(sample: str) -> str | None:
    """Korean, Japanese or Chinese when the sample is written mostly in that script."""
    hangul, kana, han = (len(p.findall(sample)) for p in (_HANGUL, _KANA, _HAN))
    letters = sum(1 for ch in sample if ch.isalpha())
    if not letters:
        return None
    if hangul * 2 >= letters:
        return "ko"
    if kana and (kana + han) * 2 >= letters:
        return "ja"
    if han * 2 >= letters:
        return "zh"
    return None


@functools.lru_cache(maxsize=1)
def detector() -> Any:
    """lingua's detector over CANDIDATES, built once per process (its models are read-only)."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in CANDIDATES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
