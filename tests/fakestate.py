"""Stand-ins for Beam's state and timer objects, so that a stateful DoFn's process and on_timer methods can be
called directly in unit tests (a real runner is exercised by the pipeline tests)."""

from __future__ import annotations

from typing import Any


class Value:
    def __init__(self, value: Any = None) -> None:
        self.value = value

    def read(self) -> Any:
        return self.value

    def write(self, value: Any) -> None:
        self.value = value

    def clear(self) -> None:
        self.value = None


class Bag:
    def __init__(self, items: list | None = None) -> None:
        self.items = list(items or [])

    def read(self) -> list:
        return list(self.items)

    def add(self, item: Any) -> None:
        self.items.append(item)

    def clear(self) -> None:
        self.items = []


class Timer:
    def __init__(self) -> None:
        self.at: Any = None

    def set(self, at: Any) -> None:
        self.at = at

    def clear(self) -> None:
        self.at = None
