"""Watch-list YAML to rules. Every problem names file, line and column (1-based) and what to do about it.

    version: 1
    language: en                      # optional (ISO 639-1): the stemmer for the list's terms
    aliases:
      icbm: ICBM | "intercontinental ballistic missile" | Hwasong*   # an expression, or a YAML list of terms
    rules:
      - id: icbm                      # kebab-case, unique
        version: 3                    # the rule's own version (default 1)
        name: Intercontinental ballistic missiles
        severity: high                # low | medium | high | critical (default medium)
        query: "@icbm AND NOT title:defence"
        threshold: 2                  # optional: the query's score must reach it
"""

from __future__ import annotations

import bisect
import hashlib
import re

import yaml

from transforms.rulelang.errors import QueryError, RuleError
from transforms.rulelang.parser import Parser, parse_alias
from transforms.rulelang.syntax import LANGUAGES, SEVERITIES, Rule, Term, WatchList
from transforms.rulelang.terms import make_term

LANGUAGE_VERSION = "3"  # part of every digest: a new language version never reuses old compiled forms
RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ALIAS_NAME = re.compile(r"[A-Za-z_][\w-]*")
TOP_KEYS = ("version", "language", "aliases", "rules")
RULE_KEYS = ("id", "version", "name", "description", "severity", "query", "threshold")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster composing


def digest(text: str) -> str:
    return hashlib.sha256(f"wirewatch-rules/{LANGUAGE_VERSION}\n{text}".encode()).hexdigest()


class _Source:
    """Maps positions in the YAML text to (line, column), 1-based."""

    def __init__(self, text: str, path: str) -> None:
        self.text, self.path = text, path
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1

    def mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def error(self, node: yaml.Node, message: str) -> RuleError:
        return RuleError(self.path, *self.mark(node), message)

    def in_scalar(self, node: yaml.Node, offset: int) -> tuple[int, int]:
        """Where character ``offset`` of a scalar's value is in the file, whatever its YAML style: the
        value's characters are aligned with the raw text, skipping quotes, indentation and line breaks."""
        raw_start, raw_end = node.start_mark.index, node.end_mark.index
        value, j = str(node.value), raw_start
        if value and offset >= len(value):  # just after the last character
            line, column = self.in_scalar(node, len(value) - 1)
            return line, column + 1
        for i, ch in enumerate(value):
            while j < raw_end and self.text[j] != ch:
                j += 1
            if i == offset:
                break
            j += 1
        return self.at(min(j, max(raw_start, raw_end - 1)) if offset < len(value) else raw_end)


def _mapping(src: _Source, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise src.error(node, f"{what} must be a mapping (key: value lines)")
    return {str(k.value): (k, v) for k, v in node.value}


def _scalar(src: _Source, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise src.error(node, f"{what} must be non-empty text")
    return str(node.value)


def _number(src: _Source, node: yaml.Node, what: str, kind: type) -> float:
    text = _scalar(src, node, what)
    try:
        return kind(text)
    except ValueError:
        raise src.error(node, f"{what} must be a {'whole ' if kind is int else ''}number, not {text!r}") from None


def _aliases(src: _Source, node: yaml.Node, strict: bool, problems: list,
             language: str) -> dict[str, tuple[Term, ...]]:
    aliases: dict[str, tuple[Term, ...]] = {}
    for name, (key, value) in _mapping(src, node, "'aliases'").items():
        try:
            if not ALIAS_NAME.fullmatch(name):
                raise src.error(key, f"alias name {name!r} must be letters, digits, '_' or '-'")
            if isinstance(value, yaml.SequenceNode) and value.value:
                terms: list[Term] = []
                for item in value.value:
                    text = _scalar(src, item, f"a term of alias {name!r}")
                    try:
                        terms.extend(_list_item(text, aliases, language))
                    except QueryError as exc:
                        raise RuleError(src.path, *src.in_scalar(item, exc.column), exc.message) from None
                aliases[name] = tuple(dict.fromkeys(terms))
            elif isinstance(value, yaml.ScalarNode) and str(value.value).strip():
                try:
                    aliases[name] = parse_alias(str(value.value), aliases, language)
                except QueryError as exc:
                    raise RuleError(src.path, *src.in_scalar(value, exc.column), exc.message) from None
            else:
                raise src.error(value, f"alias {name!r} must be a list of terms or 'a | b | \"c d\"'")
        except RuleError as exc:
            if strict:
                raise
            problems.append(exc)
    return aliases


def _list_item(text: str, aliases: dict[str, tuple[Term, ...]], language: str) -> tuple[Term, ...]:
    """One item of an alias list: a term (a bare phrase needs no quotes), ``case:TERM`` or ``@alias``."""
    body = text.strip()
    if body.startswith("@"):
        if body[1:] not in aliases:
            raise QueryError(0, f"unknown alias {body!r} (aliases must be defined before they are used)")
        return aliases[body[1:]]
    case = body.startswith("case:")
    try:
        return (make_term(body[5:] if case else body, case=case, language=language),)
    except ValueError as exc:
        raise QueryError(0, str(exc)) from None


def _rule(src: _Source, item: yaml.Node, aliases: dict[str, tuple[Term, ...]], seen: set[str],
          language: str) -> Rule:
    fields = _mapping(src, item, "a rule")
    for required in ("id", "query"):
        if required not in fields:
            raise src.error(item, f"a rule needs {required!r}")
    for key_text, (key, _) in fields.items():
        if key_text not in RULE_KEYS:
            raise src.error(key, f"unknown rule key {key_text!r} (expected {', '.join(RULE_KEYS)})")
    rid = _scalar(src, fields["id"][1], "'id'")
    if not RULE_ID.fullmatch(rid):
        raise src.error(fields["id"][1], f"rule id {rid!r} must be kebab-case (a-z, 0-9, -)")
    if rid in seen:
        raise src.error(fields["id"][1], f"duplicate rule id {rid!r}")
    seen.add(rid)
    severity = _scalar(src, fields["severity"][1], "'severity'") if "severity" in fields else "medium"
    if severity not in SEVERITIES:
        raise src.error(fields["severity"][1], f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    version = int(_number(src, fields["version"][1], "'version'", int)) if "version" in fields else 1
    threshold = _number(src, fields["threshold"][1], "'threshold'", float) if "threshold" in fields else None
    qnode = fields["query"][1]
    query = _scalar(src, qnode, "'query'")
    try:
        tree = Parser(query, aliases, language).parse()
    except QueryError as exc:
        raise RuleError(src.path, *src.in_scalar(qnode, exc.column), f"{exc.message} (rule {rid!r})") from None
    name = _scalar(src, fields["name"][1], "'name'") if "name" in fields else rid
    return Rule(rid, name, severity, query, tree, version, threshold, src.mark(item)[0])


def load_watchlist(text: str, path: str = "<rules>", *, strict: bool = True) -> WatchList:
    """Parse a watch list. Strict (the default): the first problem raises RuleError. Lenient: a bad alias
    or rule is left out and reported in ``WatchList.problems``, so it never silences the others."""
    src = _Source(text, path)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise RuleError(path, line, column, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        raise RuleError(path, 1, 1, "the watch list is empty (expected 'rules:')")
    top = _mapping(src, root, "the watch list")
    for key_text, (key, _) in top.items():
        if key_text not in TOP_KEYS:
            raise src.error(key, f"unknown key {key_text!r} (expected {', '.join(TOP_KEYS)})")
    problems: list[RuleError] = []
    language = "en"
    if "language" in top:
        language = _scalar(src, top["language"][1], "'language'").strip().casefold()
        if language not in LANGUAGES:
            raise src.error(top["language"][1], f"language {language!r} has no stemmer here (one of: "
                            f"{', '.join(sorted(LANGUAGES))})")
    aliases = _aliases(src, top["aliases"][1], strict, problems, language) if "aliases" in top else {}
    if "rules" not in top or not isinstance(top["rules"][1], yaml.SequenceNode):
        raise src.error(top["rules"][1] if "rules" in top else root, "'rules' must be a list of rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for item in top["rules"][1].value:
        try:
            rules.append(_rule(src, item, aliases, seen, language))
        except RuleError as exc:
            if strict:
                raise
            problems.append(exc)
    return WatchList(tuple(rules), path, digest(text), tuple(problems))
