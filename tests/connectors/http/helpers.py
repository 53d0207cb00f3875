"""Small helpers shared by the fetch and poller tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from wirewatch.connectors.http.fetch import HttpClient
from wirewatch.connectors.http.model import FetchError, FetchResult, FetchSettings, Validators
from wirewatch.connectors.http.ssrf import AddressPolicy
from wirewatch.records import Story

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
LOCAL = AddressPolicy.allowing("127.0.0.1/32")


def client(**settings: Any) -> HttpClient:
    return HttpClient(FetchSettings(**settings), LOCAL, clock=lambda: NOW)


def fetch(c: HttpClient, url: str, validators: Validators | None = None) -> FetchResult | FetchError:
    return asyncio.run(c.fetch(url, validators=validators))


class ParseError(ValueError):
    retriable = False


@dataclass
class Parsed:
    stories: list[Story]
    errors: list[Any] = field(default_factory=list)


class LineParser:
    """A stand-in for the feed parser: one "id|title" per line; HTML raises ParseError. Counts calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, body: bytes, url: str, headers: dict, fetched: datetime, hint: str = "auto") -> Parsed:
        self.calls.append(url)
        text = body.decode("utf-8")
        if text.lstrip().lower().startswith(("<!doctype html", "<html")):
            raise ParseError("got an HTML page, not a feed")
        stories, errors = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if "|" not in line:
                errors.append(f"line {number}: no '|'")
                continue
            item, title = line.split("|", 1)
            stories.append(Story(id=item, body=title, title=title, url=url, fetched=fetched))
        return Parsed(stories, errors)
