"""A story as the matcher reads it: the words of title, dateline and body in one sequence (a separator
between fields), their case-folded and stemmed keys as two scan lines, and the enrichment facts that
predicates test (countries, regions, source, credit, publisher, language)."""

from __future__ import annotations

from itertools import accumulate
from typing import Any

from transforms.records import EnrichedStory, Story
from transforms.rulelang import words
from transforms.rulelang.syntax import FIELDS

SEPARATOR = "\x1f"  # a key no pattern contains: phrases never run from one field into the next


class StoryView:
    __slots__ = ("_starts", "bounds", "facts", "form_keys", "spans", "stem_keys", "story", "words")

    def __init__(self, item: Story | EnrichedStory) -> None:
        enriched = item if isinstance(item, EnrichedStory) else None
        story: Story = enriched.story if enriched else item  # type: ignore[assignment]
        self.story = story
        all_words: list[str] = []
        bounds = []
        for field in FIELDS:
            if all_words:
                all_words.append(SEPARATOR)
            bounds.append(len(all_words))
            text = getattr(story, field)
            if text:
                all_words.extend(words.split(text))
        self.words = all_words
        self.bounds = tuple(bounds)
        self.form_keys, self.stem_keys = words.keys(all_words)
        self.facts = _facts(story, enriched)
        self._starts: dict[int, list[int]] = {}
        self.spans: dict[Any, Any] = {}  # memo of spans per occurrence and per match: rules share terms

    def field_of(self, index: int) -> int:
        b = self.bounds
        return 0 if index < b[1] else (1 if index < b[2] else 2)

    def span(self, field: int, first: int, last: int) -> tuple[str, int, int, str]:
        """(field name, start, end, text) in characters of the story's field."""
        found = self.spans.get((field, first, last))
        if found is None:
            found = self.spans[(field, first, last)] = self._span(field, first, last)
        return found

    def _span(self, field: int, first: int, last: int) -> tuple[str, int, int, str]:
        name = FIELDS[field]
        text = getattr(self.story, name) or ""
        starts = self._starts.get(field)
        if starts is None:
            starts = self._starts[field] = words.starts(text)
        base = self.bounds[field]
        start, end = starts[first - base], starts[last - base] + len(self.words[last])
        return name, start, end, text[start:end]


def line_and_starts(keys: list[str]) -> tuple[str, list[int]]:
    """`` k1 k2 ... `` and the character offset where each key starts."""
    starts = list(accumulate(map((1).__add__, map(len, keys)), initial=1))
    starts.pop()
    return " " + " ".join(keys) + " ", starts


def _facts(story: Story, enriched: EnrichedStory | None) -> dict[str, Any]:
    def words_of(value: str | None) -> str:
        return " " + " ".join(w.casefold() for w in words.split(value)) + " " if value else ""

    return {
        "country": frozenset(c.code for c in enriched.countries) if enriched else frozenset(),
        "region": frozenset(enriched.regions) if enriched else frozenset(),
        "source": words_of(story.source),
        "credit": words_of(story.credit),
        "publisher": words_of(story.publisher),
        "lang": (story.language or "").casefold(),
    }
