"""Match a compiled watch list against a story: one multi-pattern scan per key line finds every term of
every rule (the prefilter), then only candidate rules are evaluated. Every match carries its evidence
spans and the clause that fired, within caps on what one story may carry. The engine lives in
``transforms.rulelang``."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from wirewatch.records import EnrichedStory, RuleMatch, Span, Story
from wirewatch.transforms.rulelang.cache import CompiledCache, default_cache
from wirewatch.transforms.rulelang.engine import Engine, Fired
from wirewatch.transforms.rulelang.syntax import FIELDS, SEVERITIES, Rule, WatchList
from wirewatch.transforms.rulelang.view import StoryView, story_facts
from wirewatch.transforms.tokens import StoryWords

log = logging.getLogger("wirewatch.match")
_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class Caps:
    """What one story's matches may carry: a story that matches thousands of rules would otherwise become
    as many alerts and a record of any size. What is cut is logged and counted (``Matcher.cut``); the
    record keeps its shape. The defaults sit above what normal work needs (docs/rules.md says how they were
    chosen: bench/match_caps.py)."""

    matches: int = 1_000  # per story (so alerts too): the most severe kept, then the highest scores, then file order
    spans_per_match: int = 20  # evidence spans of one match: the first in field order (title, dateline, body)
    spans: int = 2_000  # evidence spans of one story over all its matches; each match keeps at least one

    def __post_init__(self) -> None:
        if min(self.matches, self.spans_per_match) < 1 or self.spans < self.matches:
            raise ValueError(f"caps need at least one match and one span each, and spans >= matches: {self}")


CAPS = Caps()


class Matcher:
    """``Matcher(watchlist).match(story)``; give an EnrichedStory for country/region predicates.

    ``backend`` is "hyperscan" or "ahocorasick" (default: hyperscan when installed). Large watch lists
    are cached compiled in ``cache`` (default: ``$WIREWATCH_CACHE`` or ``~/.cache/wirewatch``; None: never).
    """

    def __init__(self, watchlist: WatchList, *, backend: str | None = None,
                 cache: CompiledCache | None | object = _DEFAULT, caps: Caps = CAPS) -> None:
        self.watchlist = watchlist
        self.engine = Engine(watchlist, backend, default_cache() if cache is _DEFAULT else cache)  # type: ignore[arg-type]
        self._ids = [rule.id for rule in watchlist.rules]
        self.caps = caps
        self.cut: Counter[str] = Counter()  # stories, matches and spans left out by the caps

    def match(self, story: Story | EnrichedStory, words: StoryWords | None = None) -> tuple[RuleMatch, ...]:
        """``words``: the story's words already split (``transforms.tokens.StoryWords``), so they are not
        split again."""
        caps = self.caps
        limits = (caps.matches, caps.spans_per_match, caps.spans)
        if self.engine.reads_texts:  # the compiled core reads the texts: a view only where it does not answer
            plain = story.story if isinstance(story, EnrichedStory) else story
            made = self.engine.records_from(plain, story_facts(story), limits)
            if isinstance(made, tuple):
                return made
            view = StoryView(story, words)
        else:
            view = StoryView(story, words)
            made = self.engine.records(view, limits)
            if isinstance(made, tuple):
                return made
        ids = self._ids
        fired, sets = self.engine.fire_sets(view, spans=True, compiled=made)
        if len(fired) > caps.matches or sum(len(sets[k]) for *_, k in fired) > caps.spans or any(
                len(triples) > caps.spans_per_match for triples in sets):
            return self._capped(view, fired, sets)
        evidence = [_spans(view, triples) for triples in sets]
        return tuple([RuleMatch(ids[index], score, evidence[k], clause) for index, score, clause, k in fired])

    def _capped(self, view: StoryView, fired: list[tuple[int, float, str, int]],
                sets: list) -> tuple[RuleMatch, ...]:
        """The matches within the caps, in the order they came (rule order); what was left out is logged."""
        caps, rules = self.caps, self.watchlist.rules
        rank = {severity: -n for n, severity in enumerate(SEVERITIES)}
        best = sorted(range(len(fired)), key=lambda i: (rank.get(rules[fired[i][0]].severity, 0), -fired[i][1], i))
        kept = best[: caps.matches]
        lengths = {i: min(len(sets[fired[i][3]]), caps.spans_per_match) for i in kept}
        budget = caps.spans - sum(1 for n in lengths.values() if n)  # each match keeps one span at least
        for i in kept:  # then the most important matches keep more
            extra = min(lengths[i] - 1, budget) if lengths[i] else 0
            lengths[i] = min(lengths[i], 1) + extra
            budget -= extra
        matches = []
        for i in sorted(kept):
            index, score, clause, k = fired[i]
            matches.append(RuleMatch(self._ids[index], score, _spans(view, sets[k][: lengths[i]]), clause))
        cut_matches = len(fired) - len(kept)
        cut_spans = sum(len(sets[k]) for *_, k in fired) - sum(lengths.values())
        self.cut.update(stories=1, matches=cut_matches, spans=cut_spans)
        log.warning("story %s matched %d rules: kept %d matches and %d evidence spans, left out %d matches and %d "
                    "spans (caps: %d matches, %d spans a match, %d a story)", view.story.id, len(fired), len(kept),
                    sum(lengths.values()), cut_matches, cut_spans, caps.matches, caps.spans_per_match, caps.spans)
        return tuple(matches)


def to_match(rule: Rule, fired: Fired, view: StoryView) -> RuleMatch:
    return RuleMatch(rule.id, float(fired.score), spans(view, fired.occurrences), fired.clause)


def spans(view: StoryView, occurrences: list[tuple[int, int, int]]) -> tuple[Span, ...]:
    """Evidence spans in field order, keeping the outermost of nested ones ("withdraw troops", not also
    "troops")."""
    key = frozenset(occurrences)
    known = view.memo.get(key)
    if known is None:
        known = view.memo[key] = _spans(view, view.evidence(occurrences))
    return known


def _spans(view: StoryView, triples: tuple[tuple[int, int, int], ...]) -> tuple[Span, ...]:
    """Span records for (field, start, end) triples, each made once per story."""
    made = view.entries
    out = []
    for triple in triples:
        found = made.get(triple)
        if found is None:
            field, start, end = triple
            name = FIELDS[field]
            found = made[triple] = Span(name, start, end, (getattr(view.story, name) or "")[start:end])
        out.append(found)
    return tuple(out)


def rule_by_id(watchlist: WatchList, rule_id: str) -> Rule:
    return next(r for r in watchlist.rules if r.id == rule_id)
