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

The file is read as a stream: each rule is parsed as soon as it is read, and its YAML is then dropped. Limits
(limits.py) bound the file's size, its rules, and each query's nesting and terms.
"""

from __future__ import annotations

import hashlib
import re

import yaml

from wirewatch.transforms.rulelang.cache import paused_gc
from wirewatch.transforms.rulelang.errors import QueryError, RuleError
from wirewatch.transforms.rulelang.limits import LIMITS, Limits, long_term
from wirewatch.transforms.rulelang.parser import Parser, parse_alias
from wirewatch.transforms.rulelang.syntax import LANGUAGES, SEVERITIES, UNSPACED_LANGUAGES, Rule, Term, WatchList
from wirewatch.transforms.rulelang.terms import make_term
from wirewatch.yamlsource import Events, YamlText

LANGUAGE_VERSION = "4"  # part of every digest: a new language version never reuses old compiled forms
RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ALIAS_NAME = re.compile(r"[A-Za-z_][\w-]*")
TOP_KEYS = ("version", "language", "aliases", "rules")
RULE_KEYS = ("id", "version", "name", "description", "severity", "query", "threshold")


def digest(text: str) -> str:
    return hashlib.sha256(f"wirewatch-rules/{LANGUAGE_VERSION}\n{text}".encode()).hexdigest()


def _mapping(src: YamlText, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise src.error(node, f"{what} must be a mapping (key: value lines)")
    return {str(k.value): (k, v) for k, v in node.value}


def _scalar(src: YamlText, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise src.error(node, f"{what} must be non-empty text")
    return str(node.value)


def _number(src: YamlText, node: yaml.Node, what: str, kind: type) -> float:
    text = _scalar(src, node, what)
    try:
        return kind(text)
    except ValueError:
        raise src.error(node, f"{what} must be a {'whole ' if kind is int else ''}number, not {text!r}") from None


def _aliases(src: YamlText, node: yaml.Node, strict: bool, problems: list,
             language: str, limits: Limits) -> dict[str, tuple[Term, ...]]:
    aliases: dict[str, tuple[Term, ...]] = {}
    for name, (key, value) in _mapping(src, node, "'aliases'").items():
        try:
            if not ALIAS_NAME.fullmatch(name):
                raise src.error(key, f"alias name {name!r} must be letters, digits, '_' or '-'")
            if isinstance(value, yaml.MappingNode) and value.value:  # terms per language: {en: ..., de: ...}
                terms: list[Term] = []
                for lang, (lang_key, lang_value) in _mapping(src, value, f"alias {name!r}").items():
                    code = lang.strip().casefold()
                    if code not in LANGUAGES and code not in UNSPACED_LANGUAGES:
                        raise src.error(lang_key, f"alias {name!r}: {lang!r} is not a language with a stemmer or "
                                                  f"a script without spaces (one of: "
                                                  f"{', '.join(sorted({*LANGUAGES, *UNSPACED_LANGUAGES}))})")
                    terms.extend(_alias_terms(src, name, lang_value, aliases, code, limits))
                    if len(terms) > limits.alias_terms:
                        raise src.error(lang_key, f"alias {name!r} has more than {limits.alias_terms:,} terms: split it")
                aliases[name] = tuple(dict.fromkeys(terms))
            else:
                aliases[name] = _alias_terms(src, name, value, aliases, language, limits)
        except RuleError as exc:
            if strict:
                raise
            problems.append(exc.with_traceback(None))  # its frames would keep the whole file alive
    return aliases


def _alias_terms(src: YamlText, name: str, value: yaml.Node, aliases: dict[str, tuple[Term, ...]], language: str,
                 limits: Limits) -> tuple[Term, ...]:
    """The terms of an alias written as a list or as ``a | b | "c d"``, in ``language``."""
    if isinstance(value, yaml.SequenceNode) and value.value:
        terms: list[Term] = []
        for item in value.value:
            text = _scalar(src, item, f"a term of alias {name!r}")
            try:
                terms.extend(_list_item(text, aliases, language, limits))
            except QueryError as exc:
                raise _located(src, item, exc) from None
            if len(terms) > limits.alias_terms:
                raise src.error(item, f"alias {name!r} has more than {limits.alias_terms:,} terms: split it")
        return tuple(dict.fromkeys(terms))
    if isinstance(value, yaml.ScalarNode) and str(value.value).strip():
        try:
            return parse_alias(str(value.value), aliases, language, limits)
        except QueryError as exc:
            raise _located(src, value, exc) from None
    raise src.error(value, f"alias {name!r} must be a list of terms, 'a | b | \"c d\"', or one of those per "
                           f"language (en: ..., de: ...)")


def _located(src: YamlText, node: yaml.Node, exc: QueryError, suffix: str = "") -> RuleError:
    """``exc``, at a column of the query in ``node``, at its line and column in the file; a place the message
    refers back to (``exc.opened``) is given in the file's columns too."""
    line, column = src.in_scalar(node, exc.column)
    message = exc.message
    if exc.opened is not None:
        at_line, at_column = src.in_scalar(node, exc.opened)
        message += f" at column {at_column}" if at_line == line else f" at line {at_line}, column {at_column}"
    return RuleError(src.path, line, column, message + suffix)


def _list_item(text: str, aliases: dict[str, tuple[Term, ...]], language: str,
               limits: Limits) -> tuple[Term, ...]:
    """One item of an alias list: a term (a bare phrase needs no quotes), ``case:TERM`` or ``@alias``."""
    body = text.strip()
    if body.startswith("@"):
        if body[1:] not in aliases:
            raise QueryError(0, f"unknown alias {body!r} (aliases must be defined before they are used)")
        return aliases[body[1:]]
    case = body.startswith("case:")
    if (problem := long_term(body, limits)) is not None:
        raise QueryError(0, problem)
    try:
        return (make_term(body[5:] if case else body, case=case, language=language),)
    except ValueError as exc:
        raise QueryError(0, str(exc)) from None


def _rule(src: YamlText, item: yaml.Node, aliases: dict[str, tuple[Term, ...]], seen: set[str],
          language: str, limits: Limits) -> Rule:
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
        tree = Parser(query, aliases, language, limits).parse()
    except QueryError as exc:
        raise _located(src, qnode, exc, f" (rule {rid!r})") from None
    name = _scalar(src, fields["name"][1], "'name'") if "name" in fields else rid
    return Rule(rid, name, severity, query, tree, version, threshold, src.mark(item)[0])


def load_watchlist(text: str, path: str = "<rules>", *, strict: bool = True, limits: Limits = LIMITS) -> WatchList:
    """Parse a watch list. Strict (the default): the first problem raises RuleError. Lenient: a bad alias
    or rule is left out and reported in ``WatchList.problems``, so it never silences the others. Crossing
    a limit on the file (its size, its number of rules) is an error in both."""
    if len(text) > limits.file_bytes // 4 and len(text.encode("utf-8", "surrogatepass")) > limits.file_bytes:
        raise RuleError(path, 1, 1, too_big(len(text.encode("utf-8", "surrogatepass")), limits))
    with paused_gc():  # a large list is millions of objects made at once: collections would walk them all
        try:
            return _Load(text, path, strict, limits, stream=True).run()
        except _Restart:
            return _Load(text, path, strict, limits, stream=False).run()


def too_big(size: int, limits: Limits) -> str:
    return (f"the watch list is {size:,} bytes, over the limit of {limits.file_bytes:,}: split it into several "
            "files (--rules a.yaml --rules b.yaml)")


class _Restart(Exception):
    """Read as a stream, the rules came before the aliases or language they depend on: read it whole."""


class _Load:
    """One reading of a watch list. Streamed, each rule is parsed as soon as it has been read; whole (when
    ``aliases`` or ``language`` follow the rules), the file is composed first. Either way the problems
    are reported in the same order: YAML, the top-level keys, language, aliases, then the rules."""

    def __init__(self, text: str, path: str, strict: bool, limits: Limits, stream: bool) -> None:
        self.src = YamlText(text, path, RuleError)
        self.text, self.strict, self.limits, self.stream = text, strict, limits, stream
        self.problems: list[RuleError] = []
        self.rules: list[Rule] = []
        self.seen: set[str] = set()
        self.rule_error: RuleError | None = None  # the first bad rule (strict): raised after the file's own problems
        self.setup_done: tuple[str, dict[str, tuple[Term, ...]]] | RuleError | None = None
        self.count = 0
        self.streamed = False

    def run(self) -> WatchList:
        src, path = self.src, self.src.path
        top: dict[str, tuple[yaml.Node, yaml.Node]] | None = None
        try:
            events = src.events()
            first = events.root()
            if first is None:
                raise RuleError(path, 1, 1, "the watch list is empty (expected 'rules:')")
            if self.stream and isinstance(first, yaml.MappingStartEvent) and first.anchor is None:
                root, top = self.read_top(first, events)
            else:
                root = events.node(first)
            events.end()
        except yaml.YAMLError as exc:
            raise src.syntax_error(exc) from None
        if top is None:
            top = _mapping(src, root, "the watch list")
        for key_text, (key, _) in top.items():
            if key_text not in TOP_KEYS:
                raise src.error(key, f"unknown key {key_text!r} (expected {', '.join(TOP_KEYS)})")
        language, aliases = self.setup(top)
        if "rules" not in top or not isinstance(top["rules"][1], yaml.SequenceNode):
            raise src.error(top["rules"][1] if "rules" in top else root, "'rules' must be a list of rules")
        if not self.streamed:
            for item in top["rules"][1].value:
                self.rule(item, language, aliases)
        if self.rule_error is not None:
            raise self.rule_error
        return WatchList(tuple(self.rules), path, digest(self.text), tuple(self.problems))

    def read_top(self, first: yaml.Event,
                 events: Events) -> tuple[yaml.MappingNode, dict[str, tuple[yaml.Node, yaml.Node]]]:
        """The root mapping's keys and values, the rules parsed as they are read."""
        root = yaml.MappingNode(first.tag, [], first.start_mark, None, first.flow_style)
        top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        while True:
            event = events.next()
            if isinstance(event, yaml.MappingEndEvent):
                root.end_mark = event.end_mark
                return root, top
            key = events.node(event)
            name = str(key.value)
            event = events.next()
            if self.streamed and name in ("rules", "aliases", "language"):
                raise _Restart  # after the rules they apply to, or a second list of rules
            if name == "rules" and isinstance(event, yaml.SequenceStartEvent) and event.anchor is None:
                rules = yaml.SequenceNode(event.tag, [], event.start_mark, None, event.flow_style)
                top[name] = (key, rules)
                self.streamed = True
                self.read_rules(top, rules, events)
            else:
                top[name] = (key, events.node(event))

    def read_rules(self, top: dict[str, tuple[yaml.Node, yaml.Node]], rules: yaml.SequenceNode,
                   events: Events) -> None:
        """Each rule of the list as it is read; its nodes are dropped once it is parsed."""
        try:
            language, aliases = self.setup(top)
            ready = True
        except RuleError:  # raised again after any problem of the file's that comes first; no rule is read
            ready = False
        while True:
            event = events.next()
            if isinstance(event, yaml.SequenceEndEvent):
                rules.end_mark = event.end_mark
                return
            item = events.node(event)
            if ready:
                self.rule(item, language, aliases)

    def setup(self, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> tuple[str, dict[str, tuple[Term, ...]]]:
        """The list's language and aliases (worked out once; a problem with them is raised each time)."""
        if self.setup_done is None:
            try:
                self.setup_done = self._setup(top)
            except RuleError as exc:
                self.setup_done = exc
        if isinstance(self.setup_done, RuleError):
            raise self.setup_done
        return self.setup_done

    def _setup(self, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> tuple[str, dict[str, tuple[Term, ...]]]:
        src = self.src
        language = "en"
        if "language" in top:
            language = _scalar(src, top["language"][1], "'language'").strip().casefold()
            if language not in LANGUAGES:
                raise src.error(top["language"][1], f"language {language!r} has no stemmer here (one of: "
                                f"{', '.join(sorted(LANGUAGES))})")
        aliases = (_aliases(src, top["aliases"][1], self.strict, self.problems, language, self.limits)
                   if "aliases" in top else {})
        return language, aliases

    def rule(self, item: yaml.Node, language: str, aliases: dict[str, tuple[Term, ...]]) -> None:
        self.count += 1
        if self.count > self.limits.rules:
            raise self.src.error(item, f"more than {self.limits.rules:,} rules in one file: split it into several "
                                       "files (--rules a.yaml --rules b.yaml)")
        if self.rule_error is not None:
            return  # strict, and a rule was bad already
        try:
            self.rules.append(_rule(self.src, item, aliases, self.seen, language, self.limits))
        except RuleError as exc:
            if self.strict:
                self.rule_error = exc.with_traceback(None)
            else:
                self.problems.append(exc.with_traceback(None))
