"""One feed entry to a Story, the same way for every feed format (RSS and Atom through feedparser, JSON
Feed): the id rule, the body falling back to the summary and the title, the feed's title as publisher and
default source, the feed's language where the entry gives none."""

from __future__ import annotations

from datetime import datetime

from wirewatch.connectors.parsing.ids import pick_id
from wirewatch.connectors.parsing.results import ParseResult
from wirewatch.records import Origin, Story


def entry_story(
    result: ParseResult, *, guid: str | None, scope: str | None, link: str | None, title: str | None,
    summary: str | None, body: str | None, authors: tuple[str, ...], language: str | None,
    published: datetime | None, fetched: datetime | None, origin: Origin | str, source: str | None,
) -> Story:
    return Story(
        id=pick_id(guid, scope, link, title, summary, body),
        body=body or summary or title or "",
        title=title,
        summary=summary,
        url=link,
        source=source or result.title,
        publisher=result.title,
        authors=authors,
        language=language or result.language,
        published=published,
        fetched=fetched,
        format=result.format,
        origin=origin,
    )
