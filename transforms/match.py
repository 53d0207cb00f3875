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
_ORDER = {name: i for i, name in enumerate(FIELDS)}


class Matcher:
    """``Matcher(watchlist).match(story)``; give an EnrichedStory for country/region predicates.

    ``backend`` is "hyperscan" or "ahocorasick" (default: hyperscan when installed). Large watch lists
    are cached compiled in ``cache`` (default: ``$WIREWATCH_CACHE`` or ``~/.cache/wirewatch``; None: never).
    """

    def __init__(self, watchlist: WatchList, *, backend: str | None = None,
                 cache: CompiledCache | None | object = _DEFAULT) -> None:
        self.watchlist = watchlist
        self.engine = Engine(watchlist, backend, default_cache() if cache is _DEFAULT else cache)  # type: ignore[arg-type]

    def match(self, story: Story | EnrichedStory) -> tuple[RuleMatch, ...]:
        view = StoryView(story)
        return tuple(to_match(self.watchlist.rules[f.rule], f, view) for f in self.engine.run(view))


def to_match(rule: Rule, fired: Fired, view: StoryView) -> RuleMatch:
    return RuleMatch(rule.id, float(fired.score), spans(view, fired.occurrences), fired.clause)


def spans(view: StoryView, occurrences: list[tuple[int, int, int]]) -> tuple[Span, ...]:
    """Evidence spans in field order, keeping the outermost of nested ones ("withdraw troops", not also
    "troops")."""
    key = frozenset(occurrences)
    known = view.spans.get(key)
    if known is not None:
        return known
    span = view.span
    found = sorted({span(*occ) for occ in sorted(set(occurrences))}, key=lambda s: (_ORDER[s[0]], s[1], -s[2]))
    kept: list[Span] = []
    for field, start, end, text in found:
        if kept and kept[-1].field == field and kept[-1].start <= start and end <= kept[-1].end:
            continue
        kept.append(Span(field, start, end, text))
    view.spans[key] = result = tuple(kept)
    return result


def rule_by_id(watchlist: WatchList, rule_id: str) -> Rule:
    return next(r for r in watchlist.rules if r.id == rule_id)
