"""Errors of the rule language."""

from __future__ import annotations

from wirewatch.errors import LocatedError


class RuleError(LocatedError):
    """A watch list that cannot be used as written, at file, line and column. Not retriable: the file must be
    fixed."""


class QueryError(ValueError):
    """A problem inside one query, at a column of the query text; the loader adds file and line. ``opened``:
    the column of the place the problem refers back to (the '(' a ')' should close), which the loader also
    turns into the file's line and column, so no query-relative column reaches a message about the file."""

    retriable = False

    def __init__(self, column: int, message: str, opened: int | None = None) -> None:
        super().__init__(message if opened is None else f"{message} at column {opened + 1}")
        self.column, self.message, self.opened = column, message, opened
