"""YAML files written by hand (the feed list, watch lists), read so that every problem can say where it is.

``YamlText`` is one such file: its nodes, read as libyaml's event stream into PyYAML's own nodes (with the
marks and values ``yaml.compose`` gives), either whole or one piece at a time (``events``), so that a reader
can handle a large file's items as they come instead of holding the whole file as nodes; where a node, or a
character inside a scalar, stands in the file (1-based line and column); YAML's own syntax errors turned into
the caller's error type, told where they can be fixed (a quote never closed where it opens); and, for a file
read as plain values, mappings that remember where each of their keys is (``Marked``).

Nesting is followed with a list, not recursion, so no depth of YAML exhausts the stack while it is read.
Tags are resolved as ``yaml.compose`` resolves them only when asked (``typed``): a reader that takes every
value as text does not pay for it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from wirewatch.errors import LocatedError

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: much faster than pure Python
_UNCLOSED = ("found unexpected end of stream", "found unexpected document indicator")


class Events:
    """The events of one YAML document, and the nodes its anchors name. ``typed``: nodes carry the tags
    ``yaml.compose`` would give them (int, bool, str, ...); otherwise the tags written, if any."""

    def __init__(self, text: str, *, typed: bool = False) -> None:
        self._events: Iterator[yaml.Event] = yaml.parse(text, Loader=LOADER)
        self.anchors: dict[str, yaml.Node] = {}
        self._start: yaml.Event | None = None
        self._resolve = Resolver().resolve if typed else None

    def next(self) -> yaml.Event:
        return next(self._events)

    def root(self) -> yaml.Event | None:
        """The first event of the document's root node; None when the text holds no document."""
        self.next()  # the stream starts
        event = self.next()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        self._start = event  # the document starts
        return self.next()

    def end(self) -> None:
        """After the root node: the document ends, and no other follows."""
        self.next()
        event = self.next()
        if not isinstance(event, yaml.StreamEndEvent):
            raise ComposerError("expected a single document in the stream", getattr(self._start, "start_mark", None),
                                "but found another document", event.start_mark)

    def node(self, event: yaml.Event) -> yaml.Node:
        """The whole node that begins with ``event``, its children read from the stream."""
        open_: list[yaml.CollectionNode] = []
        resolve = self._resolve
        while True:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                tag = event.tag
                if resolve is not None and (tag is None or tag == "!"):
                    tag = resolve(yaml.ScalarNode, event.value, event.implicit)
                node: yaml.Node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                self._name(event, node)
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                node_kind = yaml.SequenceNode if kind is yaml.SequenceStartEvent else yaml.MappingNode
                tag = event.tag
                if resolve is not None and (tag is None or tag == "!"):
                    tag = resolve(node_kind, None, event.implicit)
                made = node_kind(tag, [], event.start_mark, None, event.flow_style)
                self._name(event, made)
                open_.append(made)
                event = self.next()
                continue
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                node = open_.pop()
                node.end_mark = event.end_mark
                if kind is yaml.MappingEndEvent:  # keys and values were gathered in turn
                    flat = node.value
                    node.value = list(zip(flat[::2], flat[1::2]))
            elif kind is yaml.AliasEvent:
                found = self.anchors.get(event.anchor)
                if found is None:
                    raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
                node = found
            else:  # pragma: no cover - a parser never puts other events inside a node
                raise ComposerError(None, None, f"unexpected {kind.__name__}", event.start_mark)
            if not open_:
                return node
            open_[-1].value.append(node)
            event = self.next()

    def _name(self, event: yaml.NodeEvent, node: yaml.Node) -> None:
        anchor = event.anchor
        if anchor is not None:
            if anchor in self.anchors:
                raise ComposerError("found duplicate anchor; first occurrence", self.anchors[anchor].start_mark,
                                    "second occurrence", event.start_mark)
            self.anchors[anchor] = node


class Marked(dict):  # type: ignore[type-arg]
    """A YAML mapping read as a dict that remembers where it and each of its keys are (1-based line, column)."""

    def __init__(self) -> None:
        super().__init__()
        self.where: tuple[int, int] = (1, 1)
        self.key_where: dict[Any, tuple[int, int]] = {}


class YamlText:
    """A YAML file's text and name. Its problems are raised as ``error`` (a LocatedError type) with the file's
    name, line and column."""

    def __init__(self, text: str, path: str, error: type[LocatedError] = LocatedError) -> None:
        self.text, self.path, self.error_type = text, path, error
        self._starts: list[int] | None = None

    @classmethod
    def read(cls, path: str | Path, what: str, error: type[LocatedError] = LocatedError) -> YamlText:
        """The file at ``path`` (UTF-8); one that cannot be read is an ``error`` at line 0 naming ``what`` it
        should be ("feed list")."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise error(str(path), 0, 0, f"cannot read the {what}: {exc}") from exc
        return cls(text, str(path), error)

    def events(self, *, typed: bool = False) -> Events:
        """The text as a stream of events, to be made into nodes piece by piece (``Events.node``)."""
        return Events(self.text, typed=typed)

    def document(self) -> yaml.Node | None:
        """The whole document as typed nodes (None when the text holds none); a YAML error is raised located."""
        try:
            events = self.events(typed=True)
            first = events.root()
            if first is None:
                return None
            node = events.node(first)
            events.end()
            return node
        except yaml.YAMLError as exc:
            raise self.syntax_error(exc) from None

    def values(self) -> Any:
        """The document as Python values (what ``yaml.safe_load`` gives), each mapping a ``Marked``. A key
        given twice in one mapping is an error at its second place."""
        node = self.document()
        if node is None:
            return None
        try:
            return _Constructor(self).construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.syntax_error(exc) from None
        except RecursionError:
            raise self.error(node, "the YAML is nested too deeply") from None

    def at(self, index: int) -> tuple[int, int]:
        """Where character ``index`` of the text is."""
        if self._starts is None:  # only an error needs it
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._starts, index) - 1
        return line + 1, index - self._starts[line] + 1

    @staticmethod
    def mark(node: yaml.Node) -> tuple[int, int]:
        """Where ``node`` starts."""
        return node.start_mark.line + 1, node.start_mark.column + 1

    def error(self, node: yaml.Node, message: str) -> LocatedError:
        return self.error_type(self.path, *self.mark(node), message)

    def error_at(self, where: tuple[int, int], message: str) -> LocatedError:
        return self.error_type(self.path, *where, message)

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

    def syntax_error(self, exc: yaml.YAMLError) -> LocatedError:
        """A YAML error where it can be fixed. A quote (or a bracket, a block) never closed is reported
        where it opens: the parser only notices at the end of the file, or at the next document marker."""
        problem = str(getattr(exc, "problem", None) or exc)
        context = str(getattr(exc, "context", None) or "")
        mark, opened = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        what = re.sub(r"^while (?:scanning|parsing) ", "", context)
        if opened is not None and context and problem in _UNCLOSED:
            message = ("the quote that opens here is never closed" if "quoted scalar" in what
                       else f"{what} that starts here never ends ({problem})")
            return self.error_at((opened.line + 1, opened.column + 1), f"not valid YAML: {message}")
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if problem == "found character that cannot start any token" and mark and mark.index < len(self.text):
            problem = f"found character {self.text[mark.index]!r} that cannot start any token"  # libyaml omits it
        if opened is not None and context:
            start = f"line {opened.line + 1}, column {opened.column + 1}"
            if what.startswith(("a ", "an ")):  # the construct it is in: "a block mapping"
                problem += f" (in {what} that starts at {start})"
            elif what == context:  # another kind: "expected a single document in the stream"
                problem += f" ({context} at {start})"
        return self.error_at(where, f"not valid YAML: {problem}")


class _Constructor(SafeConstructor):
    """Python values from typed nodes, as ``yaml.safe_load`` makes them, but with ``Marked`` mappings."""

    def __init__(self, text: YamlText) -> None:
        super().__init__()
        self.text = text

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except LocatedError:
            raise
        except (ValueError, OverflowError) as exc:  # a value of its type that cannot be: 2024-02-30
            raise ConstructorError(None, None, f"cannot read {node.value!r}: {exc}", node.start_mark) from None

    def construct_marked(self, node: yaml.MappingNode) -> Marked:
        out = Marked()
        out.where = self.text.mark(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise self.text.error(key_node, "a mapping key must be a single value, not a list or mapping")
            if key in out:
                raise self.text.error(key_node, f"duplicate key {key!r}")
            out[key] = self.construct_object(value_node, deep=True)
            out.key_where[key] = self.text.mark(key_node)
        return out


_Constructor.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Constructor.construct_marked)

__all__ = ["LOADER", "Events", "Marked", "YamlText"]
