"""Country tagging quality on Reuters-21578 (train): our countries against the corpus' PLACES labels.
Prints micro precision/recall/F1 at several score cutoffs and top-1 accuracy. Asserts nothing.

    .venv/bin/python bench/geotag_eval.py [PATH.jsonl]

Labels are 1987 names; historical states map to today's codes (ussr -> RU, west-germany -> DE, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wirewatch.transforms.gazetteer import default_gazetteer  # noqa: E402
from wirewatch.transforms.geotag import classify  # noqa: E402
from wirewatch.transforms.normalize import normalize  # noqa: E402
from wirewatch.records import Story  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "corpora" / "geo" / "reuters21578-train.jsonl"
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


def label_codes(gazetteer) -> dict[str, str]:
    by_name = {name.casefold(): code for code, name in gazetteer.names.items()}
    codes = {}
    for line in (ROOT.parent / "shared" / "corpora" / "geo" / "all-places-strings.lc.txt").read_text().split():
        codes[line] = LABELS.get(line) or by_name.get(line.replace("-", " "))
    return codes


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    gazetteer = default_gazetteer()
    codes = label_codes(gazetteer)
    unmapped = sorted(k for k, v in codes.items() if not v)
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    labelled = [r for r in rows if r.get("places")]
    cutoffs = (0.5, 1.0, 2.0, 3.0)
    tp, fp, fn = (dict.fromkeys(cutoffs, 0) for _ in range(3))
    top1 = 0
    for r in labelled:
        gold = {codes.get(p) for p in r["places"]} - {None}
        story = normalize(Story(id=str(r["id"]), body=r["body"] or "", title=r.get("title"), dateline=r.get("dateline")))
        countries, _ = classify(story, gazetteer)
        if countries and countries[0].code in gold:
            top1 += 1
        for cut in cutoffs:
            predicted = {c.code for c in countries if c.score >= cut}
            tp[cut] += len(predicted & gold)
            fp[cut] += len(predicted - gold)
            fn[cut] += len(gold - predicted)
    print(f"{path.name}: {len(labelled)} stories with PLACES labels; unmapped labels: {unmapped or 'none'}")
    for cut in cutoffs:
        p = tp[cut] / max(1, tp[cut] + fp[cut])
        r_ = tp[cut] / max(1, tp[cut] + fn[cut])
        print(f"score >= {cut}: precision {p:.3f}, recall {r_:.3f}, F1 {2 * p * r_ / max(1e-9, p + r_):.3f}")
    print(f"top-1 country among the labels: {top1 / len(labelled):.3f}")


if __name__ == "__main__":
    main()
