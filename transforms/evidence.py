"""The sentences a rule's spans are in, with the matched words marked: what an alert shows a person who has
not opened the story (an e-mail, a chat message)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Mapping, Sequence

from wirewatch.records import Evidence, Span

MAX_SENTENCES = 3
MAX_CHARS = 400  # a longer sentence is cut around its first mark
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|\n")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from after the previous sentence end (or line break) to the
    next one, both found by punctuation followed by white space."""
    begin = 0
    for match in _END.finditer(text, 0, start):
        begin = match.end()
    after = _END.search(text, end)
    stop = after.end() if after and after.group() != "\n" else (after.start() if after else len(text))
    while begin < stop and text[begin].isspace():
        begin += 1
    return begin, max(begin, stop)


class _Ends:
    """One text's sentence ends, found in one pass, so that ``bounds`` answers ``sentence_bounds`` for any span
    by bisection rather than by scanning the text again.

    Where a match of ``_END`` is found depends only on the text from there on (it opens with a stop or a line
    break, which no closer is, and ends before white space), so one scan finds every match ``sentence_bounds``
    would. Scanning only up to ``start``, it sees a line break ending at ``start`` but not a stop whose white
    space is at ``start`` (the look-ahead cannot pass the end): ``_since`` is a match's end, plus one for a
    stop, and is never less than the one before (a line break right after a stop shares its figure, and,
    found later, wins as it does in the scan)."""

    __slots__ = ("text", "_since", "_ends", "_starts", "_stops")

    def __init__(self, text: str) -> None:
        self.text = text
        self._since: list[int] = []
        self._ends: list[int] = []
        self._starts: list[int] = []
        self._stops: list[int] = []  # where a sentence found after a span stops: a stop's end, a break's start
        for match in _END.finditer(text):
            start, end = match.span()
            line = text[start] == "\n"
            self._since.append(end if line else end + 1)
            self._ends.append(end)
            self._starts.append(start)
            self._stops.append(start if line else end)

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """``sentence_bounds(self.text, start, end)``."""
        text = self.text
        before = bisect_right(self._since, start)
        begin = self._ends[before - 1] if before else 0
        after = bisect_left(self._starts, end)
        stop = self._stops[after] if after < len(self._stops) else len(text)
        while begin < stop and text[begin].isspace():
            begin += 1
        return begin, max(begin, stop)


def _trimmed(text: str, marks: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    if len(text) <= MAX_CHARS:
        return text, tuple(marks)
    first = marks[0][0]
    left = max(0, min(first - MAX_CHARS // 3, len(text) - MAX_CHARS))
    right = left + MAX_CHARS
    prefix, suffix = ("…" if left else ""), ("…" if right < len(text) else "")
    kept = [(s - left + len(prefix), e - left + len(prefix)) for s, e in marks if s >= left and e <= right]
    return prefix + text[left:right] + suffix, tuple(kept)


class Sentences:
    """``evidence`` for many sets of spans in one story's fields: each field's sentence ends are found once,
    when a span first needs them, and a set of spans asked again (an equal tuple: rules that found the same
    words, such as a rule and a narrower rule built on it, share it or an equal one) is answered as before."""

    __slots__ = ("fields", "_ends", "_last")

    def __init__(self, fields: Mapping[str, str | None]) -> None:
        self.fields = fields
        self._ends: dict[str, _Ends] = {}
        self._last: tuple[object, tuple[Evidence, ...]] | None = None

    def evidence(self, spans: Sequence[Span]) -> tuple[Evidence, ...]:
        """At most MAX_SENTENCES sentences, in the order of the spans, each with every span it holds marked."""
        last = self._last
        if last is not None and (last[0] is spans or last[0] == spans):  # the evidence depends on nothing else
            return last[1]
        sentences: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
        known = self._ends
        for span in spans:
            field, start, end = span.field, span.start, span.end
            ends = known.get(field)
            if ends is None:
                ends = known[field] = _Ends(self.fields.get(field) or "")
            if not 0 <= start < end <= len(ends.text):
                continue
            begin, stop = ends.bounds(start, end)
            key = (field, begin, stop)
            marks = sentences.get(key)
            if marks is None:
                if len(sentences) == MAX_SENTENCES:
                    continue
                marks = sentences[key] = []
            marks.append((start - begin, (end if end < stop else stop) - begin))
        out = []
        for (field, begin, stop), marks in sentences.items():
            text, kept = _trimmed(known[field].text[begin:stop], sorted(set(marks)) if len(marks) > 1 else marks)
            out.append(Evidence(field, text, kept))
        found = tuple(out)
        self._last = (spans, found)
        return found


def evidence(fields: Mapping[str, str | None], spans: Sequence[Span]) -> tuple[Evidence, ...]:
    """At most MAX_SENTENCES sentences, in the order of the spans, each with every span it holds marked."""
    return Sentences(fields).evidence(spans)
