"""Country names, demonyms and capitals in other languages (``transforms/data/names-i18n.json``, written by
``scripts/gazetteer-names`` from CLDR and GeoNames), and how each language's words become lookup keys so
that inflected, cliticised and unspaced forms find them:

- German, French, Spanish, Italian, Portuguese: Snowball stems ("allemande", "allemands" -> "allemand");
- Russian, Ukrainian: case endings cut off both the name and the word ("России", "Россию" -> "росс");
- Arabic: alef forms made one, and the proclitics (و ف ب ل ك ال) taken off a word when what remains is a
  known name's word ("والصين" -> "صين");
- Korean: particles and the plural 들 taken off the end of a word when what remains is a known name
  ("독일은", "독일의" -> "독일");
- Chinese and Japanese, written without spaces: every Han or kana character is a token, and names are
  character sequences, matched longest first ("中国人" before "中国"); a katakana name must not run on
  into more katakana ("マリ" is not in "マリオ").
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from wirewatch.transforms.tokens import PhraseIndex, Token, snowball, tokenize

LANGUAGES = ("de", "fr", "es", "it", "pt", "ru", "uk", "ar", "zh", "ja", "ko")
NAMES_PATH = Path(__file__).resolve().parent / "data" / "names-i18n.json"

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_KATAKANA = re.compile(r"[\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")  # not the middle dot
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_CJK = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_SCRIPT_LANGUAGES = ((_CYRILLIC, ("ru", "uk")), (_ARABIC, ("ar",)), (_HANGUL, ("ko",)), (_KANA, ("ja",)),
                     (_HAN, ("zh",)))
_ANY_OTHER_SCRIPT = re.compile("|".join(p.pattern for p, _ in _SCRIPT_LANGUAGES))

_SNOWBALL = {"de": "german", "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese"}
# Russian and Ukrainian noun and adjective endings, longest first; at least 3 letters of stem stay.
_CYRILLIC_ENDINGS = tuple(sorted(
    "ами ями ого его ому ему ими ыми ией ією ией ою ею ой ей ий ый ій ая яя ое ее ые ие их ых ім им ым ом ем "
    "ах ях ов ев ів їв ії ии ия ія ию ію ья ьи ью ям ам ую юю а я о е и ы і ї у ю й ь є".split(),
    key=len, reverse=True))
_ARABIC_PROCLITICS = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_KOREAN_PARTICLES = tuple(sorted(
    "에서는 에서도 으로는 으로도 에게서 이라는 까지 부터 에서 에게 으로 보다 처럼 이나 라는 과의 와의 에는 에도 에선 "
    "들은 들이 들의 들을 들과 의 은 는 이 가 을 를 에 와 과 로 도 만 들".split(), key=len, reverse=True))


def languages_for(language: str | None, *texts: str) -> tuple[str, ...]:
    """The languages whose names to look up: the story's own (``Story.language``, e.g. "de" or "pt-BR") and
    those whose script the texts use (Cyrillic: ru, uk; Arabic; Hangul; kana: ja; Han: zh)."""
    found = []
    primary = (language or "").split("-")[0].split("_")[0].lower() if language else ""
    if primary in LANGUAGES:
        found.append(primary)
    for text in texts:
        if text.isascii() or not _ANY_OTHER_SCRIPT.search(text):  # isascii() is a flag check
            continue
        for pattern, langs in _SCRIPT_LANGUAGES:
            if pattern.search(text):
                found.extend(lang for lang in langs if lang not in found)
    return tuple(found)


def place_tokens(text: str) -> list[Token]:
    """Words with offsets; a run of Han or kana characters becomes one token per character."""
    tokens = tokenize(text)
    if not _CJK.search(text):
        return tokens
    out = []
    for token in tokens:
        if not _CJK.search(token.text):
            out.append(token)
            continue
        run_start = None
        for i, ch in enumerate(token.text):
            if _CJK.fullmatch(ch):
                if run_start is not None:
                    out.append(Token(token.text[run_start:i], token.start + run_start, token.start + i))
                    run_start = None
                out.append(Token(ch, token.start + i, token.start + i + 1))
            elif run_start is None:
                run_start = i
        if run_start is not None:
            out.append(Token(token.text[run_start:], token.start + run_start, token.end))
    return out


def katakana_joined(text: str, start: int, end: int) -> bool:
    """Whether katakana at either end of text[start:end] runs on into more katakana."""
    return bool((_KATAKANA.fullmatch(text[start]) and start > 0 and _KATAKANA.fullmatch(text[start - 1]))
                or (_KATAKANA.fullmatch(text[end - 1]) and end < len(text) and _KATAKANA.fullmatch(text[end])))


def _alef(word: str) -> str:
    return word.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")


def _cut_ending(word: str, endings: Sequence[str], keep: int) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            return word[: -len(ending)]
    return word


@dataclass(frozen=True)
class LanguageNames:
    """One language's names: a phrase index over keys made by ``key``."""

    lang: str
    index: PhraseIndex
    known: frozenset[str]  # the keys of every word of every name (for clitic and particle stripping)

    def keys(self, tokens: Sequence[Token]) -> list[str]:
        return [self.key(t.text) for t in tokens]

    def key(self, word: str) -> str:
        return _word_key(self.lang, word, self.known)


@functools.lru_cache(maxsize=200_000)
def _base_key(lang: str, word: str) -> str:
    """The key of a word of a name, and of a text word before any lookup-driven stripping."""
    word = word.casefold()
    if lang in _SNOWBALL:
        return _stem(lang, word)
    if lang in ("ru", "uk"):
        return _cut_ending(word.replace("ё", "е"), _CYRILLIC_ENDINGS, 3)
    if lang == "ar":
        return _alef(word)
    return word


def _stem(lang: str, word: str) -> str:
    return snowball(_SNOWBALL[lang]).stemWord(word)


@functools.lru_cache(maxsize=200_000)
def _word_key(lang: str, word: str, known: frozenset[str]) -> str:
    key = _base_key(lang, word)
    if key in known or lang not in ("ar", "ko"):
        return key
    if lang == "ar":
        for clitic in _ARABIC_PROCLITICS:
            if key.startswith(clitic) and key[len(clitic):] in known:
                return key[len(clitic):]
        return key
    for _ in range(2):  # a particle, or the plural 들 and a particle ("미국인들은")
        cut = _cut_ending(key, _KOREAN_PARTICLES, 1)
        if cut == key:
            break
        key = cut
        if key in known:
            return key
    return _base_key(lang, word)


def name_keys(lang: str, name: str) -> tuple[str, ...]:
    return tuple(_base_key(lang, t.text) for t in place_tokens(name))


def build(lang: str, places: Iterable, payload_key: Callable = lambda p: p) -> LanguageNames:
    """A language's index over ``places`` (gazetteer Places with ``.name``): one place per key, the key's
    places must agree on a country (a country's name wins over a capital's or a demonym's of another)."""
    by_key: dict[tuple[str, ...], list] = {}
    for place in places:
        keys = name_keys(lang, place.name)
        if keys:
            by_key.setdefault(keys, []).append(place)
    kept = []
    for keys, candidates in by_key.items():
        codes = {p.code for p in candidates}
        countries = {p.code for p in candidates if p.kind == "country"}
        if len(codes) == 1 or len(countries) == 1:
            chosen = [p for p in candidates if len(codes) == 1 or p.kind == "country"]
            kept.append((keys, max(chosen, key=lambda p: p.weight)))
    known = frozenset(k for keys, _ in kept for k in keys)
    return LanguageNames(lang, PhraseIndex((keys, payload_key(p)) for keys, p in kept), known)


def read_names(path: Path = NAMES_PATH) -> dict[str, list[tuple[str, str, str]]]:
    """Language -> (country code, kind, name) rows of the data file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {lang: [tuple(row) for row in rows] for lang, rows in data["names"].items()}
