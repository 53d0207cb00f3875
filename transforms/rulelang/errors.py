"""Errors of the rule language."""

from __future__ import annotations


class RuleError(ValueError):
    """A watch list that cannot be used as written. Not retriable: the file must be fixed."""

    retriable = False

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message

    def __reduce__(self) -> tuple:  # picklable (compiled watch lists are cached with their problems)
        return (RuleError, (self.path, self.line, self.column, self.message))


class QueryError(ValueError):
    """A problem inside one query, at a column of the query text; the loader adds file and line."""

    retriable = False

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message
