"""The sentences a rule's spans are in, with the matched words marked: what an alert shows a person who has
not opened the story (an e-mail, a chat message)."""

from __future__ import annotations

import re
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


def _trimmed(text: str, marks: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    if len(text) <= MAX_CHARS:
        return text, tuple(marks)
    first = marks[0][0]
    left = max(0, min(first - MAX_CHARS // 3, len(text) - MAX_CHARS))
    right = left + MAX_CHARS
    prefix, suffix = ("…" if left else ""), ("…" if right < len(text) else "")
    kept = [(s - left + len(prefix), e - left + len(prefix)) for s, e in marks if s >= left and e <= right]
    return prefix + text[left:right] + suffix, tuple(kept)


def evidence(fields: Mapping[str, str | None], spans: Sequence[Span]) -> tuple[Evidence, ...]:
    """At most MAX_SENTENCES sentences, in the order of the spans, each with every span it holds marked."""
    sentences: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
    for span in spans:
        text = fields.get(span.field) or ""
        if not 0 <= span.start < span.end <= len(text):
            continue
        begin, stop = sentence_bounds(text, span.start, span.end)
        key = (span.field, begin, stop)
        if key not in sentences and len(sentences) == MAX_SENTENCES:
            continue
        sentences.setdefault(key, []).append((span.start - begin, min(span.end, stop) - begin))
    out = []
    for (field, begin, stop), marks in sentences.items():
        text, kept = _trimmed(fields[field][begin:stop], sorted(set(marks)))  # type: ignore[index]
        out.append(Evidence(field, text, kept))
    return tuple(out)
