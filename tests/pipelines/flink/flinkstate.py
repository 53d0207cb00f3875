"""Stand-ins for PyFlink's list state and timer service, so a keyed step's methods can be called directly: by
tests/pipelines/flink/test_archive_behind.py and by job_probe.py (run as a script in the Flink environment, where
this module is its sibling). Imports nothing of PyFlink's."""

from __future__ import annotations

from typing import Any


class ListState(list):
    def get(self) -> list:
        return list(self)

    def add(self, value: Any) -> None:
        self.append(value)

    def update(self, values: list) -> None:
        self[:] = values

    def clear(self) -> None:
        del self[:]


class Timers:
    def __init__(self) -> None:
        self.registered: list[int] = []

    def current_processing_time(self) -> int:
        return 1_000

    def register_processing_time_timer(self, when: int) -> None:
        self.registered.append(when)
