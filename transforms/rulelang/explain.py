"""Why each rule did or did not fire for one story: the prefilter's view (which anchor terms were found,
which set filters held) and, for evaluated rules, every clause with its result and evidence."""

from __future__ import annotations

from dataclasses import dataclass

from wirewatch.transforms.rulelang.engine import Engine
from wirewatch.transforms.rulelang.evaluate import Context, compile_rule
from wirewatch.transforms.rulelang.program import required
from wirewatch.transforms.rulelang.syntax import FIELDS, Leaf, Node, Op, Pred
from wirewatch.transforms.rulelang.view import StoryView


@dataclass(frozen=True, slots=True)
class Explanation:
    rule: str
    fired: bool
    score: float | None
    reason: str  # one line
    lines: tuple[str, ...] = ()  # the clause tree, one clause a line, indented


def explain(engine: Engine, view: StoryView) -> list[Explanation]:
    hits = engine.hits(view)
    candidates = set(engine.candidates(hits, view.facts))
    fired = {f.rule: f for f in engine.run(view)}
    out = []
    for index, rule in enumerate(engine.watchlist.rules):
        tids = engine.program.leaf_terms[index]
        if index not in candidates:
            out.append(Explanation(rule.id, False, None, _why_not_candidate(rule.tree, view)))
            continue
        trace: list = []
        compile_rule(rule.tree, tids, trace)(Context(hits, view.facts))
        results = {id(node): result for node, result in trace}
        lines = tuple(_render(rule.tree, results, view, 0))
        if index in fired:
            f = fired[index]
            reason = f"fired: score {f.score:g}" + (f" >= threshold {rule.threshold:g}" if rule.threshold is not None
                                                    else "") + f"; clause {f.clause}"
            out.append(Explanation(rule.id, True, f.score, reason, lines))
        else:
            root = results.get(id(rule.tree))
            if root is not None and rule.threshold is not None:
                reason = f"query holds but score {root[0]:g} < threshold {rule.threshold:g}"
            elif rule.id in engine.failures:
                reason = f"evaluation failed {engine.failures[rule.id]} time(s)"
            else:
                reason = "query does not hold"
            out.append(Explanation(rule.id, False, root[0] if root else None, reason, lines))
    return out


def _why_not_candidate(tree: Node, view: StoryView) -> str:
    missing = []
    for need in required(tree):
        if isinstance(need, Pred):
            if need.value not in view.facts[need.kind]:
                have = ", ".join(sorted(view.facts[need.kind])) or "none"
                missing.append(f"{need.kind}:{need.value} (story has {have})")
        else:
            texts = sorted(t.text for t in need)
            shown = ", ".join(texts[:6]) + (f" … ({len(texts)} terms)" if len(texts) > 6 else "")
            missing.append(f"one of [{shown}]")
    return "not a candidate: it needs " + "; and ".join(missing) if missing else "not a candidate"


def _render(node: Node, results: dict, view: StoryView, depth: int):
    result = results.get(id(node), "skipped")
    if result == "skipped":
        state = "not evaluated (decided before)"
    elif result is None:
        state = "false"
    else:
        evidence = "; ".join(f"{FIELDS[f]} {view.span(f, a, b)[3]!r}" for f, a, b in sorted(set(result[1]))[:4])
        state = f"true, score {result[0]:g}" + (f": {evidence}" if evidence else "")
    label = node.text if isinstance(node, (Leaf, Pred)) else f"{node.kind}" + (
        f"/{node.distance}" if node.kind in ("NEAR", "ONEAR") else "") + (
        f" ^{node.weight:g}" if node.weight != 1.0 else "")
    yield f"{'  ' * depth}{label}: {state}"
    if isinstance(node, Op):
        for arg in node.args:
            yield from _render(arg, results, view, depth + 1)


def render(explanations: list[Explanation], verbose_rules: set[str] | None = None) -> str:
    lines = []
    for e in explanations:
        lines.append(f"{'FIRED' if e.fired else 'no   '} {e.rule}: {e.reason}")
        if e.lines and (verbose_rules is None or e.rule in verbose_rules):
            lines.extend("      " + line for line in e.lines)
    return "\n".join(lines)
