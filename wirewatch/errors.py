"""The error types every layer shares. Each says whether trying again can help (``retriable``): a fault of
the input never clears by itself, a fault of the world (a broker, a disk) may."""

from __future__ import annotations


class RecordError(ValueError):
    """A record could not be built from its JSON form. Not retriable: the input itself is wrong."""

    retriable = False


class ParseError(ValueError):
    """The bytes are not a document of the expected format. Not retriable: fetching again gives the same."""

    retriable = False


__all__ = ["ParseError", "RecordError"]
