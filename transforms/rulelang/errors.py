"""Errors of the rule language."""

from __future__ import annotations

from wirewatch.errors import LocatedError


class RuleError(LocatedError):
    """A watch list that cannot be used as written, at file, line and column. Not retriable: the file must be
    fixed."""


class QueryError(ValueError):
    """A problem inside one query, at a column of the query text; the loader adds file and line."""

    retriable = False

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message
