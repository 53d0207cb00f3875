"""A rule's clause tree compiled into closures over a match context.

A clause gives None when it does not hold, else (score, occurrences); an occurrence is
(field, first word, last word) in the story view's word sequence. Scores (EMM style):
a term or alias scores its weight per occurrence; AND and OR add the scores of the clauses that hold
(times their own weight); NEAR/ONEAR score their weight per pair found; NOT and predicates score their
weight (0 unless written) when they hold. A rule fires when its query holds and, if it has a threshold,
the score reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wirewatch.transforms.rulelang.syntax import FIELDS, Leaf, Node, Op, Pred

Result = tuple[float, list[tuple[int, int, int]]] | None
Clause = Callable[["Context"], Result]


class Context:
    __slots__ = ("facts", "hits")

    def __init__(self, hits: dict[int, list[tuple[int, int, int]]], facts: dict[str, Any]) -> None:
        self.hits, self.facts = hits, facts


def compile_rule(tree: Node, leaf_terms: tuple[tuple[int, ...], ...],
                 trace: list | None = None) -> Clause:
    """Closures for ``tree``; ``leaf_terms`` gives each leaf's term ids in walk order. With ``trace``,
    every clause appends (node, result) as it is evaluated (for explanations)."""
    return _builder(leaf_terms, trace)(tree)


RootResult = tuple[Result, str]


def compile_root(tree: Node, leaf_terms: tuple[tuple[int, ...], ...],
                 threshold: float | None = None) -> Callable[[Context], RootResult]:
    """Like ``compile_rule``, and also names the clause that held: for a query that is an OR, the
    alternatives that held; otherwise the whole query. A result under ``threshold`` comes back as
    (None, ""), often without its occurrences being gathered."""
    build = _builder(leaf_terms, None)
    if not (isinstance(tree, Op) and tree.kind == "OR"):
        fn, text = build(tree), tree.text
        if threshold is None:
            return lambda ctx: (fn(ctx), text)

        def whole(ctx: Context) -> RootResult:
            result = fn(ctx)
            return (None, "") if result is None or result[0] < threshold else (result, text)

        return whole
    weight = tree.weight
    if simple_or(tree):
        return _simple_root(tree, build, leaf_terms, threshold)
    alternatives = [(build(arg), arg.text) for arg in tree.args]

    def root(ctx: Context) -> RootResult:
        score, occs, held = 0.0, [], []
        for fn, text in alternatives:
            result = fn(ctx)
            if result is not None:
                held.append(text)
                score += result[0]
                occs.extend(result[1])
        if not held or (threshold is not None and weight * score < threshold):
            return None, ""
        return (weight * score, occs), " OR ".join(held)

    return root


def simple_or(tree: Node) -> bool:
    """An OR of unscoped terms and aliases, none weighted below 0."""
    return (isinstance(tree, Op) and tree.kind == "OR" and tree.weight >= 0
            and all(isinstance(a, Leaf) and a.scope is None and a.weight >= 0 for a in tree.args))


def bound_terms(tree: Node, leaf_terms: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, float], ...] | None:
    """For an OR of unscoped terms and aliases: (term id, weight) pairs whose sum of weight times the
    term's occurrences bounds the score from above (the bound the compiled root tests first); else None."""
    if not simple_or(tree):
        return None
    assert isinstance(tree, Op)
    return tuple((t, arg.weight * tree.weight) for arg, tids in zip(tree.args, leaf_terms, strict=True) for t in tids)


def _simple_root(tree: Op, build: Callable, leaf_terms: tuple[tuple[int, ...], ...],
                 threshold: float | None) -> Callable[[Context], RootResult]:
    """An OR of unscoped terms and aliases, the most common rule: one pass over its term ids, no closures.

    Such a rule is anchored on all its terms, so a candidate always holds; with a threshold, an upper
    bound of the score (counting twice the words two terms of one alias both find) is tried first."""
    for arg in tree.args:
        build(arg)  # keeps the leaf order consistent with compile_rule
    weights = [arg.weight * tree.weight for arg in tree.args]
    texts = [arg.text for arg in tree.args]
    if all(len(tids) == 1 for tids in leaf_terms):
        return _single_term_root(tuple((tids[0], w, t) for tids, w, t in zip(leaf_terms, weights, texts, strict=True)),
                                 threshold)
    flat = tuple((t, k) for k, tids in enumerate(leaf_terms) for t in tids)
    weighted = tuple((t, weights[k]) for t, k in flat)
    shared = [len(tids) > 1 for tids in leaf_terms]

    def root(ctx: Context) -> RootResult:
        hits = ctx.hits
        if threshold is not None:
            get = hits.get
            bound = 0.0  # the sum in flat order, as sum() adds it: the same float
            for t, w in weighted:
                found = get(t)
                if found:
                    bound += w * len(found)
            if bound < threshold:
                return None, ""
        present = [(t, k) for t, k in flat if t in hits]
        if not present:
            return None, ""
        by_part: dict[int, list] = {}
        for t, k in present:
            found = by_part.get(k)
            if found is None:
                by_part[k] = list(hits[t])
            else:
                found.extend(hits[t])
        score, occs, held = 0.0, [], []
        for k, found in sorted(by_part.items()):
            if shared[k]:
                found = sorted(set(found))  # two terms of one alias can find the same words
            score += weights[k] * len(found)
            occs.extend(found)
            held.append(texts[k])
        if threshold is not None and score < threshold:
            return None, ""
        return (score, occs), " OR ".join(held)

    return root


def _single_term_root(parts: tuple[tuple[int, float, str], ...],
                      threshold: float | None) -> Callable[[Context], RootResult]:
    """An OR of leaves of one term each: a leaf's occurrences are the term's hits as they are. The score
    adds up in leaf order, as in the general case, so it is the same float."""
    if len(parts) == 1 and threshold is None:
        ((only, w, text),) = parts

        def one(ctx: Context) -> RootResult:
            found = ctx.hits.get(only)
            return ((w * len(found), found), text) if found else (None, "")

        return one

    def root(ctx: Context) -> RootResult:
        get = ctx.hits.get
        score, occs, held = 0.0, [], []
        for t, w, text in parts:
            found = get(t)
            if found:
                score += w * len(found)
                occs += found
                held.append(text)
        if not held or (threshold is not None and score < threshold):
            return None, ""
        return (score, occs), " OR ".join(held)

    return root


def _builder(leaf_terms: tuple[tuple[int, ...], ...], trace: list | None) -> Callable[[Node], Clause]:
    queue = list(leaf_terms)

    def build(node: Node) -> Clause:
        if isinstance(node, Leaf):
            fn = _leaf(node, queue.pop(0))
        elif isinstance(node, Pred):
            fn = _pred(node)
        else:
            # children are built in walk order, so leaves meet their term ids
            fn = _op(node, [build(arg) for arg in node.args])
        if trace is None:
            return fn

        def traced(ctx: Context, fn: Clause = fn, node: Node = node) -> Result:
            result = fn(ctx)
            trace.append((node, result))
            return result

        return traced

    return build


def _leaf(node: Leaf, tids: tuple[int, ...]) -> Clause:
    weight = node.weight
    scope = FIELDS.index(node.scope) if node.scope else None
    if len(tids) == 1 and scope is None:
        (only,) = tids

        def single(ctx: Context) -> Result:
            occs = ctx.hits.get(only)
            return (weight * len(occs), occs) if occs else None

        return single

    def anyof(ctx: Context) -> Result:
        hits = ctx.hits
        occs: list = []
        for t in tids:
            found = hits.get(t)
            if found:
                occs.extend(found)
        if scope is not None:
            occs = [o for o in occs if o[0] == scope]
        if not occs:
            return None
        if len(tids) > 1:
            occs = sorted(set(occs))  # two terms of one alias can find the same words
        return weight * len(occs), occs

    return anyof


def _pred(node: Pred) -> Clause:
    kind, value, weight = node.kind, node.value, node.weight
    if kind in ("country", "region"):
        return lambda ctx: (weight, []) if value in ctx.facts[kind] else None
    if kind == "lang":
        return lambda ctx: (weight, []) if ctx.facts["lang"].split("-")[0] == value.split("-")[0] and (
            "-" not in value or ctx.facts["lang"] == value) else None
    needle = f" {value} "
    return lambda ctx: (weight, []) if needle in ctx.facts[kind] else None


def _op(node: Op, args: list[Clause]) -> Clause:
    weight = node.weight
    if node.kind == "NOT":
        (inner,) = args
        return lambda ctx: None if inner(ctx) is not None else (0.0 if weight == 1.0 else weight, [])
    if node.kind == "AND":
        def all_of(ctx: Context) -> Result:
            score, occs = 0.0, []
            for arg in args:
                result = arg(ctx)
                if result is None:
                    return None
                score += result[0]
                occs.extend(result[1])
            return weight * score, occs

        return all_of
    if node.kind == "OR":
        def any_of(ctx: Context) -> Result:
            score, occs, held = 0.0, [], False
            for arg in args:
                result = arg(ctx)
                if result is not None:
                    held = True
                    score += result[0]
                    occs.extend(result[1])
            return (weight * score, occs) if held else None

        return any_of
    left, right = args
    distance, ordered = node.distance, node.kind == "ONEAR"

    def near(ctx: Context) -> Result:
        a = left(ctx)
        if a is None:
            return None
        b = right(ctx)
        if b is None:
            return None
        pairs = within(a[1], b[1], distance, ordered)
        return (weight * len(pairs), pairs) if pairs else None

    return near


def within(left: list, right: list, n: int, ordered: bool) -> list[tuple[int, int, int]]:
    """Pairs at most ``n`` words apart (words strictly between), each merged into one occurrence."""
    out = []
    for fa, a0, a1 in left:
        for fb, b0, b1 in right:
            if fa != fb or (a0 == b0 and a1 == b1):
                continue
            if b0 > a1:
                gap = b0 - a1 - 1
            elif a0 > b1 and not ordered:
                gap = a0 - b1 - 1
            else:
                continue
            if gap <= n:
                out.append((fa, min(a0, b0), max(a1, b1)))
    return out
