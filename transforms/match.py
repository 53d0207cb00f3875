"""Match a compiled watch list against a story: one multi-pattern scan per key line finds every term of
every rule (the prefilter), then only candidate rules are evaluated. Every match carries its evidence
spans and the clause that fired. The engine lives in ``transforms.rulelang``."""

from __future__ import annotations

from transforms.records import EnrichedStory, RuleMatch, Span, Story
from transforms.rulelang.cache import CompiledCache, default_cache
from transforms.rulelang.engine import Engine, Fired
from transforms.rulelang.syntax import FIELDS, Rule, WatchList
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
        fired, sets = self.engine.fire_sets(view, spans=True)
        evidence = [_spans(view, triples) for triples in sets]
        return tuple([RuleMatch(ids[index], score, evidence[k], clause) for index, score, clause, k in fired])


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
