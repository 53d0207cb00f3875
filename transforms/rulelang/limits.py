"""What one watch list may hold. Each limit is far above what a hand-written or generated list needs
(docs/rules.md) and far below what would exhaust memory, the stack or the time of the loader; over any
of them loading stops with a RuleError that names the limit and where it was crossed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    file_bytes: int = 32 * 1024 * 1024  # a watch list file, checked before any of it is parsed
    rules: int = 200_000  # rules in one file
    depth: int = 50  # nesting in a query: each '(', NOT, field scope and NEAR/ONEAR link is one level
    query_terms: int = 10_000  # terms and predicates written in one query or alias expression
    alias_terms: int = 100_000  # terms in one alias
    rule_terms: int = 100_000  # terms of one rule, each use of an alias counting all of its terms
    term_chars: int = 1_000  # one term as written (the scanner's patterns have a length limit)


def long_term(text: str, limits: Limits) -> str | None:
    """What is wrong with a term as written that is too long, or None."""
    if len(text) <= limits.term_chars:
        return None
    return f"a term of more than {limits.term_chars:,} characters ({len(text):,}): shorten it"


LIMITS = Limits()
