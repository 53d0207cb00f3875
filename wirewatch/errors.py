"""The error types every layer shares. Each says whether trying again can help (``retriable``): a fault of
the input never clears by itself, a fault of the world (a broker, a disk) may."""

from __future__ import annotations


class RecordError(ValueError):
    """A record could not be built from its JSON form. Not retriable: the input itself is wrong."""

    retriable = False


class ParseError(ValueError):
    """The bytes are not a document of the expected format. Not retriable: fetching again gives the same."""

    retriable = False


class LocatedError(ValueError):
    """A problem at a place in a file written by hand (a feed list, a watch list): file, 1-based line and
    column, and what to do about it. Not retriable: the file must be fixed."""

    retriable = False

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message

    def __reduce__(self) -> tuple:  # picklable as its own type (compiled watch lists are cached with their problems)
        return (type(self), (self.path, self.line, self.column, self.message))


__all__ = ["LocatedError", "ParseError", "RecordError"]
