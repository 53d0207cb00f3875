"""Wire version tags: what agencies put on a new version of an item ("UPDATE 2-", "REFILE-", "CORRECTED-",
AP's "1st Ld-Writethru", dpa's "1ST LEAD" line) read as a version number and a correction flag.

Base layer: the wire parsers read slugs and heading lines with it, Normalize reads headlines before it
takes the tags off. The first version of an item is 1, so "UPDATE 2" and "2nd Ld-Writethru" are 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Reuters before a headline: "UPDATE 2-", "REFILE-UPDATE 1-", "CORRECTED-UPDATE 3-", "RPT-".
_TITLE = re.compile(r"^(?:(?:UPDATE|REFILE|RPT|CORRECTED|CORRECTED-UPDATE|WRAPUP)\s*\d*\s*-\s*)+")
_UPDATE = re.compile(r"\bUPDATE\s*(\d+)\b")
# AP slugs: "1st Ld-Writethru", "2nd Ld-Writethru", "Writethru", "Correction", "Corrective".
_LEAD = re.compile(r"\b(\d+)\s*(?:st|nd|rd|th)\s*(?:Ld|LEAD)\b", re.IGNORECASE)
_WRITETHRU = re.compile(r"\bwrite-?thru\b", re.IGNORECASE)
_CORRECTION = re.compile(r"\b(?:CORRECTED|CORRECTION|CORRECTIVE|CORRECTS|KORREKTUR|BERICHTIGUNG)\b", re.IGNORECASE)
_REFILE = re.compile(r"\b(?:REFILE|RPT|REPEAT)\b")
# What a slug carries besides the item's name: its version part and word count.
_SLUG_TAIL = re.compile(
    r"(?:[,\s-]+(?:\d+\s*(?:st|nd|rd|th)\s*Ld|Ld|Writethru|Write-thru|Correction|Corrective|Urgent|Bulletin|Advisory)"
    r"\b[\w-]*)+|,\s*\d{1,5}\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class VersionTag:
    """A version number (None: the tag gave none) and whether the version corrects an earlier one."""

    version: int | None = None
    correction: bool = False
    refile: bool = False

    def merge(self, other: "VersionTag | None") -> "VersionTag":
        if other is None:
            return self
        version = max((v for v in (self.version, other.version) if v is not None), default=None)
        return VersionTag(version, self.correction or other.correction, self.refile or other.refile)


def tag_of(text: str | None) -> VersionTag | None:
    """The version a headline prefix, slug or heading flag line says, or None when it says nothing."""
    if not text:
        return None
    version = None
    update = _UPDATE.search(text)
    lead = _LEAD.search(text)
    if update:
        version = int(update[1]) + 1
    elif lead:
        version = int(lead[1]) + 1
    elif _WRITETHRU.search(text):
        version = 2
    correction = bool(_CORRECTION.search(text))
    refile = bool(_REFILE.search(text))
    if version is None and not correction and not refile:
        return None
    return VersionTag(version, correction, refile)


def title_tag(title: str | None) -> VersionTag | None:
    """The version a Reuters-style headline prefix gives ("UPDATE 2-Quake ..." -> 3), else None."""
    prefix = _TITLE.match(title or "")
    return tag_of(prefix.group(0)) if prefix else None


def heading_tag(lines: list[str]) -> VersionTag | None:
    """The version heading flag lines give together (dpa: "REFILE", "1ST LEAD")."""
    tag: VersionTag | None = None
    for line in lines:
        found = tag_of(line)
        if found is not None:
            tag = found.merge(tag)
    return tag


def slug_name(slug: str) -> str:
    """An AP slug without its version part and word count, case-folded: what the item's versions share
    ("BC-US--Ethanol-Losing Grassland, 1st Ld-Writethru,1140" -> "bc-us--ethanol-losing grassland")."""
    name = slug.strip().lstrip("^").strip()
    previous = None
    while previous != name:
        previous, name = name, _SLUG_TAIL.sub("", name).strip(" ,<=")
    return " ".join(name.casefold().split())
