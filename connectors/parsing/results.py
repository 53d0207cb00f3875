"""What a parser hands back: stories with their wire identity, dead letters, and survivable notes.

Shared by the feed parsers (``connectors/feeds/``) and the wire parsers (``connectors/wire/``), so every
format reports in the same shape: a bad entry becomes a DeadLetter, a survivable oddity becomes a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from wirewatch.records import DeadLetter, Origin, Story, excerpt

INTERNAL = "internal error"  # begins the reason of a dead letter owed to a fault of ours, not of the input


def internal(what: str, exc: BaseException) -> str:
    """The reason for a dead letter caused by an exception in ``what`` (a parser, a library it calls) rather
    than by a judgement on the input: marked, so that reports and tests tell the two apart."""
    return f"{INTERNAL} in {what}: {type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One story plus the identity its format gave it (a NewsML-G2 item keeps its guid and version)."""

    story: Story
    guid: str | None = None
    version: int | None = None


@dataclass(slots=True)
class ParseResult:
    """Everything one document gave: items, dead letters (fatal for the document or for one entry), and
    notes on survivable problems (feedparser's bozo, a missing date, a guessed encoding)."""

    format: str
    items: list[ParsedItem] = field(default_factory=list)
    errors: list[DeadLetter] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str | None = None  # feed title or wire provider
    link: str | None = None
    language: str | None = None

    def add(self, item: ParsedItem, *, no_date: str) -> None:
        """Keep ``item``. A story whose source gave no usable publication time takes its fetch time instead
        (none in a replay, which reads no clock), is flagged ``undated``, and ``no_date`` is noted."""
        story = item.story
        if story.published is None:
            self.notes.append(no_date)
            item = replace(item, story=replace(story, published=story.fetched, undated=True))
        self.items.append(item)

    @property
    def stories(self) -> list[Story]:
        return [item.story for item in self.items]

    def fail(self, origin: Origin | str, reason: str, raw: bytes | str | None = None, stage: str = "parse") -> None:
        self.errors.append(DeadLetter(origin, stage, reason, raw=excerpt(raw)))
