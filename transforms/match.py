"""Match a compiled watch list against a story: one Aho-Corasick pass per field finds every term of every
rule (the prefilter), then only rules with a hit are evaluated. Every match carries its evidence spans."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from transforms.records import RuleMatch, Span, Story
from transforms.rules import AnyOf, Node, Op, Rule, Term, WatchList
from transforms.tokens import PhraseIndex, Token, keys, tokenize

FIELDS = ("title", "dateline", "body")


@dataclass(frozen=True, slots=True)
class Occurrence:
    field: str
    first: int  # token indices, inclusive
    last: int


class Matcher:
    def __init__(self, watchlist: WatchList) -> None:
        self.watchlist = watchlist
        terms: dict[Term, set[str]] = defaultdict(set)
        for rule in watchlist.rules:
            for term in _terms(rule.tree):
                terms[term].add(rule.id)
        self._rules_by_term = {term: frozenset(ids) for term, ids in terms.items()}
        self._stemmed: PhraseIndex[Term] = PhraseIndex((t.keys, t) for t in terms if t.stemmed)
        self._folded: PhraseIndex[Term] = PhraseIndex((t.keys, t) for t in terms if not t.stemmed)
        self._rules = {rule.id: rule for rule in watchlist.rules}

    def match(self, story: Story) -> tuple[RuleMatch, ...]:
        hits: dict[Term, list[Occurrence]] = defaultdict(list)
        tokens: dict[str, list[Token]] = {}
        for field in FIELDS:
            text = getattr(story, field)
            if not text:
                continue
            toks = tokens[field] = tokenize(text)
            for index, stemmed in ((self._stemmed, True), (self._folded, False)):
                if index.size:
                    for hit in index.find(keys(toks, stemmed)):
                        hits[hit.payload].append(Occurrence(field, hit.first, hit.last))
        candidates = sorted({rid for term in hits for rid in self._rules_by_term[term]})
        matches = []
        for rid in candidates:
            fired, occurrences = _evaluate(self._rules[rid].tree, hits)
            if fired and occurrences:
                spans = _spans(story, tokens, occurrences)
                matches.append(RuleMatch(rid, float(len(spans)), spans))
        return tuple(matches)


def _terms(node: Node) -> list[Term]:
    if isinstance(node, AnyOf):
        return list(node.terms)
    return [t for arg in node.args for t in _terms(arg)]


def _evaluate(node: Node, hits: dict[Term, list[Occurrence]]) -> tuple[bool, list[Occurrence]]:
    if isinstance(node, AnyOf):
        found = [occ for term in node.terms for occ in hits.get(term, ())]
        return bool(found), found
    results = [_evaluate(arg, hits) for arg in node.args]
    if node.kind == "NOT":
        return not results[0][0], []
    if node.kind == "OR":
        return any(r[0] for r in results), [o for ok, occs in results if ok for o in occs]
    if node.kind == "AND":
        ok = all(r[0] for r in results)
        return ok, [o for _, occs in results for o in occs] if ok else []
    near = _near(results[0][1], results[1][1], node.distance, ordered=node.kind == "ONEAR")
    return bool(near), near


def _near(left: list[Occurrence], right: list[Occurrence], n: int, ordered: bool) -> list[Occurrence]:
    """Pairs within ``n`` words (words strictly between them), merged into one occurrence each."""
    out = []
    for a in left:
        for b in right:
            if a.field != b.field or (a.first == b.first and a.last == b.last):
                continue
            if b.first > a.last:
                gap = b.first - a.last - 1
            elif a.first > b.last and not ordered:
                gap = a.first - b.last - 1
            else:
                continue
            if gap <= n:
                out.append(Occurrence(a.field, min(a.first, b.first), max(a.last, b.last)))
    return out


def _spans(story: Story, tokens: dict[str, list[Token]], occurrences: list[Occurrence]) -> tuple[Span, ...]:
    spans = set()
    for occ in occurrences:
        text = getattr(story, occ.field)
        start, end = tokens[occ.field][occ.first].start, tokens[occ.field][occ.last].end
        spans.add(Span(occ.field, start, end, text[start:end]))
    ordered = sorted(spans, key=lambda s: (FIELDS.index(s.field), s.start, s.end))
    # Keep the outermost of nested spans: "withdraw troops" rather than also "troops".
    kept: list[Span] = []
    for span in sorted(ordered, key=lambda s: (FIELDS.index(s.field), s.start, -s.end)):
        if kept and kept[-1].field == span.field and kept[-1].start <= span.start and span.end <= kept[-1].end:
            continue
        kept.append(span)
    return tuple(kept)


def rule_by_id(watchlist: WatchList, rule_id: str) -> Rule:
    return next(r for r in watchlist.rules if r.id == rule_id)
