"""Match a compiled watch list against a story: one multi-pattern scan per key line finds every term of
every rule (the prefilter), then only candidate rules are evaluated. Every match carries its evidence
spans and the clause that fired. The engine lives in ``transforms.rulelang``."""

from __future__ import annotations

from operator import itemgetter

from transforms.records import EnrichedStory, RuleMatch, Span, Story
from transforms.rulelang.cache import CompiledCache, default_cache
from transforms.rulelang.engine import Engine, Fired
from transforms.rulelang.syntax import Rule, WatchList
from transforms.rulelang.view import StoryView

_DEFAULT = object()


class Matcher:
    """``Matcher(watchlist).match(story)``; give an EnrichedStory for country/region predicates.

    ``backend`` is "hyperscan" or "ahocorasick" (default: hyperscan when installed). Large watch lists
    are cached compiled in ``cache`` (default: ``$WIREWATCH_CACHE`` or ``~/.cache/wirewatch``; None: never).
    """

    def __init__(self, watchlist: WatchList, *, backend: str | None = None,
                 cache: CompiledCache | None | object = _DEFAULT) -> None:
        self.watchlist = watchlist
        self.engine = Engine(watchlist, backend, default_cache() if cache is _DEFAULT else cache)  # type: ignore[arg-type]
        self._ids = [rule.id for rule in watchlist.rules]

    def match(self, story: Story | EnrichedStory) -> tuple[RuleMatch, ...]:
        view = StoryView(story)
        ids = self._ids
        fired, sets = self.engine.fire_sets(view)
        evidence = [_evidence(view, occurrences) for occurrences in sets]
        return tuple([RuleMatch(ids[index], score, evidence[k], clause) for index, score, clause, k in fired])


def to_match(rule: Rule, fired: Fired, view: StoryView) -> RuleMatch:
    return RuleMatch(rule.id, float(fired.score), spans(view, fired.occurrences), fired.clause)


def spans(view: StoryView, occurrences: list[tuple[int, int, int]]) -> tuple[Span, ...]:
    """Evidence spans in field order, keeping the outermost of nested ones ("withdraw troops", not also
    "troops")."""
    memo = view.evidence
    key = occurrences[0] if len(occurrences) == 1 else frozenset(occurrences)
    known = memo.get(key)
    if known is None:
        known = memo[key] = _evidence(view, occurrences)
    return known


def _evidence(view: StoryView, occurrences: list[tuple[int, int, int]] | tuple) -> tuple[Span, ...]:
    if len(occurrences) == 1:
        return (_span(view, occurrences[0])[1],)
    kept: list[Span] = []
    last_field, last_start, last_end = -1, 0, 0
    # (field, start, -end) orders the spans of distinct occurrences (never equal: text follows from them)
    for (field, start, negative_end), found in sorted([_span(view, occ) for occ in set(occurrences)],
                                                      key=itemgetter(0)):
        end = -negative_end
        if field == last_field and last_start <= start and end <= last_end:
            continue
        kept.append(found)
        last_field, last_start, last_end = field, start, end
    return tuple(kept)


def _span(view: StoryView, occ: tuple[int, int, int]) -> tuple[tuple[int, int, int], Span]:
    """((field, start, -end), Span) of one occurrence, made once per story."""
    found = view.entries.get(occ)
    if found is None:
        name, start, end, text = view.span(*occ)
        found = view.entries[occ] = ((occ[0], start, -end), Span(name, start, end, text))
    return found


def rule_by_id(watchlist: WatchList, rule_id: str) -> Rule:
    return next(r for r in watchlist.rules if r.id == rule_id)
