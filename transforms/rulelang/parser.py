"""The query language: a tokenizer and a recursive-descent parser from query text to a clause tree.

    query    := or
    or       := and (("OR" | "|") and)*
    and      := unary ("AND" unary)*
    unary    := "NOT" unary | near
    near     := weighted (("NEAR/" n | "ONEAR/" n) weighted)*      n words between at most; ONEAR keeps order
    weighted := scoped ("^" number)?                                weight of a term or clause (may be < 0)
    scoped   := field ":" scoped | predicate ":" value | "case:" term | primary
    primary  := "(" query ")" | spread | term
    spread   := "spread>=" N | "new_region"                         the story's cluster: N outlets, a new region
    term     := @alias | word | "a phrase" | =word | ="a phrase" | word* | "a phr*"
    field    := title | dateline | body
    predicate:= country | region | source | credit | publisher | lang

Problems raise QueryError with the column (0-based) in the query and what was expected, also when the
query crosses a limit (limits.py): nesting (the parser recurses once per level), terms written, and terms
with the aliases expanded.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

from wirewatch.transforms.rulelang.errors import QueryError
from wirewatch.transforms.rulelang.limits import LIMITS, Limits, long_term
from wirewatch.transforms.rulelang.syntax import (
    FIELDS,
    PREDICATES,
    REGIONS,
    Leaf,
    Node,
    Op,
    Pred,
    Term,
)
from wirewatch.transforms.rulelang.terms import make_term
from wirewatch.transforms.spread import SPREAD_FACTS_MAX

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lp>\() | (?P<rp>\)) | (?P<bar>\|)
    | (?P<near>O?NEAR/\d+)(?![\w/])
    | (?P<weight>\^-?\d+(?:\.\d+)?)
    | (?P<scope>[A-Za-z]+):(?=\S)
    | (?P<phrase>=?"[^"]*"\*?)
    | (?P<word>[^\s()"|^]+)
    )""",
    re.VERBOSE,
)
OPERATORS = ("AND", "OR", "NOT")
MODIFIERS = ("case",)


@dataclasses.dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str
    start: int
    end: int


def tokenize(query: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(query):
        if not query[pos:].strip():
            break
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            column = query.index('"', pos) if '"' in query[pos:] else pos
            raise QueryError(column, "a quote is never closed" if '"' in query[pos:] else "cannot read this")
        kind = m.lastgroup or ""
        tokens.append(Token(kind, m.group(kind), m.start(kind), m.end(kind)))
        pos = m.end()
    return tokens


class Parser:
    """One query (or alias expression) against the aliases defined so far."""

    def __init__(self, query: str, aliases: dict[str, tuple[Term, ...]], language: str = "en",
                 limits: Limits = LIMITS) -> None:
        self.query, self.aliases, self.language, self.limits = query, aliases, language, limits
        self.tokens = tokenize(query)
        self.i = 0
        self.scope: str | None = None
        self.depth = 0  # levels of nesting open here
        self.written = 0  # terms and predicates so far
        self.expanded = 0  # terms so far, an alias counting all of its terms

    # -- helpers
    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def kind(self) -> str | None:
        tok = self.peek()
        return tok.kind if tok is not None else None

    def is_word(self, value: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.value == value

    def error(self, message: str, tok: Token | None = None) -> QueryError:
        tok = tok or self.peek()
        return QueryError(tok.start if tok else len(self.query.rstrip()), message)

    def text(self, first: int) -> str:
        return self.query[self.tokens[first].start : self.tokens[self.i - 1].end]

    def deeper(self, tok: Token) -> None:
        """One more level of nesting, opened at ``tok``; the caller closes it (``self.depth -= 1``)."""
        self.depth += 1
        if self.depth > self.limits.depth:
            raise QueryError(tok.start, f"nested more than {self.limits.depth} levels deep (each '(', NOT, field "
                                        "scope and NEAR/ONEAR link is a level)")

    def count(self, tok: Token, terms: int) -> None:
        """A term or predicate written at ``tok``, standing for ``terms`` terms."""
        self.written += 1
        self.expanded += terms
        limits = self.limits
        if self.written > limits.query_terms:
            raise QueryError(tok.start, f"more than {limits.query_terms:,} terms in one query: put long lists of "
                                        "terms in an alias")
        if self.expanded > limits.rule_terms:
            raise QueryError(tok.start, f"more than {limits.rule_terms:,} terms, counting all the terms of the "
                                        "aliases used: split it")

    # -- grammar
    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError(0, "empty query")
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rp":
                raise self.error("this ')' has no '(' before it")
            raise self.error(f"unexpected {tok.value!r}: expected AND, OR, NEAR/n, ONEAR/n or the end")
        return node

    def parse_or(self) -> Node:
        first = self.i
        args = [self.parse_and()]
        while self.is_word("OR") or self.kind() == "bar":
            self.i += 1
            args.append(self.parse_and())
        return args[0] if len(args) == 1 else Op("OR", tuple(args), text=self.text(first))

    def parse_and(self) -> Node:
        first = self.i
        args = [self.parse_unary()]
        while True:
            if self.is_word("AND"):
                self.i += 1
                args.append(self.parse_unary())
                continue
            tok = self.peek()
            if tok and (tok.kind in ("word", "phrase", "lp", "scope")) and tok.value not in OPERATORS:
                raise self.error(
                    f"two terms in a row before {tok.value!r}: join them with AND, OR, NEAR/n, or quote a phrase"
                )
            break
        return args[0] if len(args) == 1 else Op("AND", tuple(args), text=self.text(first))

    def parse_unary(self) -> Node:
        if self.is_word("NOT"):
            first = self.i
            self.deeper(self.tokens[first])
            self.i += 1
            inner = self.parse_unary()
            self.depth -= 1
            return Op("NOT", (inner,), text=self.text(first))
        return self.parse_near()

    def parse_near(self) -> Node:
        first = self.i
        node = self.parse_weighted()
        outer = self.depth
        while (tok := self.peek()) is not None and tok.kind == "near":
            kind, n = tok.value.split("/")
            self.deeper(tok)  # a chain nests: (a NEAR b) NEAR c
            self.i += 1
            right = self.parse_weighted()
            for side in (node, right):
                if isinstance(side, Pred) or (isinstance(side, Op) and side.kind == "NOT"):
                    raise QueryError(self.tokens[first].start, f"{kind}/{n} needs words on both sides, not {side.text!r}")
            node = Op(kind, (node, right), int(n), text=self.text(first))
        self.depth = outer
        return node

    def parse_weighted(self) -> Node:
        node = self.parse_scoped()
        tok = self.peek()
        if tok and tok.kind == "weight":
            self.i += 1
            node = dataclasses.replace(node, weight=float(tok.value[1:]), text=f"{node.text}{tok.value}")
        return node

    def parse_scoped(self) -> Node:
        tok = self.peek()
        if tok is None or tok.kind != "scope":
            return self.parse_primary()
        name = tok.value.lower()
        first = self.i
        self.i += 1
        if name in FIELDS:
            if self.scope and self.scope != name:
                raise self.error(f"'{name}:' inside '{self.scope}:' can never match", tok)
            outer, self.scope = self.scope, name
            self.deeper(tok)
            try:
                node = self.parse_scoped()
            finally:
                self.scope = outer
            self.depth -= 1
            return dataclasses.replace(node, text=self.text(first))
        if name in PREDICATES:
            value_tok = self.peek()
            if value_tok is None or value_tok.kind not in ("word", "phrase"):
                raise self.error(f"'{name}:' needs a value, e.g. {name}:{_EXAMPLE[name]}")
            self.i += 1
            self.count(value_tok, 0)
            value = _predicate_value(name, value_tok.value.strip('"'), value_tok)
            return Pred(name, value, text=self.text(first))
        if name in MODIFIERS:
            term_tok = self.peek()
            if term_tok is None or term_tok.kind not in ("word", "phrase") or term_tok.value.startswith("@"):
                raise self.error("'case:' needs a word or a quoted phrase right after it, e.g. case:ICBM")
            self.i += 1
            return self.leaf(term_tok, case=True, first=first)
        known = ", ".join(FIELDS + PREDICATES + MODIFIERS)
        raise self.error(f"unknown field or predicate {name!r}: (known: {known})", tok)

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("expected a term or '(' but the query ended")
        if tok.kind == "lp":
            self.deeper(tok)
            self.i += 1
            first = self.i - 1
            node = self.parse_or()
            if self.kind() != "rp":
                problem = self.error("expected ')' to close the '('")
                raise QueryError(problem.column, problem.message, opened=tok.start)
            self.i += 1
            self.depth -= 1
            return dataclasses.replace(node, text=self.text(first)) if isinstance(node, Op) else node
        if tok.kind == "word" and (spread := _spread_fact(tok)) is not None:
            self.i += 1
            self.count(tok, 0)
            return Pred("region", spread, text=tok.value)
        if tok.kind in ("word", "phrase") and tok.value not in OPERATORS:
            self.i += 1
            return self.leaf(tok, case=False, first=self.i - 1)
        raise self.error(f"expected a term or '(' but found {tok.value!r}")

    def leaf(self, tok: Token, *, case: bool, first: int) -> Leaf:
        if tok.value.startswith("@"):
            name = tok.value[1:]
            terms = self.aliases.get(name)
            if terms is None:
                close = difflib.get_close_matches(name, list(self.aliases), n=3)
                hint = f"did you mean {', '.join('@' + c for c in close)}?" if close else (
                    f"known: {', '.join(sorted(self.aliases)) or 'none'}")
                raise self.error(f"unknown alias {tok.value!r} ({hint})", tok)
            self.count(tok, len(terms))
            return Leaf(terms, tok.value, self.scope, text=self.text(first))
        self.count(tok, 1)
        if (problem := long_term(tok.value, self.limits)) is not None:
            raise self.error(problem, tok)
        try:
            term = make_term(tok.value, case=case, language=self.language)
        except ValueError as exc:
            raise self.error(str(exc), tok) from None
        return Leaf((term,), tok.value, self.scope, text=self.text(first))


_EXAMPLE = {"country": "KP", "region": '"Eastern Asia"', "source": "reuters", "credit": "AP",
            "publisher": "VOA", "lang": "en"}


_SPREAD = re.compile(r"spread>=(\d+)")


def _spread_fact(tok: Token) -> str | None:
    """``spread>=N`` (the story's cluster has reached N independent outlets) and ``new_region`` (the story took
    its cluster to a region it had not reached): facts of the cluster's spread (transforms/spread.py), which
    the story's facts keep with its regions. None for any other word."""
    if tok.value == "new_region":
        return "new_region"
    found = _SPREAD.fullmatch(tok.value)
    if found is None:
        return None
    if not 1 <= int(found[1]) <= SPREAD_FACTS_MAX:
        raise QueryError(tok.start, f"{tok.value}: spread>=N takes N from 1 to {SPREAD_FACTS_MAX}")
    return f"spread>={int(found[1])}"


def _predicate_value(kind: str, value: str, tok: Token) -> str:
    if kind == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise QueryError(tok.start, f"country:{value} is not an ISO 3166-1 alpha-2 code (e.g. country:KP)")
        return value.upper()
    if kind == "region":
        by_fold = {r.casefold(): r for r in REGIONS}
        if value.casefold() not in by_fold:
            close = difflib.get_close_matches(value, REGIONS, n=2)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"one of: {', '.join(REGIONS)}"
            raise QueryError(tok.start, f"unknown UN M49 sub-region {value!r} ({hint})")
        return by_fold[value.casefold()]
    if kind == "lang":
        if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*", value):
            raise QueryError(tok.start, f"lang:{value} is not a language code (e.g. lang:en)")
        return value.casefold()
    return " ".join(w.casefold() for w in re.findall(r"\w+", value))


def parse_alias(expression: str, aliases: dict[str, tuple[Term, ...]], language: str = "en",
                limits: Limits = LIMITS) -> tuple[Term, ...]:
    """An alias written as ``ICBM | "intercontinental ballistic missile" | Hwasong* | @other``."""
    parser = Parser(expression, aliases, language, dataclasses.replace(limits, rule_terms=limits.alias_terms))
    node = parser.parse()
    found: list[Term] = []
    stack = [node]
    while stack:
        n = stack.pop(0)
        if isinstance(n, Leaf) and n.scope is None and n.weight == 1.0:
            found.extend(n.terms)
        elif isinstance(n, Op) and n.kind == "OR":
            stack.extend(n.args)
        else:
            raise QueryError(0, f"an alias is a list of terms joined by '|', not {n.text!r}")
    return tuple(dict.fromkeys(found))
