"""A story as the matcher reads it: the words of title, dateline and body in one sequence (a separator
between fields), their case-folded and stemmed keys as two scan lines, and the enrichment facts that
predicates test (countries, regions, source, credit, publisher, language)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from wirewatch.records import EnrichedStory, Story
from wirewatch.transforms.rulelang import words
from wirewatch.transforms.rulelang.syntax import FIELDS, FORM, STEM, stream_language
from wirewatch.transforms.spread import rule_facts
from wirewatch.transforms.tokens import StoryWords

SEPARATOR = "\x1f"  # a key no pattern contains: phrases never run from one field into the next


class StoryView:
    __slots__ = ("_bounds", "_form", "_lines", "_shared", "_starts", "_stem_keys", "_words", "entries", "facts", "memo",
                 "spans", "story")

    def __init__(self, item: Story | EnrichedStory, shared: StoryWords | None = None) -> None:
        """``shared``: the story's words as the enrichment chain split them once (``transforms.tokens``), read
        instead of splitting the text again; ignored when made for another story object. The words are split
        when first asked for (the compiled core splits the texts itself: ``Engine.records``)."""
        enriched = item if isinstance(item, EnrichedStory) else None
        story: Story = enriched.story if enriched else item  # type: ignore[assignment]
        self.story = story
        self._shared = shared if shared is not None and shared.story is story else None
        self._words: list[str] | None = None
        self._bounds: tuple[int, ...] = ()
        self._stem_keys: list[str] | None = None
        self._form: list[str] | None = None
        self._lines: dict[str, tuple[str, list[int] | None]] = {}
        self.facts = _facts(story, enriched)
        self._starts: dict[int, list[int]] = {}
        self.spans: dict[Any, Any] = {}  # memo of (field, start, end, text) per occurrence
        self.entries: dict[Any, Any] = {}  # memo of the Span per (field, start, end), for transforms.match
        self.memo: dict[Any, Any] = {}  # memo of a match's evidence per set of occurrences: rules share terms

    @property
    def words(self) -> list[str]:
        """The words of title, dateline and body in one sequence, a separator between fields."""
        if self._words is None:
            self._split()
        return self._words  # type: ignore[return-value]

    @property
    def bounds(self) -> tuple[int, ...]:
        """Where the words of each field start in ``words``."""
        if self._words is None:
            self._split()
        return self._bounds

    @property
    def stem_keys(self) -> list[str]:
        if self._stem_keys is None:
            self._stem_keys = words.stem_keys(self.words)
        return self._stem_keys

    def _split(self) -> None:
        shared, story = self._shared, self.story
        all_words: list[str] = []
        bounds = []
        for field in FIELDS:
            if all_words:
                all_words.append(SEPARATOR)
            bounds.append(len(all_words))
            text = getattr(story, field)
            if text:
                found = shared.of(field) if shared is not None else None
                all_words.extend(words.pieces(found.words, text) if found is not None else words.split(text))
        self._words = all_words
        self._bounds = tuple(bounds)

    @property
    def form_keys(self) -> list[str]:
        """The case-folded keys, made only when asked for (the scan line is folded in one piece)."""
        if self._form is None:
            self._form = list(map(words.fold, self.words))
        return self._form

    def line(self, stream: str) -> str:
        """The scan line `` k1 k2 ... `` of a stream: stems, or case-folded forms."""
        found = self._lines.get(stream)
        if found is None:
            if stream == STEM:
                text = " " + " ".join(self.stem_keys) + " "
            elif stream != FORM:  # another language's stems
                text = " " + " ".join(self._keys_in(stream)) + " "
            else:  # case folding maps code points one by one, so the joined line folds as its words do
                text = self.raw_line()
                text = text.lower() if text.isascii() else text.casefold()
            found = self._lines[stream] = (text, None)
        return found[0]

    def _keys_in(self, stream: str) -> list[str]:
        """Another language's stems of the words; none for a story known to be in a third language (its
        words are no words of that language, and stemming every story in every list's language would cost
        each story as much again per language)."""
        language = stream_language(stream)
        assert language is not None
        own = self.facts["lang"].partition("-")[0]
        if own and own != language:
            return []
        return words.stem_keys_in(self.words, language)

    def raw_line(self) -> str:
        """The words as written, joined like a key line (for exact-case terms)."""
        found = self._lines.get("raw")
        if found is None:
            found = self._lines["raw"] = (" " + " ".join(self.words) + " ", None)
        return found[0]

    def starts(self, stream: str) -> list[int]:
        """Where each key of ``line(stream)`` starts, for turning a hit's end offset into a word index."""
        text, found = self._lines.get(stream) or (self.line(stream), None)
        if found is None:
            lengths: Iterable[int]
            if stream == STEM:
                lengths = map(len, self.stem_keys)
            elif stream != FORM:
                lengths = map(len, self._keys_in(stream))
            elif all(map(str.isascii, self.words)):  # not text.isascii(): "ﬀ" folds to "ff"
                lengths = map(len, self.words)
            else:
                lengths = words.fold_lengths(self.words)
            found = list(accumulate(map((1).__add__, lengths), initial=1))
            found.pop()
            self._lines[stream] = (text, found)
        return found

    def evidence(self, occurrences: list[tuple[int, int, int]] | tuple) -> tuple[tuple[int, int, int], ...]:
        """(field, start, end) in characters per occurrence, in field order, by start, longest first, without
        a span nested in the one kept before it ("withdraw troops", not also "troops")."""
        spans = sorted({self.span(*occ)[1:3] + (occ[0],) for occ in occurrences}, key=lambda s: (s[2], s[0], -s[1]))
        kept: list[tuple[int, int, int]] = []
        for start, end, field in spans:
            if kept and kept[-1][0] == field and kept[-1][1] <= start and end <= kept[-1][2]:
                continue
            kept.append((field, start, end))
        return tuple(kept)

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


def story_facts(item: Story | EnrichedStory) -> dict[str, Any]:
    """What predicates test (``StoryView.facts``), without the view."""
    if isinstance(item, EnrichedStory):
        return _facts(item.story, item)
    return _facts(item, None)


_NO_FACTS: frozenset[str] = frozenset()


def _facts(story: Story, enriched: EnrichedStory | None) -> dict[str, Any]:
    if enriched is None:
        country = region = _NO_FACTS
    else:
        country = frozenset([c.code for c in enriched.countries])
        region = frozenset(enriched.regions)
        if enriched.spread is not None:
            region |= rule_facts(enriched.spread)
    return {
        "country": country,
        "region": region,
        "source": _words_of(story.source),
        "credit": _words_of(story.credit),
        "publisher": _words_of(story.publisher),
        "lang": (story.language or "").casefold(),
    }


def _words_of(value: str | None) -> str:
    """A source, credit or publisher as predicates read it: its case-folded words, " w1 w2 "."""
    return " " + " ".join(w.casefold() for w in words.split(value)) + " " if value else ""
