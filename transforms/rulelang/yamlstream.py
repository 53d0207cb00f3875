"""A YAML text read as libyaml's event stream and made into PyYAML nodes one piece at a time, so that the
loader can handle a watch list's rules one by one as they are read instead of holding the whole file as
nodes (composed whole, a 43 MB list took 1.3 GB). Nesting is followed with a list, not recursion, so no
depth of YAML can exhaust the interpreter's stack. The nodes are PyYAML's own, with the same marks and
values ``yaml.compose`` gives (tags are left unresolved: the loader reads values as text)."""

from __future__ import annotations

from collections.abc import Iterator

import yaml
from yaml.composer import ComposerError

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


class Events:
    """The events of one YAML document, and the nodes its anchors name."""

    def __init__(self, text: str) -> None:
        self._events: Iterator[yaml.Event] = yaml.parse(text, Loader=LOADER)
        self.anchors: dict[str, yaml.Node] = {}
        self._start: yaml.Event | None = None

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
        while True:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                node: yaml.Node = yaml.ScalarNode(event.tag, event.value, event.start_mark, event.end_mark, event.style)
                self._name(event, node)
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                made = (yaml.SequenceNode if kind is yaml.SequenceStartEvent else yaml.MappingNode)(
                    event.tag, [], event.start_mark, None, event.flow_style)
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
                    raise ComposerError(None, None, "found undefined alias", event.start_mark)
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
