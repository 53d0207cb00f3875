"""What page furniture and wire trailers look like: agency names, UI words, bylines, self-descriptions.

Data and line classifiers only; ``transforms.normalize`` decides what to do with each line.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from wirewatch.transforms.rulelang.compiled import wanted, wirewatch_native

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
    "press association": "PA", "pa sport": "PA", "agencia efe": "EFE", "canadian press": "CP",
    "the canadian press": "CP", "cp": "CP",
}

_LONGEST_AGENCY = max(map(len, AGENCIES))

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
# Reporter and editor trailers, in parentheses or not ("Reporting by John Irish; Editing by Alison Williams"),
# and photo credits ("Photo: Jane Doe/Reuters", "REUTERS/Israel Katz", "(Photo by Ann Roe/AFP via Getty
# Images)"): they name people, whose names are often places too ("Irish", "Jordan", "Israel").
_TRAILER_WORDS = (r"(?:additional |editing and |(?:and|with) )?(?:reporting|writing|editing|edited|compiled|compiling"
                  r"|research|graphics|fact-?checking|photos?|video) by")
_PHOTO_WORDS = r"(?:file |handout |top |main )?(?:photo|photograph|picture|image|pictured|credit)s?(?: by|:)"
_AGENCY_SLASH = r"\b(?:REUTERS|AFP|AP|EPA|EPA-EFE|GETTY IMAGES|ANADOLU|XINHUA|SPUTNIK|TASS|YONHAP|KCNA)/[^\n()]{1,60}"
# Without brackets, only names may follow ("in Paris", "and", ";" between them), so prose that starts
# "Reporting by the ministry showed ..." stays.
_NAMES = (r"[A-Z][\w.'’-]*(?:[\s,;&/]+(?:[A-Z][\w.'’-]*|in|and|by|de|da|di|van|von|der|la|le|al|bin|with|via"
          rf"|{_TRAILER_WORDS}))*\.?")
_TRAILER = re.compile(
    rf"\(\s*(?i:{_TRAILER_WORDS}|{_PHOTO_WORDS})[^)]{{1,300}}\)|(?i:{_TRAILER_WORDS}|{_PHOTO_WORDS})\s*{_NAMES}"
    rf"|\(?{_AGENCY_SLASH}\)?"
)
# The same inside a line: in parentheses anywhere, or unbracketed at the end of a paragraph (where the text
# before it ends a sentence; checked in furniture_spans, as a look-behind at every position costs too much).
_INLINE_FURNITURE = re.compile(
    rf"\(\s*(?i:{_TRAILER_WORDS}|{_PHOTO_WORDS})[^)]{{1,300}}\)|\({_AGENCY_SLASH}\)"
    rf"|(?i:{_TRAILER_WORDS})\s+{_NAMES}\s*$",
    re.MULTILINE,
)
_SENTENCE_END = frozenset('.!?"”’)')
_PHOTO_HINTS = ("photo", "picture", "image", "credit")
_HINTS = (*_PHOTO_HINTS, "reporting by", "writing by", "editing by", "edited by", "compiled by", "compiling by",
          "research by", "graphics by", "checking by", "video by", "photos by")
_AGENCY_HINTS = tuple(a + "/" for a in re.findall(r"[A-Z][A-Z -]+", _AGENCY_SLASH))
_BY_HINTS = tuple(hint.removesuffix(" by") for hint in _HINTS if hint.endswith(" by"))  # each before " by"
_WORD_HINTS = tuple(hint for hint in _HINTS if not hint.endswith(" by"))
_SELF_DESCRIPTION = re.compile(
    r"\bis (an?|the)\b.{0,120}\b(news agency|wire service|news service|newswire|news organi[sz]ation|"
    r"international news)|\bfounded in \d{4}",
    re.IGNORECASE,
)


# Whether a line could be furniture by a line classifier that matches a pattern from its start (is_ui_line,
# is_trailer, is_editor_note, byline): the union of their patterns, each as its classifier applies it, in one
# match instead of one call each. A superset: where it matches, the classifiers themselves decide.
_MAYBE_FURNITURE = re.compile("|".join([
    rf"(?i:{_UI_LINE.pattern})\Z", rf"(?:{_SEPARATOR.pattern})\Z",
    rf"\s*(?:{_TRAILER.pattern})\s*\Z",  # is_trailer strips the line first
    r"\(",  # is_editor_note: a line that opens with a parenthesis
    rf"(?i:{_BYLINE.pattern})\Z",
]))
# The characters past ASCII that IGNORECASE takes for an ASCII letter: those whose lower case (one character)
# is one, and the two the engine adds (the dotless i, the long s). test_lines_native checks every character.
_FOLDS_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
# The characters past ASCII that str.isspace() takes (\s of a str pattern).
_SPACES_PAST_ASCII = "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
# The characters past ASCII a line _MAYBE_FURNITURE matches may open with, after its spaces: those its pattern
# holds (the separators, the copyright sign ...), spaces, and those IGNORECASE takes for a letter.
_MAY_OPEN_PAST_ASCII = frozenset({c for c in _MAYBE_FURNITURE.pattern if not c.isascii()}
                                 | set(_SPACES_PAST_ASCII) | set(_FOLDS_TO_ASCII))


def _folded(text: str) -> str:
    """``text`` as IGNORECASE compares it with lower-case ASCII: ASCII lower-cased, _FOLDS_TO_ASCII applied,
    any other character "\\xff" (no furniture opening or self-description word holds it)."""
    return "".join(c.lower() if c.isascii() else _FOLDS_TO_ASCII.get(c, "\xff") for c in text)


# What a self-description must hold one of, case aside: the words its first alternative ends with (up to
# where they vary: "news organi[sz]ation") or its second's. In ASCII text, where lower() folds case as
# IGNORECASE does, a line holding none of them needs no search (prose holds "is a" often, these seldom).
_SELF_DESCRIPTION_WORDS = ("news agency", "wire service", "news service", "newswire", "news organi",
                           "international news", "founded in ")
# The ASCII characters besides letters and digits that open no line _MAYBE_FURNITURE matches, after its spaces
# (its alternatives open with a letter, "(", "\u00a9", a separator of _SEPARATOR or, the trailer's, spaces
# before those) and no agency's name (none opens so, and agency() strips none of them): quotes, markup.
_NEVER_OPENS = "!\"$%&'+/<>?@\\^`{}"


# _TRAILER_WORDS' words, up to where they vary ("fact-?checking", "photos?").
_TRAILER_OPENED = ("reporting", "writing", "editing", "edited", "compiled", "compiling", "research", "graphics", "fact",
                   "photo", "video")


# How every line opens, lower-cased, that starts with an ASCII letter and that _MAYBE_FURNITURE matches (in
# ASCII text IGNORECASE folds case as lower() does): the literal words that open its alternatives, up to where
# they vary ("subscribe", "e-mail", "email", "reporting", "reuters/", "by" ...), grouped by their first two
# letters. Most lines of prose open otherwise ("The", "In", and "company", "to the", "and the" whose two
# letters a furniture word shares) and need no regex. tests/transforms/test_furniture.py generates lines from the
# pattern itself and checks each of them opens so.
_FURNITURE_OPENINGS = (
    # _UI_LINE
    "subscribe", "sign up", "share", "print", "e-mail", "email", "comment", "related", "read more", "advertisement",
    "listen", "follow us", "our standards", "scroll to continue", "click here", "see all news", "see more news",
    "back to top", "skip to ", "copyright", "all rights reserved", "more from ", "trending", "top stories",
    # _TRAILER: _TRAILER_WORDS (each word with what may come before it, or " by" after it), _PHOTO_WORDS (each
    # word with what may come before it, or how it ends), _AGENCY_SLASH (lower-cased: a superset of its upper case)
    *(before + word for before in ("additional ", "and ", "with ") for word in _TRAILER_OPENED),
    "editing", "fact", "photo",  # ("editing and ...", "fact-?checking", "photo(graph)?s?")
    *(word + " by" for word in _TRAILER_OPENED if word not in ("editing", "fact", "photo")),
    *(before + word for before in ("file ", "handout ", "top ", "main ")
      for word in ("photo", "picture", "image", "credit")),
    "picture", "image", "credit by", "credit:", "credits by", "credits:",
    "reuters/", "afp/", "ap/", "epa/", "epa-efe/", "getty images/", "anadolu/", "xinhua/", "sputnik/", "tass/",
    "yonhap/", "kcna/",
    # _BYLINE
    "by",
)
_OPENING_LENGTH = max(map(len, _FURNITURE_OPENINGS))


def _by_head(openings: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The openings by their first two letters (one dict look-up, then a few prefixes, for a line)."""
    found: dict[str, list[str]] = {}
    for opening in openings:
        found.setdefault(opening[:2], []).append(opening)
    return {head: tuple(group) for head, group in found.items()}


_OPENINGS = _by_head(_FURNITURE_OPENINGS)
_FURNITURE_HEADS = frozenset(_OPENINGS)  # their first two letters


def maybe_furniture(line: str) -> bool:
    """False when none of is_ui_line, is_trailer, is_editor_note and byline can take ``line`` (most lines of
    a story: how it opens, or else one regex match, says so); True when one of them may."""
    if line[:1].isalpha() and line.isascii() and not _opens_as_furniture(line):
        return False
    return _MAYBE_FURNITURE.match(line) is not None


def _opens_as_furniture(line: str) -> bool:
    """Whether ``line`` (ASCII, opening with a letter) opens, lower-cased, with one of _FURNITURE_OPENINGS."""
    head = line[:_OPENING_LENGTH].lower()
    openings = _OPENINGS.get(head[:2])
    return openings is not None and head.startswith(openings)


def prose_lines(lines: list[str]) -> list[bool]:
    """Per line, True where neither ``maybe_furniture`` nor ``agency`` can take it (most lines of a story),
    told without calling them: an ASCII line opening with a letter and otherwise than any furniture opens
    (so no character ``agency`` strips at its start), too long for an agency's name once its end is stripped.
    Spaces before the letters (an indented paragraph, as in Reuters copy) change nothing: the only pattern of
    ``maybe_furniture`` that lets a line open with spaces is the trailer's, which then opens with the same
    letters as on an unindented line, and ``agency`` strips the spaces."""
    opens, strip, longest = _opens_as_furniture, _AGENCY_STRIP, _LONGEST_AGENCY
    return [text[:1].isalpha() and text.isascii() and not opens(text)
            and len(text.rstrip(strip)) > longest for text in [line.lstrip(" ") for line in lines]]


_AGENCY_STRIP = " ()[].,;:"  # what is taken off both ends of a name before it is looked up


def read_lines(text: str) -> tuple[list[int], bool] | None:
    """The lines of ``text`` to ask the classifiers about, and ``may_self_describe(text)``, from one pass of the
    compiled core (native/src/lines.rs) over ``text``, no line made a Python string; None without it (the
    caller then reads every line). The lines are the indices (in ``text.split("\n")``, in order) of every line
    but the ASCII ones holding none of _SELF_DESCRIPTION_WORDS lower-cased (so ``self_described_agency`` gives
    None) that open, after their spaces, with a digit, one of _NEVER_OPENS or a letter otherwise than any
    furniture opens (so ``maybe_furniture`` gives False: its pattern's alternatives open with a letter, a
    parenthesis, a separator or, the trailer's alone, spaces before those) and are no agency's name: no
    classifier takes those, and normalize keeps them as they are (most lines of a story).
    ``python_lines_to_read`` is the reference."""
    if _PROSE_LINES is None:
        return None
    try:
        return _PROSE_LINES.read(text)  # type: ignore[no-any-return]
    except UnicodeEncodeError:  # a lone surrogate, which the compiled core cannot read
        return None


def python_lines_to_read(lines: list[str]) -> list[int]:
    """``read_lines``' lines of ``lines`` in Python. A line past ASCII is left out like an ASCII one, as
    IGNORECASE reads it (_folded), opening with a character past ASCII only where no furniture line does
    (not in _MAY_OPEN_PAST_ASCII), and only where it is longer than any agency's name (its case folded could
    make one)."""
    out = []
    for at, line in enumerate(lines):
        text = line.lstrip(" ")
        head = text[:1]
        if line.isascii():
            plain = ((head.isdigit() or head.isalpha() and not _opens_as_furniture(text)
                      or head != "" and head in _NEVER_OPENS)
                     and agency(line) is None and not any(map(line.lower().__contains__, _SELF_DESCRIPTION_WORDS)))
        else:
            opens = (head.isdigit() or head.isalpha() and not _folded(text[:_OPENING_LENGTH]).startswith(
                _FURNITURE_OPENINGS) or head in _NEVER_OPENS) if head.isascii() else head not in _MAY_OPEN_PAST_ASCII
            plain = (opens and len(line.strip(_AGENCY_STRIP)) > _LONGEST_AGENCY
                     and not any(map(_folded(line).__contains__, _SELF_DESCRIPTION_WORDS)))
        if not plain:
            out.append(at)
    return out


def agency(name: str) -> str | None:
    """The canonical credit for an agency name ("Thomson Reuters" -> "Reuters"), else None."""
    key = name.strip(_AGENCY_STRIP)
    # casefold() never shortens a text (each character folds to one or more), so a longer key is no name:
    # most lines of a story are asked, and are not folded.
    return AGENCIES.get(key.casefold()) if len(key) <= _LONGEST_AGENCY else None


def is_ui_line(line: str) -> bool:
    return bool(_UI_LINE.fullmatch(line)) or bool(_SEPARATOR.fullmatch(line))


def is_trailer(line: str) -> bool:
    """A reporter/editor trailer or a photo credit standing as its own line."""
    return bool(_TRAILER.fullmatch(line.strip()))


def _holds_a_hint(text: str) -> bool:
    """Whether ``text`` lowercased holds one of _HINTS, or ``text`` one of _AGENCY_HINTS: four scans, and a
    look before each " by" and each "/" (a prose text has few) instead of a scan for each hint."""
    if _HINT_LOOK is not None and text.isascii():  # the compiled core's look (str.isascii reads a flag)
        return _HINT_LOOK.holds(text)  # type: ignore[no-any-return]
    low = text.lower()
    if any(map(low.__contains__, _WORD_HINTS)):  # map, not a generator: no frame resumed per hint
        return True
    return _ends_before(low, " by", _BY_HINTS, 0) or _ends_before(text, "/", _AGENCY_HINTS, 1)


def _ends_before(text: str, mark: str, heads: tuple[str, ...], keep: int) -> bool:
    """Whether one of ``heads`` ends where ``mark`` starts in ``text`` (``keep`` = 1: ends with its first
    character)."""
    at = text.find(mark)
    while at >= 0:
        if text.endswith(heads, 0, at + keep):
            return True
        at = text.find(mark, at + 1)
    return False


def furniture_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of trailers and photo credits inside ``text``'s lines: names there are people's."""
    if not _holds_a_hint(text):
        return []  # most texts: a few substring scans instead of a regex over every line
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        _line_spans(line, offset, spans)
        offset += len(line) + 1
    return spans


def in_furniture(text: str, positions: Iterable[int]) -> set[int]:
    """The ``positions`` of ``text`` inside a span of ``furniture_spans(text)``, found by reading only the
    lines that hold them (a span lies within one line)."""
    if not _holds_a_hint(text):
        return set()
    by_line: dict[int, list[int]] = {}
    for at in positions:
        by_line.setdefault(text.rfind("\n", 0, at) + 1, []).append(at)
    inside = set()
    for start, found in by_line.items():
        end = text.find("\n", start)
        spans: list[tuple[int, int]] = []
        _line_spans(text[start:] if end < 0 else text[start:end], start, spans)
        inside.update(at for at in found if any(a <= at < b for a, b in spans))
    return inside


def _line_spans(line: str, offset: int, spans: list[tuple[int, int]]) -> None:
    """Add the trailers and photo credits of ``line`` (starting at ``offset``) to ``spans``."""
    low = line.lower()
    if " by" in low or "/" in line or any(map(low.__contains__, _PHOTO_HINTS)):  # most lines have none
        for m in _INLINE_FURNITURE.finditer(line):
            start = m.start()
            if line[start] != "(":
                before = line[:start].rstrip(" \t")
                if before and before[-1] not in _SENTENCE_END:
                    continue
            spans.append((offset + start, offset + m.end()))


def may_self_describe(text: str) -> bool:
    """False when no line of ``text`` can be a self-description (self_described_agency gives None for each):
    an ASCII text none of whose lines holds the words one needs, which one look at the whole text tells."""
    if not text.isascii():
        return True
    low = text.lower()
    return any(map(low.__contains__, _SELF_DESCRIPTION_WORDS))


def self_described_agency(line: str) -> str | None:
    """"Reuters is a news agency founded in 1851 …" -> "Reuters"; a story sentence -> None."""
    if line.isascii():
        low = line.lower()
        if not any(map(low.__contains__, _SELF_DESCRIPTION_WORDS)):
            return None
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


# Reuters-style editor's notes on a line of their own: "(Adds comments, detail)", "(Updates with vote)".
_EDITOR_NOTE = re.compile(
    r"\((?:adds|updates?|recasts|corrects?|changes|rewrites|refiles?|repeats|fixes|removes|inserts|writes through"
    r"|new throughout|combines|clarifies|re-?ledes?|tops|moves|amends|deletes|restores|edits|includes|with)\b"
    r"[^()]{0,200}\)",
    re.IGNORECASE,
)
# "UPDATE 2-", "REFILE-", "RPT-", "CORRECTED-" before a Reuters headline: versions, not words of the headline.
_TITLE_TAG = re.compile(r"^(?:(?:UPDATE|REFILE|RPT|CORRECTED|CORRECTED-UPDATE|WRAPUP)\s*\d*\s*-\s*)+")
# An ANPA/AP slug or keyword line: "BC-US--APNewsAlert,17", "AP-Top-Entertainment-Headlines,0176", "BC-BBN--Top Ten".
_SLUG = re.compile(r"^\W*(?:BC-|[A-Z]{2,4}-[A-Z][\w-]*--?)|^\W*[A-Z][\w]*(?:-[\w]+){2,},\d+\W*$|,\d{1,4}\W*$")
_JOB_TITLE = re.compile(
    r"\b(?:writer|correspondent|editor|reporter|staff|photographer|columnist|contributor|producer|analyst)s?\b",
    re.IGNORECASE,
)
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|janv|févr|mars|avr|mai|juin|juil|août|sept|déc|"
           r"gen|giu|lug|ago|set|ott|dic|ene|abr|dez|mär|okt|mrz)[a-zé]*\.?")
# The date, time or agency that agencies put into a dateline after the place: "March 3", "01 Lug",
# "2013-03-04 11:40:31 GMT+00:00", "(dpa)", "AAP".
_DATELINE_TAIL = re.compile(
    rf"(?:[\s,]+(?:{_MONTHS}\s*\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}\.?\s*{_MONTHS}|\d{{4}}-\d\d-\d\d|\d\d?:\d\d(?::\d\d)?"
    rf"|gmt[+-]?[\d:]*|utc[+-]?[\d:]*|\d{{4}}|\([^()]{{1,40}}\)))+\s*$",
    re.IGNORECASE,
)
_PLACE_WORD = re.compile(r"[^\W\d_]{2,}")


def is_editor_note(line: str) -> bool:
    """An editor's note to clients ("(Adds comments, detail)") on a clean line, never story text."""
    return line.startswith("(") and bool(_EDITOR_NOTE.fullmatch(line))


def headline(title: str) -> str:
    """A headline without the version tags agencies put before it ("UPDATE 2-Russia ..." -> "Russia ...")."""
    return _TITLE_TAG.sub("", title).strip() or title


def is_slug(title: str) -> bool:
    """A wire slug or keyword line standing in for a headline ("BC-US--APNewsAlert,17")."""
    # Each of _SLUG's alternatives holds a hyphen or a comma: a title without either (most headlines, asked
    # up to four times a story) needs no search, whose unanchored last alternative is tried at every position.
    return len(title) <= 80 and ("-" in title or "," in title) and _SLUG.search(title) is not None


def slug_text(slug: str) -> str:
    """The words of a slug used as a headline when nothing better is there ("BC-WEA--Global Weather,466" ->
    "Global Weather")."""
    text = re.sub(r"^\W*(?:BC-)?(?:[A-Z]{2,4}-)?[A-Z]{2,4}--", "", slug.strip().split("^")[-1])
    text = re.sub(r"^\W+|,\d*\W*$|\W+$", "", text)
    return text or slug


def credit(name: str | None) -> str | None:
    """A credit that names an agency, canonical where known ("Thomson Reuters" -> "Reuters", "AP Sports
    Writer" -> "AP", "Opta\\nSports" -> "Opta Sports"); None for what is no agency (a reporter's job title
    without one, a table's headline, a sentence)."""
    if not name:
        return None
    name = " ".join(name.split()).strip(" ,;:-–—")
    known = agency(name)
    if known:
        return known
    words = name.split()
    for size in (3, 2, 1):  # an agency named inside it: "AP Sports Writer", "Reuters Television Ltd"
        for i in range(len(words) - size + 1):
            known = agency(" ".join(words[i:i + size]))
            if known and (size > 1 or words[i].isupper() or words[i][:1].isupper() and len(words[i]) > 3):
                return known
    if not words or len(words) > 6 or _JOB_TITLE.search(name) or any(c.isdigit() for c in name):
        return None
    sentence_end = name[-1] in "!?\"'’" or name[-1] == "." and len(words[-1]) > 5
    if len(words) > 1 and sum(w[:1].isupper() for w in words) * 2 < len(words):
        return None  # words of a sentence, not of a name
    if sentence_end or re.search(r"['’]s\b", name, re.IGNORECASE):
        return None  # a sentence or a headline ("BASEBALL'S TOP TEN"), not an organisation
    return name


def dateline_place(text: str | None) -> str | None:
    """The place of a dateline, without the date, time or agency after it ("LONDON, March 3" -> "LONDON",
    "Sydney March 22 Aap" -> "Sydney"); None when no place is left (a timestamp)."""
    if not text:
        return None
    place, before = " ".join(text.split()), ""
    while place != before:  # the date and the agency come in either order
        before = place
        place = _DATELINE_TAIL.sub("", place).rstrip(" ,.-–—")
        words = place.split(" ")
        if len(words) > 1 and agency(words[-1]):
            place = " ".join(words[:-1])
    return place if _PLACE_WORD.search(place) else None


# The compiled line sorter (``read_lines``), None where the core is not built, is older (no ``read``) or is
# turned off.
_ProseLines = getattr(wirewatch_native, "ProseLines", None) if wanted() else None


def _sorter(*args: object) -> object:
    """The compiled sorter made of ``args``, or None where the core's takes others (another build)."""
    try:
        return _ProseLines(*args) if _ProseLines is not None else None
    except TypeError:
        return None


_PROSE_LINES: Any = (_sorter(list(_FURNITURE_OPENINGS), _NEVER_OPENS, _LONGEST_AGENCY, _AGENCY_STRIP,
                             list(_SELF_DESCRIPTION_WORDS), list(AGENCIES), "".join(sorted(_MAY_OPEN_PAST_ASCII)),
                             list(_FOLDS_TO_ASCII.items()))
                     if hasattr(_ProseLines, "read") else None)
# ``_holds_a_hint``'s look at ASCII text by the compiled core (no lower-cased copy made in Python).
_HintLook = getattr(wirewatch_native, "HintLook", None) if wanted() else None
_HINT_LOOK = _HintLook(list(_WORD_HINTS), list(_BY_HINTS), list(_AGENCY_HINTS)) if _HintLook is not None else None
