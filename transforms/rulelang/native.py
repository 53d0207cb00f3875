"""The optional compiled core of the engine (the ``wirewatch_native`` module, built from ``native/`` by
scripts/bootstrap where cargo is installed): the same scan, candidate and evaluation steps as
``engine.py``/``evaluate.py`` in Rust, fed with a plan of plain tuples made here. The Python engine stays
the reference and the fallback; ``WIREWATCH_NATIVE=0`` turns the compiled core off."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from wirewatch.records import RuleMatch, Span
from wirewatch.transforms.rulelang.cache import paused_gc
from wirewatch.transforms.rulelang.compiled import wanted, wirewatch_native  # (the engine reads both here)
from wirewatch.transforms.rulelang.evaluate import simple_or
from wirewatch.transforms.rulelang.program import Program
from wirewatch.transforms.rulelang.syntax import FIELDS, Leaf, Node, Op, Pred, WatchList

# What a fault inside the core raises: its errors, and a Rust panic (a BaseException, not an Exception).
FAULTS: tuple[type[BaseException], ...] = (
    (Exception, wirewatch_native.PanicException) if wirewatch_native else (Exception,)
)

OPS = {"NOT": 2, "AND": 3, "OR": 4, "NEAR": 5, "ONEAR": 6}
WHOLE, SIMPLE, ALTERNATIVES = 0, 1, 2  # how a rule's root is evaluated (see evaluate.compile_root)


def available() -> bool:
    return wirewatch_native is not None


def record_kinds() -> tuple[type[Span], type[RuleMatch]] | None:
    """Span and RuleMatch, when the compiled core may make them itself (``Core.matches``): it sets the
    fields of a new instance in order as the dataclass's ``__init__`` does, so the classes must be frozen,
    slotted dataclasses with exactly those fields and no ``__post_init__``. None otherwise."""
    for kind, names in ((Span, ("field", "start", "end", "text")), (RuleMatch, ("rule", "score", "spans", "clause"))):
        params = getattr(kind, "__dataclass_params__", None)
        if (params is None or not params.frozen or "__slots__" not in kind.__dict__ or hasattr(kind, "__post_init__")
                or tuple(f.name for f in dataclasses.fields(kind)) != names):
            return None
    return Span, RuleMatch


def build(program: Program, watchlist: WatchList) -> tuple[Any, tuple]:
    """The compiled core for ``program``, and the plan it was built from (worth caching: it loads faster
    than the program). The plan is a few million small objects made at once: the collector is paused
    meanwhile (with it running, 100,000 rules took 4.2 s instead of 0.3 s)."""
    with paused_gc():
        made = plan(program, watchlist)
        return core(made), made


def core(plan_: tuple) -> Any:
    if wirewatch_native is None:
        raise RuntimeError("the rule engine's compiled core is not installed: scripts/bootstrap builds it from "
                           "native/ where cargo is installed")
    return wirewatch_native.Core(plan_)


def extra_streams(plan_: tuple) -> tuple[str, ...]:
    """The streams after stem and form (other languages' stems), in the order ``fire`` takes their lines."""
    return tuple(plan_[7][2:])


def plan_size(plan_: tuple) -> int:
    """Patterns in a plan."""
    return sum(len(patterns) for patterns, _ in plan_[1])


def plan(program: Program, watchlist: WatchList) -> tuple:
    """What the compiled core is built from: (term count, per stream (patterns, term ids per pattern),
    case rows, anchor rows, always, per rule (mode, threshold, root node, simple parts), the rules
    that require a country or region, per fact, the stream names: stem, form, then other languages'
    stems, whose key lines ``fire`` takes after the first two, and the rule ids)."""
    streams = [(list(program.patterns[stream]), [list(owners) for owners in program.pattern_terms[stream]])
               for stream in program.streams]
    rules: list[tuple] = []
    for index, rule in enumerate(watchlist.rules):
        leaf_terms = program.leaf_terms[index]
        tree = rule.tree
        if isinstance(tree, Op) and tree.kind == "OR" and simple_or(tree):
            parts = [(list(tids), arg.weight * tree.weight, arg.text)
                     for arg, tids in zip(tree.args, leaf_terms, strict=True)]
            rules.append((SIMPLE, rule.threshold, None, parts))
            continue
        mode = ALTERNATIVES if isinstance(tree, Op) and tree.kind == "OR" else WHOLE
        rules.append((mode, rule.threshold, _node(tree, iter(leaf_terms)), None))
    return (
        len(program.term_texts),
        streams,
        [(tid, list(written), prefix) for tid, (written, prefix) in program.case.items()],
        [(tid, sorted(rules_)) for tid, rules_ in program.anchors.items()],
        sorted(program.always),
        rules,
        [(kind, value, sorted(rules_)) for (kind, value), rules_ in program.by_fact.items()],
        list(program.streams),
        [rule.id for rule in watchlist.rules],
    )


def _node(node: Node, leaf_terms: Iterator[tuple[int, ...]]) -> tuple:
    """A clause as (kind, ...fields, text); leaves take their term ids in walk order."""
    if isinstance(node, Leaf):
        scope = FIELDS.index(node.scope) if node.scope else -1
        return (0, scope, node.weight, list(next(leaf_terms)), node.text)
    if isinstance(node, Pred):
        return (1, node.kind, node.value, node.weight, node.text)
    return (OPS[node.kind], node.weight, node.distance, [_node(arg, leaf_terms) for arg in node.args], node.text)
