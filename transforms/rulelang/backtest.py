"""Backtest arithmetic, pure: per-story match records in, a report out (hits per rule, sample matches
with context, and what a new rule file gains and loses against an old one)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wirewatch.records import EnrichedStory, RuleMatch

CONTEXT = 60  # characters each side of the evidence


def context(enriched: EnrichedStory, match: RuleMatch) -> str:
    """The first evidence span with some text around it, the span in [brackets], on one line."""
    if not match.spans:
        return "(no text evidence: predicates only)"
    span = match.spans[0]
    text = getattr(enriched.story, span.field) or ""
    before = text[max(0, span.start - CONTEXT) : span.start]
    after = text[span.end : span.end + CONTEXT]
    return " ".join(f"{'…' if span.start > CONTEXT else ''}{before}[{span.text}]{after}".split())


def story_record(enriched: EnrichedStory, old: tuple[RuleMatch, ...] | None) -> dict[str, Any]:
    def side(matches: Iterable[RuleMatch]) -> dict[str, Any]:
        return {m.rule: {"score": m.score, "clause": m.clause, "context": context(enriched, m)} for m in matches}

    record = {"id": enriched.id, "title": enriched.story.title, "new": side(enriched.matches)}
    if old is not None:
        record["old"] = side(old)
    return record


def report(records: list[dict[str, Any]], samples: int = 3) -> dict[str, Any]:
    """Hits per rule, up to ``samples`` matches per rule (by story id), and gained/lost stories per rule."""
    records = sorted(records, key=lambda r: str(r["id"]))
    against = any("old" in r for r in records)
    rules: dict[str, dict[str, Any]] = {}

    def entry(rule: str) -> dict[str, Any]:
        return rules.setdefault(rule, {"hits": 0, "old_hits": 0, "samples": [], "gained": [], "lost": []})

    for r in records:
        new, old = r["new"], r.get("old", {})
        for rule, m in new.items():
            e = entry(rule)
            e["hits"] += 1
            if len(e["samples"]) < samples:
                e["samples"].append({"id": r["id"], "clause": m["clause"], "context": m["context"]})
            if against and rule not in old:
                e["gained"].append({"id": r["id"], "context": m["context"]})
        for rule, m in old.items():
            e = entry(rule)
            e["old_hits"] += 1
            if rule not in new:
                e["lost"].append({"id": r["id"], "context": m["context"]})
    return {"stories": len(records), "against": against, "rules": dict(sorted(rules.items()))}


def render(summary: dict[str, Any], samples: int = 3) -> str:
    against = summary["against"]
    lines = [f"stories: {summary['stories']}", ""]
    head = f"{'rule':<28} {'hits':>7}" + (f" {'old':>7} {'gained':>7} {'lost':>7}" if against else "")
    lines.append(head)
    for rule, e in summary["rules"].items():
        row = f"{rule:<28} {e['hits']:>7}"
        if against:
            row += f" {e['old_hits']:>7} {len(e['gained']):>7} {len(e['lost']):>7}"
        lines.append(row)
    for rule, e in summary["rules"].items():
        if e["samples"]:
            lines.append(f"\n{rule}: sample matches")
            lines.extend(f"  {s['id']}: {s['context']}" for s in e["samples"])
        for label, sign in (("gained", "+"), ("lost", "-")):
            if e[label]:
                lines.append(f"{rule}: {label} {len(e[label])} stories against the old rules")
                lines.extend(f"  {sign} {s['id']}: {s['context']}" for s in e[label][:samples])
    return "\n".join(lines)
