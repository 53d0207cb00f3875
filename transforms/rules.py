"""Watch lists: a YAML file of named alias sets and rules, each rule a query in a small language.

Query grammar (case of the operators matters; terms are case-insensitive)::

    query   := or
    or      := and ("OR" and)*
    and     := unary ("AND" unary)*
    unary   := "NOT" unary | near
    near    := primary (("NEAR/" n | "ONEAR/" n) primary)*     # n words apart at most; ONEAR keeps order
    primary := "(" query ")" | term
    term    := @alias | "quoted phrase" | word | word* | =word   # word*: prefix; =word: no stemming

Words and phrases match by Snowball stem, so ``withdraw`` also finds "withdrawal" and "withdrawing".
Errors name the file, line and column and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import yaml

from transforms.tokens import phrase_keys

RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SEVERITIES = ("low", "medium", "high", "critical")
_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<near>O?NEAR/\d+)|"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))')


class RuleError(ValueError):
    """A watch list that cannot be used as written. Not retriable: the file must be fixed."""

    retriable = False

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message


@dataclass(frozen=True, slots=True)
class Term:
    keys: tuple[str, ...]  # word keys; the last may end with "*" (prefix)
    stemmed: bool
    text: str  # as written, for explanations


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple[Term, ...]
    name: str  # "@icbm" or the written term


@dataclass(frozen=True, slots=True)
class Op:
    kind: str  # AND, OR, NOT, NEAR, ONEAR
    args: tuple["Node", ...]
    distance: int = 0


Node = Union[AnyOf, Op]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: str
    query: str
    tree: Node


@dataclass(frozen=True, slots=True)
class WatchList:
    rules: tuple[Rule, ...]
    source: str


def parse_term(text: str) -> Term:
    """``word``/``"a phrase"`` match by stem; ``=word`` by exact (case-folded) form; ``word*`` by prefix
    of the written form (never stemmed: a stem may be shorter than the prefix)."""
    body = text.strip()
    prefix = body.endswith("*")
    stemmed = not body.startswith("=") and not prefix
    body = body.lstrip("=").rstrip("*")
    keys = phrase_keys(body, stemmed)
    if prefix and keys:
        keys = (*keys[:-1], keys[-1] + "*")
    return Term(keys, stemmed, text)


class _Parser:
    def __init__(self, query: str, aliases: dict[str, tuple[Term, ...]], where: tuple[str, int, int]) -> None:
        self.query, self.aliases, self.where = query, aliases, where
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(query):
            m = _TOKEN.match(query, pos)
            if not m or m.end() == pos:
                break
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind) if kind else "", m.start(kind) if kind else pos))
            pos = m.end()
        self.i = 0

    def error(self, message: str, column: int | None = None) -> RuleError:
        path, line, col = self.where
        if column is None:
            column = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.query)
        return RuleError(path, line, col + column, f"{message} in query {self.query!r}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty query", 0)
        node = self.parse_or()
        if self.peek():
            raise self.error(f"unexpected {self.peek()[1]!r}")
        return node

    def parse_or(self) -> Node:
        args = [self.parse_and()]
        while self.peek() and self.peek()[:2] == ("word", "OR"):
            self.i += 1
            args.append(self.parse_and())
        return args[0] if len(args) == 1 else Op("OR", tuple(args))

    def parse_and(self) -> Node:
        args = [self.parse_unary()]
        while self.peek() and self.peek()[:2] == ("word", "AND"):
            self.i += 1
            args.append(self.parse_unary())
        return args[0] if len(args) == 1 else Op("AND", tuple(args))

    def parse_unary(self) -> Node:
        if self.peek() and self.peek()[:2] == ("word", "NOT"):
            self.i += 1
            return Op("NOT", (self.parse_unary(),))
        return self.parse_near()

    def parse_near(self) -> Node:
        node = self.parse_primary()
        while self.peek() and self.peek()[0] == "near":
            kind, n = self.peek()[1].split("/")
            self.i += 1
            node = Op(kind, (node, self.parse_primary()), int(n))
        return node

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("expected a term or '(' but the query ended")
        kind, value, column = tok
        self.i += 1
        if kind == "lp":
            node = self.parse_or()
            if not self.peek() or self.peek()[0] != "rp":
                raise self.error("expected ')'")
            self.i += 1
            return node
        if kind == "phrase":
            term = parse_term(value)
            if not term.keys:
                raise self.error("empty phrase", column)
            return AnyOf((term,), f'"{value}"')
        if kind == "word" and value not in ("AND", "OR", "NOT"):
            if value.startswith("@"):
                terms = self.aliases.get(value[1:])
                if terms is None:
                    known = ", ".join(sorted(self.aliases)) or "none"
                    raise self.error(f"unknown alias {value!r} (known: {known})", column)
                return AnyOf(terms, value)
            term = parse_term(value)
            if not term.keys:
                raise self.error(f"{value!r} has no word in it", column)
            return AnyOf((term,), value)
        raise self.error(f"expected a term or '(' but found {value!r}", column)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _mapping(node: yaml.Node, path: str, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise RuleError(path, *_mark(node), f"{what} must be a mapping")
    return {k.value: (k, v) for k, v in node.value}


def _scalar(node: yaml.Node, path: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise RuleError(path, *_mark(node), f"{what} must be non-empty text")
    return str(node.value)


def load_watchlist(text: str, path: str = "<rules>") -> WatchList:
    """Parse and compile a watch list; the first problem raises RuleError with file, line and column."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RuleError(path, line, column, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if root is None:
        raise RuleError(path, 1, 1, "the watch list is empty (expected 'rules:')")
    top = _mapping(root, path, "the watch list")
    unknown = set(top) - {"version", "aliases", "rules"}
    if unknown:
        key = top[sorted(unknown)[0]][0]
        raise RuleError(path, *_mark(key), f"unknown key {key.value!r} (expected version, aliases, rules)")
    aliases: dict[str, tuple[Term, ...]] = {}
    if "aliases" in top:
        for name, (key, value) in _mapping(top["aliases"][1], path, "'aliases'").items():
            if not isinstance(value, yaml.SequenceNode) or not value.value:
                raise RuleError(path, *_mark(value), f"alias {name!r} must be a non-empty list of terms")
            terms = []
            for item in value.value:
                term = parse_term(_scalar(item, path, f"a term of alias {name!r}"))
                if not term.keys:
                    raise RuleError(path, *_mark(item), f"term {item.value!r} has no word in it")
                terms.append(term)
            aliases[name] = tuple(terms)
    if "rules" not in top or not isinstance(top["rules"][1], yaml.SequenceNode):
        raise RuleError(path, *_mark(top["rules"][1] if "rules" in top else root), "'rules' must be a list")
    rules, seen = [], set()
    for item in top["rules"][1].value:
        fields = _mapping(item, path, "a rule")
        for required in ("id", "query"):
            if required not in fields:
                raise RuleError(path, *_mark(item), f"a rule needs {required!r}")
        bad = set(fields) - {"id", "name", "severity", "query"}
        if bad:
            key = fields[sorted(bad)[0]][0]
            raise RuleError(path, *_mark(key), f"unknown rule key {key.value!r} (expected id, name, severity, query)")
        rid = _scalar(fields["id"][1], path, "'id'")
        if not RULE_ID.fullmatch(rid):
            raise RuleError(path, *_mark(fields["id"][1]), f"rule id {rid!r} must be kebab-case (a-z, 0-9, -)")
        if rid in seen:
            raise RuleError(path, *_mark(fields["id"][1]), f"duplicate rule id {rid!r}")
        seen.add(rid)
        severity = _scalar(fields["severity"][1], path, "'severity'") if "severity" in fields else "medium"
        if severity not in SEVERITIES:
            raise RuleError(path, *_mark(fields["severity"][1]), f"severity must be one of {', '.join(SEVERITIES)}")
        qnode = fields["query"][1]
        query = _scalar(qnode, path, "'query'")
        # Columns inside a plain or quoted one-line scalar: offset by the scalar's start (+1 for a quote).
        line, column = _mark(qnode)
        column += 1 if qnode.style in ("'", '"') else 0
        tree = _Parser(query, aliases, (path, line, column)).parse()
        name = _scalar(fields["name"][1], path, "'name'") if "name" in fields else rid
        rules.append(Rule(rid, name, severity, query, tree))
    return WatchList(tuple(rules), path)


def load_watchlist_file(path: str | Path) -> WatchList:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(p), 1, 1, f"cannot read the watch list: {exc}") from exc
    return load_watchlist(text, str(p))


DEFAULT_WATCHLIST = Path(__file__).parent / "data" / "watchlist.yaml"


def default_watchlist() -> WatchList:
    return load_watchlist_file(DEFAULT_WATCHLIST)
