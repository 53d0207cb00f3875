"""Compile a watch list into plain tables: every distinct term gets an integer id, every distinct key
sequence becomes one literal pattern per stream, and every rule is anchored on the cheapest set of terms
one of which must be found for it to fire. Rules that can fire without any term (``country:KP``,
``NOT x``) are evaluated for every story."""

from __future__ import annotations

from dataclasses import dataclass

from wirewatch.transforms.rulelang.syntax import (
    FORM,
    STEM,
    Leaf,
    Node,
    Pred,
    Term,
    WatchList,
    leaves,
)

STREAMS = (STEM, FORM)  # always scanned; a list in another language adds its stem stream after these


@dataclass(frozen=True, slots=True)
class Program:
    digest: str
    streams: tuple[str, ...]  # STREAMS, then the stem streams of other languages
    patterns: dict[str, tuple[str, ...]]  # stream -> literal patterns (" k1 k2 " or " k1 k2" for a prefix)
    pattern_terms: dict[str, tuple[tuple[int, ...], ...]]  # stream -> pattern id -> term ids
    pattern_words: dict[str, tuple[int, ...]]  # stream -> pattern id -> number of words
    case: dict[int, tuple[tuple[str, ...], bool]]  # term id -> (written words, prefix) when case matters
    anchors: dict[int, frozenset[int]]  # term id -> rules anchored on it (their cheapest required set)
    always: frozenset[int]  # rules that can hold without any term: evaluated for every story
    # Candidates are narrowed with set operations before any rule is evaluated:
    second: dict[int, frozenset[int]]  # term id -> rules whose second required set holds it
    two_sets: frozenset[int]  # rules with a second required set
    by_fact: dict[tuple[str, str], frozenset[int]]  # (country|region, value) -> rules that require it
    fact_rules: frozenset[int]  # rules that require some country or region
    leaf_terms: tuple[tuple[tuple[int, ...], ...], ...]  # rule -> its leaves (walk order) -> term ids
    term_texts: tuple[str, ...]  # term id -> the term as written


def literal(keys: tuple[str, ...], prefix: bool) -> str:
    return " " + " ".join(keys) + ("" if prefix else " ")


def _cost(term: Term) -> float:
    """A guess at how often a term occurs: phrases are rare, short prefixes common."""
    words = min(len(p) for p in term.patterns)
    if term.prefix:
        return 4.0 if len(term.patterns[0][-1]) <= 4 else 1.5
    return 1.0 / words + (0.5 if len(term.patterns[0][0]) <= 3 and words == 1 else 0.0)


Need = frozenset[Term] | Pred


def required(node: Node) -> list[Need]:
    """What must be true for ``node`` to hold: term sets (one term of each found) and predicates."""
    if isinstance(node, Leaf):
        return [frozenset(node.terms)]
    if isinstance(node, Pred):
        return [node] if node.kind in ("country", "region") else []
    if node.kind == "NOT":
        return []
    parts = [required(arg) for arg in node.args]
    if node.kind == "OR":
        sets = [[n for n in p if isinstance(n, frozenset)] for p in parts]
        if any(not s for s in sets):
            return []
        return [frozenset().union(*(min(s, key=_set_cost) for s in sets))]
    return [n for p in parts for n in p]


def _set_cost(terms: frozenset[Term]) -> float:
    return sum(_cost(t) for t in terms)


def compile_program(watchlist: WatchList) -> Program:
    term_ids: dict[Term, int] = {}
    terms: list[Term] = []
    leaf_terms = []
    anchors: dict[int, list[int]] = {}
    always = []
    second: dict[int, set[int]] = {}
    by_fact: dict[tuple[str, str], set[int]] = {}

    def tid(term: Term) -> int:
        found = term_ids.get(term)
        if found is None:
            found = term_ids[term] = len(terms)
            terms.append(term)
        return found

    for index, rule in enumerate(watchlist.rules):
        leaf_terms.append(tuple(tuple(tid(t) for t in leaf.terms) for leaf in leaves(rule.tree)))
        need = required(rule.tree)
        sets = sorted({n for n in need if isinstance(n, frozenset)}, key=_set_cost)
        facts = [(n.kind, n.value) for n in need if isinstance(n, Pred)]
        if facts:
            by_fact.setdefault(facts[0], set()).add(index)
        if len(sets) > 1:
            for term in sets[1]:
                second.setdefault(tid(term), set()).add(index)
        if not sets:
            always.append(index)
            continue
        for term in sets[0]:
            anchors.setdefault(tid(term), []).append(index)

    streams = STREAMS + tuple(sorted({t.stream for t in terms} - set(STREAMS)))
    patterns: dict[str, dict[str, int]] = {s: {} for s in streams}
    owners: dict[str, list[list[int]]] = {s: [] for s in streams}
    nwords: dict[str, list[int]] = {s: [] for s in streams}
    case = {}
    for term_id, term in enumerate(terms):
        table = patterns[term.stream]
        for keys in term.patterns:
            text = literal(keys, term.prefix)
            pid = table.get(text)
            if pid is None:
                pid = table[text] = len(table)
                owners[term.stream].append([])
                nwords[term.stream].append(len(keys))
            owners[term.stream][pid].append(term_id)
        if term.case:
            case[term_id] = (term.case, term.prefix)
    return Program(
        digest=watchlist.digest,
        streams=streams,
        patterns={s: tuple(patterns[s]) for s in streams},
        pattern_terms={s: tuple(tuple(dict.fromkeys(o)) for o in owners[s]) for s in streams},
        pattern_words={s: tuple(nwords[s]) for s in streams},
        case=case,
        anchors={t: frozenset(r) for t, r in anchors.items()},
        always=frozenset(always),
        second={t: frozenset(r) for t, r in second.items()},
        two_sets=frozenset().union(*second.values()),
        by_fact={f: frozenset(r) for f, r in by_fact.items()},
        fact_rules=frozenset().union(*by_fact.values()),
        leaf_terms=tuple(leaf_terms),
        term_texts=tuple(t.text for t in terms),
    )
