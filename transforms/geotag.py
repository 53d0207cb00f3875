"""Which countries and UN M49 sub-regions a story is about, with evidence spans, by gazetteer vote.

Every mention is weighed by its kind (a country's name says more than a city's), its field (dateline,
headline, body) and how early it comes; a country is kept when its weight is enough on its own and next to the
story's leading country, so a passing mention deep in the body or one name in a list does not tag the story.
Names must be capitalised as written, and a name that is part of a person's name ("John Irish", "Chad
Smith") or a company's ("Toyota Motor Corp") is not a mention of a place.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import math
import operator
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from wirewatch.records import CountryTag, Span, Story
from wirewatch.transforms.furniture import in_furniture
from wirewatch.transforms.gazetteer import (
    ROLE_FIELDS, SHARED_WITH_US_STATES, WEIGHTS, Gazetteer, Place, is_english_word,
)
from wirewatch.transforms.gazetteer_langs import katakana_joined, languages_for, place_tokens
from wirewatch.transforms.lexicon import english_words
from wirewatch.transforms.rulelang.compiled import wanted, word_splitter, wirewatch_native
from wirewatch.transforms.tokens import PhraseIndex, StoryWords, Words

FIELD_WEIGHTS = {"dateline": 3.0, "title": 2.0, "body": 1.0}
MAX_EVIDENCE = 10
MODEL_PATH = Path(__file__).resolve().parent / "data" / "geotag-model.json"

# Words before a name that make it a person's: "Mr Jordan", "Sen. Chad ...".
_HONORIFICS = frozenset(
    "mr mrs ms miss dr sir lady lord dame rev sen rep gen col capt prof president minister king queen prince "
    "princess sheikh".split()
)
# Words that end a company's name: a place inside it ("Nippon Steel Corp") is not a mention of the place.
_COMPANY_ENDS = frozenset(
    "corp corporation inc incorporated co ltd limited plc ag sa nv bv gmbh spa ab oy asa kk bhd llc lp "
    "group holdings holding bancorp bancshares airlines airways motor motors steel industries".split()
)
# Words lemminflect's lexicon leaves out (closed-class words) or that start sentences as names do not.
_NOT_NAMES = frozenset(
    "the and of at for but with from if although a an nor every per than among against during into onto upon "
    "until unless because despite amid via both while when then there here where which who this that these "
    "those his her their its our all some any each no not also only even in on to by as or so after before "
    "january february march april may june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday".split()
)


class Mention(NamedTuple):
    """A place named in a story: a tuple, made for every name (a frozen dataclass costs more to make)."""

    place: Place
    span: Span
    weight: float  # what this mention adds to its country's score


def _is_name_word(word: str) -> bool:
    """A capitalised word that is no everyday English word and no month or day: a name's part."""
    return (word[:1].isupper() and word[1:].islower() and word.casefold() not in _NOT_NAMES
            and not is_english_word(word))


def _joined(words: Words, left: int, right: int) -> bool:
    """Whether only spaces or tabs (one at least) stand between words ``left`` and ``right``."""
    starts = words.starts
    gap = words.text[starts[left] + len(words.words[left]) : starts[right]]
    return gap == " " or (bool(gap) and not gap.strip(" \t"))


def _in_personal_name(words: Words, first: int, last: int, places: set[int]) -> bool:
    """Whether the name at words[first..last] is part of a person's name: after an honorific, or joined
    by a space to a capitalised word that is neither a place nor an English word ("John Irish", "Chad Smith")."""
    ws = words.words
    if first > 0 and _joined(words, first - 1, first):
        before = ws[first - 1]
        if before.casefold() in _HONORIFICS or (first - 1 not in places and _is_name_word(before)):
            return True
    if last + 1 < len(ws) and _joined(words, last, last + 1):
        if last + 1 not in places and _is_name_word(ws[last + 1]):
            return True
    return False


def _in_company_name(words: Words, last: int) -> bool:
    """Whether up to three capitalised words after the name end a company's name ("Toyota Motor Corp")."""
    ws = words.words
    for i in range(last + 1, min(last + 4, len(ws))):
        if not _joined(words, i - 1, i) or not ws[i][:1].isupper():
            return False
        if ws[i].casefold() in _COMPANY_ENDS:
            return True
    return False


def _hits(words: Words, field: str, gazetteer: Gazetteer,
          languages: tuple[str, ...]) -> list[tuple[int, int, Place]]:
    """Leftmost-longest names: English first, then the dateline-only names (in a dateline) and the names of
    the story's other languages, each where nothing before it matched."""
    # the English keys are the case-folded words (None: the index folds them itself)
    lookups: list[tuple[PhraseIndex, list[str] | None]] = [(gazetteer.index, None)]
    if field == "dateline":
        lookups.append((gazetteer.dateline_index, None))
    for lang in languages:
        names = gazetteer.languages.get(lang)
        if names:
            lookups.append((names.index, list(map(names.key, words.words))))
    text, ws = words.text, words.words
    found: list[tuple[int, int, Place]] = []
    covered: set[int] = set()
    for index, word_keys in lookups:
        taken_until = -1
        hits = index.folded_triples(words) if word_keys is None else index.leftmost_longest(word_keys)
        for first, last, place in hits:
            if first <= taken_until or (covered and not covered.isdisjoint(range(first, last + 1))):
                continue
            if (not place.lower and ws[first][:1].islower()) or field not in ROLE_FIELDS.get(place.kind, (field,)):
                continue
            if place.exact_case or place.lang == "ja":
                start, end = words.starts[first], words.end(last)
                if place.exact_case and text[start:end].replace(".", "") != place.name.replace(".", "").rstrip("."):
                    continue
                if place.lang == "ja" and katakana_joined(text, start, end):
                    continue
            taken_until = last
            found.append((first, last, place))
        if len(lookups) > 1:
            covered.update(i for first, last, _ in found for i in range(first, last + 1))
    return sorted(found, key=lambda h: h[0]) if len(lookups) > 1 else found


def _place_words(text: str) -> Words:
    """``Words`` of ``place_tokens``: a run of Han or kana characters one word per character."""
    tokens = place_tokens(text)
    return Words.from_pieces(text, [t.text for t in tokens], [t.start for t in tokens])


def find_places(text: str, field: str, gazetteer: Gazetteer,
                languages: tuple[str, ...] = (), words: Words | None = None) -> list[tuple[Place, Span]]:
    """Leftmost-longest gazetteer hits in ``text`` ("North Korean" wins over "Korea"), in English and in
    ``languages``, leaving out names inside reporter trailers and photo credits, and English names inside
    a person's or a company's name (in English text: other languages capitalise differently). ``words``:
    the text's shared word form, when the caller has it."""
    if {"zh", "ja"} & set(languages):
        words = _place_words(text)
    elif words is None:
        words = Words(text)
    if field != "dateline" and not languages:
        found = _compiled_english_places(text, field, gazetteer, words)
        if found is not None:
            return found
    hits = _hits(words, field, gazetteer, languages)
    places = {i for first, last, _ in hits for i in range(first, last + 1)}
    starts = words.starts if hits else []
    skipped = in_furniture(text, (starts[first] for first, _, _ in hits)) if hits and field != "dateline" else ()
    english_text = not languages
    found = []
    for first, last, place in hits:
        if field != "dateline" and (
            (english_text and place.lang == "en" and (
                _in_personal_name(words, first, last, places) or _in_company_name(words, last)))
            or starts[first] in skipped
        ):
            continue
        start, end = starts[first], words.end(last)
        found.append((place, Span(field, start, end, text[start:end])))
    return found


# The compiled core's mention finder (native/src/geotag.rs), None where the core is not built, is older or is
# turned off (WIREWATCH_NATIVE=0): find_places then answers in Python alone.
_PlaceScan = getattr(wirewatch_native, "PlaceScan", None) if wanted() else None
# Whether it also splits a text into words itself, as ``Words`` does where the core splits (``word_splitter``).
_SCAN_TEXT = _PlaceScan is not None and hasattr(_PlaceScan, "scan_text") and word_splitter() is not None


def _compiled_english_places(text: str, field: str, gazetteer: Gazetteer,
                             words: Words) -> list[tuple[Place, Span]] | None:
    """``find_places`` of English text in the title or body by the compiled core (``_hits`` and the person and
    company checks; the furniture spans here); None where it does not answer."""
    scan = _place_scan(gazetteer) if _PlaceScan is not None else None
    if scan is None:
        return None
    found, payloads = scan
    flat = found.scan(words.words, words.starts, text)
    if flat is None:
        return None
    if not flat:
        return []
    starts, ws = words.starts, words.words
    skipped = in_furniture(text, map(starts.__getitem__, flat[0::3]))
    out = []
    for first, last, number in zip(flat[0::3], flat[1::3], flat[2::3]):
        start = starts[first]
        if start in skipped:
            continue
        end = starts[last] + len(ws[last])
        out.append((payloads[number], Span(field, start, end, text[start:end])))
    return out


def _compiled_english_text(text: str, field: str, gazetteer: Gazetteer) -> list[tuple[Place, Span]] | None:
    """``_compiled_english_places`` of ``text`` split into words by the compiled core itself, as ``Words``
    splits it there (so no word becomes a Python string); None where it does not answer or the core splits
    otherwise (``Words`` then splits by regex) or is older."""
    if not _SCAN_TEXT:
        return None
    scan = _place_scan(gazetteer)
    if scan is None:
        return None
    found, payloads = scan
    flat = found.scan_text(text)
    if flat is None:
        return None
    if not flat:
        return []
    skipped = in_furniture(text, flat[0::3])
    out = []
    for start, end, number in zip(flat[0::3], flat[1::3], flat[2::3]):
        if start not in skipped:
            out.append((payloads[number], Span(field, start, end, text[start:end])))
    return out


def _place_scan(gazetteer: Gazetteer) -> tuple[object, list[Place]] | None:
    """The compiled mention finder over the gazetteer's compiled English trie and the places by number, made
    with the trie (``PhraseIndex.compiled_folding``: None until then); None where it cannot serve: a Japanese
    name (the katakana check) or a kind trusted in the title and not the body or the other way round."""
    compiled = gazetteer.index.compiled_folding()
    if compiled is None:
        return None
    made = gazetteer.compiled_scan
    if made is None or made[0] is not compiled:
        trie, payloads = compiled
        roles = [("title" in ROLE_FIELDS.get(p.kind, ("title",)), "body" in ROLE_FIELDS.get(p.kind, ("body",)))
                 for p in payloads]
        scan = None
        if all(t == b for t, b in roles) and all(p.lang != "ja" for p in payloads):
            rows = [(p.lower, p.name.replace(".", "").rstrip(".") if p.exact_case else None, not role[0],
                     p.lang == "en") for p, role in zip(payloads, roles)]
            scan = (_PlaceScan(trie, rows, sorted(english_words()), sorted(_NOT_NAMES), sorted(_HONORIFICS),
                               sorted(_COMPANY_ENDS)), payloads)
        made = gazetteer.compiled_scan = (compiled, scan)
    return made[1]


def _dateline_places(text: str, gazetteer: Gazetteer, languages: tuple[str, ...],
                     words: Words | None = None) -> list[tuple[Place, Span]]:
    """A dateline's places: where a later comma part names a state or country ("READING, Penn.",
    "Scarborough, Ontario"), a city of the same name elsewhere in the world is not meant."""
    found = find_places(text, "dateline", gazetteer, languages, words)
    by_part = [text.count(",", 0, span.start) for _, span in found]
    if len(found) > 1 and max(by_part) > 0:
        last_part = max(by_part)
        decided = {place.code for (place, _), part in zip(found, by_part) if part == last_part}
        found = [(place, span) for place, span in found if place.code in decided]
    return found


@functools.lru_cache(maxsize=4096)
def _known_dateline_places(text: str, gazetteer: Gazetteer,
                           languages: tuple[str, ...]) -> tuple[tuple[Place, Span], ...]:
    """``_dateline_places``, remembered: a wire's datelines repeat ("NEW YORK", "WASHINGTON"), and the places
    (frozen records) follow from the text, the gazetteer and the languages alone."""
    return tuple(_dateline_places(text, gazetteer, languages))


def mentions(story: Story, gazetteer: Gazetteer, words: StoryWords | None = None) -> list[Mention]:
    """Every place mention of the story's dateline, title and body with its weight, in English and in the
    story's language (``Story.language``, where a connector or the language step set it) or script.
    ``words``: the story's shared word form, when the caller has made it."""
    words = words or StoryWords(story)
    out = []
    texts = [(field, getattr(story, field)) for field in ("dateline", "title", "body")]
    languages = languages_for(story.language, *(text for _, text in texts if text))
    for field, text in texts:
        if not text:
            continue
        if field == "dateline":
            found = _known_dateline_places(text, gazetteer, languages)
        else:  # English text by the compiled core from the text itself, else from its words
            found = None if languages else _compiled_english_text(text, field, gazetteer)
            if found is None:
                found = find_places(text, field, gazetteer, languages, words.of(field))
        for place, span in found:
            out.append(Mention(place, span, place.weight * FIELD_WEIGHTS[field]))
    return _states_not_countries(out)


def _states_not_countries(found: list[Mention]) -> list[Mention]:
    """"Georgia" goes to the US where everything else in the story that names a country names the US and
    none of it names Georgia (Tbilisi, Georgian...)."""
    shared = [m for m in found if m.place.name in SHARED_WITH_US_STATES and m.place.lang == "en"]
    if not shared:
        return found
    others = {m.place.code for m in found if m not in shared}
    out = []
    for m in found:
        state_of = SHARED_WITH_US_STATES.get(m.place.name) if m in shared else None
        if state_of and state_of in others and m.place.code not in others:
            place = dataclasses.replace(m.place, code=state_of, kind="province", weight=WEIGHTS["province"])
            m = Mention(place, m.span, m.weight * WEIGHTS["province"] / m.place.weight)
        out.append(m)
    return out


_NATIONAL_KINDS = ("country", "alias", "demonym")  # names of the country itself, not of a place in it
FEATURES = (
    "dateline", "title", "body_mentions", "first_at", "first_chars", "best_kind", "share_of_top", "is_top",
    "body_length", "countries", "places_only", "demonyms_only", "distinct_forms", "listed", "mention_share",
)
_SENTENCE_END = re.compile(r"[.!?;:](?=\s+[A-Z\"“(])|\n\s*\n|\n(?=\s)")


@dataclass(frozen=True, slots=True)
class AboutModel:
    """A logistic model over ``FEATURES``: the probability that a story is about a country it mentions.
    Fitted by ``bench/geotag_fit.py`` on Reuters-21578 (train) and kept in ``transforms/data/``: one for
    stories with a dateline, one for stories without (fitted on the same stories, datelines taken off)."""

    weights: tuple[float, ...]  # per feature, on the raw values (the fit's standardisation folded in)
    bias: float
    threshold: float  # the probability from which a country is tagged, chosen from measurements

    def probability(self, values: list[float]) -> float:
        z = self.bias + sum(map(operator.mul, self.weights, values))
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_dict(cls, data: dict) -> "AboutModel":
        """From the fit's standardised weights: w * (v - mean) / scale = (w / scale) * v - w * mean / scale."""
        raw = [w / s for w, s in zip(data["weights"], data["scale"])]
        bias = data["bias"] - sum(r * m for r, m in zip(raw, data["mean"]))
        return cls(tuple(raw), bias, data["threshold"])


@functools.lru_cache(maxsize=2)
def about_model(with_dateline: bool) -> AboutModel:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{MODEL_PATH.name} was fitted for other features: refit with bench/geotag_fit.py")
    return AboutModel.from_dict(data["dateline" if with_dateline else "no_dateline"])


def _listed(found: list[Mention], body: str) -> set[str]:
    """Countries named in a sentence that names three or more ("plus 2.4 points for the Netherlands and West
    Germany, minus two for Denmark..."): wire copy tags every member of such a list."""
    if len({m.place.code for m in found if m.span.field == "body"}) < 3:
        return set()
    by_sentence: dict[int, set[str]] = defaultdict(set)
    last = max(m.span.start for m in found if m.span.field == "body")
    ends = _sentence_ends(body, last)  # the sentence ends up to the last mention's start (later ones place none)
    for mention in found:
        if mention.span.field == "body":
            by_sentence[bisect.bisect_right(ends, mention.span.start)].add(mention.place.code)
    return {code for codes in by_sentence.values() if len(codes) >= 3 for code in codes}


def _sentence_ends(body: str, last: int) -> list[int]:
    """The ends of _SENTENCE_END's matches in ``body`` before the first that ends after ``last``: by the
    compiled core in ASCII text (native/src/lines.rs), else by the regex."""
    if _compiled_sentence_ends is not None and body.isascii():  # (str.isascii reads a flag)
        return _compiled_sentence_ends(body, last)  # type: ignore[no-any-return]
    ends = []
    for m in _SENTENCE_END.finditer(body):
        if m.end() > last:
            break
        ends.append(m.end())
    return ends


_compiled_sentence_ends = getattr(wirewatch_native, "sentence_ends", None) if wanted() else None


def features(found: list[Mention], body: str) -> dict[str, list[float]]:
    """Per country, what its mentions say about whether the story is about it (in ``FEATURES`` order)."""
    return _features(_by_code(found), found, body)


def _by_code(found: list[Mention]) -> dict[str, list[Mention]]:
    """The mentions per country, in their order, the countries in order of first mention."""
    by_code: dict[str, list[Mention]] = {}
    for mention in found:
        code = mention.place.code
        ms = by_code.get(code)
        if ms is None:
            by_code[code] = [mention]
        else:
            ms.append(mention)
    return by_code


def _features(by_code: dict[str, list[Mention]], found: list[Mention], body: str) -> dict[str, list[float]]:
    """``features`` of the mentions grouped by ``_by_code``."""
    if not by_code:
        return {}
    length = max(1, len(body))
    gathered, top = _gathered(by_code, length)
    listed = _listed(found, body) if len(by_code) >= 3 else ()  # a list needs three countries in the body
    log_length, log_countries = math.log(length), math.log(len(by_code))
    out = {}
    for code, ms, total, in_dateline, in_title, in_body, first, best, national, demonyms, forms in gathered:
        count = len(ms)
        out[code] = [
            1.0 if in_dateline else 0.0,
            float(2 if in_title > 2 else in_title),
            math.log1p(in_body),
            first / length,
            (first if first < 3000 else 3000) / 1000,
            best,
            total / top,
            1.0 if total == top else 0.0,
            log_length,
            log_countries,
            0.0 if national else 1.0,
            1.0 if demonyms == count else 0.0,
            forms / count,
            1.0 if code in listed else 0.0,
            count / len(found),
        ]
    return out


def _gathered(by_code: dict[str, list[Mention]], length: int) -> tuple[list[tuple], float]:
    """What each country's features are made of, from one pass over its mentions (``length``: the body's,
    at least 1): (code, its mentions, their summed weight, whether one is in the dateline, how many in the
    title, how many in the body, the first body mention's start, the best weight, how many of a national
    kind, how many demonyms, how many distinct forms); and the largest summed weight."""
    national_kinds = _NATIONAL_KINDS
    gathered = []
    top = 0.0
    for code, ms in by_code.items():
        in_dateline, in_title, in_body, first = False, 0, 0, length
        best = ms[0].place.weight
        national = demonyms = 0
        forms = set()
        total = 0  # the weights added in order to the int 0, as sum() of them adds them here
        for place, span, weight in ms:
            total += weight
            field = span.field
            if field == "body":
                if not in_body or span.start < first:  # min(): the first body mention's start
                    first = span.start
                in_body += 1
            elif field == "title":
                in_title += 1
            elif field == "dateline":
                in_dateline = True
            if place.weight > best:  # max()
                best = place.weight
            kind = place.kind
            if kind in national_kinds:
                national += 1
                if kind == "demonym":
                    demonyms += 1
            forms.add(span.text.casefold())
        if not gathered or total > top:  # max() of the sums
            top = total
        gathered.append((code, ms, total, in_dateline, in_title, in_body, first, best, national, demonyms, len(forms)))
    return gathered, top


def classify(story: Story, gazetteer: Gazetteer,
             words: StoryWords | None = None) -> tuple[tuple[CountryTag, ...], tuple[str, ...]]:
    """Countries the story is about (score-ordered) and their sub-regions (ordered by summed country score);
    ``words``: the story's shared word form, when the caller has made it."""
    found = mentions(story, gazetteer, words)
    return _tags(found, story.body, bool(story.dateline), gazetteer)


def _tags(found: list[Mention], body: str, with_dateline: bool,
          gazetteer: Gazetteer) -> tuple[tuple[CountryTag, ...], tuple[str, ...]]:
    """``classify`` of the story's mentions: the countries the model keeps, with their first evidence, and
    their sub-regions. Each country's probability is ``about_model(...).probability(features(...)[code])``
    worked out from ``_gathered`` directly, its features summed into the model's sum as they are made, in the
    same order and from the same values, so the same floats (the tests compare the two)."""
    if not found:
        return (), ()
    by_code = _by_code(found)
    length = max(1, len(body))
    gathered, top = _gathered(by_code, length)
    listed = _listed(found, body) if len(by_code) >= 3 else ()
    log_length, log_countries = math.log(length), math.log(len(by_code))
    mentioned = len(found)
    model = about_model(with_dateline)
    w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14 = model.weights
    bias, threshold = model.bias, model.threshold
    tags = []
    for code, ms, total, in_dateline, in_title, in_body, first, best, national, demonyms, forms in gathered:
        count = len(ms)
        # model.probability of _features' values, in FEATURES order (sum() adds the products left to right)
        z = bias + (w0 * (1.0 if in_dateline else 0.0) + w1 * float(2 if in_title > 2 else in_title)
                    + w2 * math.log1p(in_body) + w3 * (first / length)
                    + w4 * ((first if first < 3000 else 3000) / 1000) + w5 * best + w6 * (total / top)
                    + w7 * (1.0 if total == top else 0.0) + w8 * log_length + w9 * log_countries
                    + w10 * (0.0 if national else 1.0) + w11 * (1.0 if demonyms == count else 0.0)
                    + w12 * (forms / count) + w13 * (1.0 if code in listed else 0.0) + w14 * (count / mentioned))
        p = 1.0 / (1.0 + math.exp(-z))
        if p >= threshold:
            tags.append(CountryTag(code, round(p, 3), tuple([m.span for m in ms[:MAX_EVIDENCE]])))
    if not tags:
        return (), ()
    if len(tags) > 1:
        tags.sort(key=lambda t: (-t.score, t.code))
    region_scores: dict[str, float] = {}
    for tag in tags:
        region = gazetteer.subregion(tag.code)
        if region:
            region_scores[region] = region_scores.get(region, 0.0) + tag.score
    regions = sorted(region_scores, key=lambda r: (-region_scores[r], r)) if len(region_scores) > 1 else region_scores
    return tuple(tags), tuple(regions)
