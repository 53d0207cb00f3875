"""What page furniture and wire trailers look like: agency names, UI words, bylines, self-descriptions.

Data and line classifiers only; ``transforms.normalize`` decides what to do with each line.
"""

from __future__ import annotations

import re

# Wire agencies: the names a credit line, a dateline's parenthesis or a self-description uses -> credit.
AGENCIES = {
    "reuters": "Reuters", "thomson reuters": "Reuters",
    "ap": "AP", "the associated press": "AP", "associated press": "AP",
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "dpa": "dpa", "deutsche presse-agentur": "dpa",
    "kyodo": "Kyodo", "kyodo news": "Kyodo", "yonhap": "Yonhap", "yonhap news agency": "Yonhap",
    "xinhua": "Xinhua", "tass": "TASS", "interfax": "Interfax", "ria novosti": "RIA Novosti",
    "bloomberg": "Bloomberg", "ansa": "ANSA", "efe": "EFE", "upi": "UPI", "united press international": "UPI",
    "anadolu": "Anadolu", "anadolu agency": "Anadolu", "pti": "PTI", "press trust of india": "PTI",
    "aap": "AAP", "australian associated press": "AAP", "pa": "PA", "pa media": "PA", "ani": "ANI",
    "kcna": "KCNA", "ntb": "NTB", "tt": "TT", "ritzau": "Ritzau", "stt": "STT", "europa press": "Europa Press",
}

# Whole lines that are navigation or calls to action, never story text.
_UI_LINE = re.compile(
    r"(subscribe( now| here| to .{0,40})?|sign up( for .{0,40})?|share( this( story| article)?)?|print|e-?mail"
    r"|comments?|related( stories| articles| content)?|read more|advertisement|listen( to this article)?"
    r"|follow us( on .{0,40})?|our standards\b.{0,80}|(advertisement|scroll to continue)([\s·|-]+scroll to continue)?|click here.{0,60}|see (all|more) news.{0,40}|back to top|skip to (main )?content"
    r"|(©|\(c\)|copyright)\b.{0,120}|all rights reserved\.?|more from .{0,40}|trending|top stories)[.!:]?",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[\s\-–—_*=•·|#~.]+")
_BYLINE = re.compile(r"by\s*[:\-]?\s*(?P<name>[^\n]{1,80})", re.IGNORECASE)
_TRAILER = re.compile(r"\((?:reporting|writing|editing|additional reporting|compiled) by [^)]{1,300}\)", re.I)
_SELF_DESCRIPTION = re.compile(
    r"\bis (an?|the)\b.{0,120}\b(news agency|wire service|news service|newswire|news organi[sz]ation|"
    r"international news)|\bfounded in \d{4}",
    re.IGNORECASE,
)


def agency(name: str) -> str | None:
    """The canonical credit for an agency name ("Thomson Reuters" -> "Reuters"), else None."""
    return AGENCIES.get(name.strip(" ()[].,;:").casefold())


def is_ui_line(line: str) -> bool:
    return bool(_UI_LINE.fullmatch(line)) or bool(_SEPARATOR.fullmatch(line))


def is_trailer(line: str) -> bool:
    return bool(_TRAILER.fullmatch(line))


def self_described_agency(line: str) -> str | None:
    """"Reuters is a news agency founded in 1851 …" -> "Reuters"; a story sentence -> None."""
    if not _SELF_DESCRIPTION.search(line):
        return None
    head = re.split(r"\s+is\s+", line, maxsplit=1)[0]
    return agency(head)


def byline(line: str) -> str | None:
    """The name in a byline line ("By:VOA", "By Jane Doe") or None."""
    m = _BYLINE.fullmatch(line)
    if not m:
        return None
    name = m.group("name").strip()
    words = name.split()
    if not words or len(words) > 6 or not all(w[:1].isupper() or w in ("and", "de", "van", "von") for w in words):
        return None
    return name


def is_outlet_name(name: str) -> bool:
    """A byline that names an outlet rather than a person: an acronym ("VOA") or "… News"/"Staff"."""
    words = name.split()
    return (len(words) == 1 and name.isupper() and 2 <= len(name) <= 8) or words[-1] in ("News", "Staff")
