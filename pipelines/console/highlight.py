"""A story field cut into pieces for the story page: plain text, and the evidence spans of matched rules and
tagged countries (the spans the records carry), overlapping ones marked with every label they carry."""

from __future__ import annotations

from dataclasses import dataclass

from wirewatch.records import EnrichedStory


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    kinds: tuple[str, ...] = ()  # "rule", "country"
    labels: tuple[str, ...] = ()  # the rule ids and country codes whose evidence this is


@dataclass(frozen=True, slots=True)
class Mark:
    start: int
    end: int
    kind: str
    label: str


def marks(story: EnrichedStory, field: str) -> list[Mark]:
    """The evidence spans on ``field`` that still fit its text (a span whose text differs is left out)."""
    text = getattr(story.story, field) or ""
    found = [(s, "rule", m.rule) for m in story.matches for s in m.spans]
    found += [(s, "country", c.code) for c in story.countries for s in c.evidence]
    return [Mark(s.start, s.end, kind, label) for s, kind, label in found
            if s.field == field and 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text]


def pieces(text: str, found: list[Mark]) -> list[Piece]:
    """``text`` cut at every mark's edges; each piece lists the marks that cover it (neighbours covered by
    the same marks are one piece)."""
    cuts = sorted({0, len(text), *(m.start for m in found), *(m.end for m in found)})
    out: list[Piece] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [m for m in found if m.start <= a and b <= m.end]
        kinds = tuple(sorted({m.kind for m in covering}))
        labels = tuple(sorted(set(m.label for m in covering)))
        if out and (out[-1].kinds, out[-1].labels) == (kinds, labels):  # one mark for touching spans alike
            out[-1] = Piece(out[-1].text + text[a:b], kinds, labels)
        else:
            out.append(Piece(text[a:b], kinds, labels))
    return out


def highlighted(story: EnrichedStory, field: str) -> list[Piece]:
    return pieces(getattr(story.story, field) or "", marks(story, field))
