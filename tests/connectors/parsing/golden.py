"""The summary a golden file pins: format, counts, and id/title/url/published of the first and last story."""

from __future__ import annotations

from typing import Any

from wirewatch.connectors.parsing.results import ParseResult, ParsedItem
def _brief(item: ParsedItem) -> dict[str, Any]:
    data = item.story.to_dict()
    brief = {key: data[key] for key in ("id", "title", "url", "published", "credit", "language")}
    return {"guid": item.guid, "version": item.version, **brief}


def summary(result: ParseResult) -> dict[str, Any]:
    stories = result.items
    return {
        "format": result.format,
        "stories": len(stories),
        "dead_letters": len(result.errors),
        "publisher": result.title,
        "first": _brief(stories[0]) if stories else None,
        "last": _brief(stories[-1]) if stories else None,
    }
