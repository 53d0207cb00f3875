"""Extension elements (iTunes, Media RSS) the fast feed path may pass over, because feedparser's handlers
for them write only keys that ``connectors.feeds`` never reads.

Each rule mirrors one of feedparser's handlers: ``itunes:image`` sets ``image``, ``itunes:category`` adds a
tag, ``media:content`` records its attributes, ``media:thumbnail`` sets ``url``, and so on. Elements whose
handlers reach our fields (``itunes:summary``, ``itunes:author``, ``media:title``, ``media:description``)
are not here: the readers in connectors.fastfeed model or refuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wirewatch.connectors.feeds.fast.values import Decline

# Handled elements that must be leaves (their handlers push a value into a key we do not read).
_LEAVES = frozenset({
    "itunes_image", "itunes_link", "itunes_explicit", "itunes_block", "itunes_keywords", "itunes_subtitle",
    "media_thumbnail", "media_credit", "media_rating", "media_restriction", "media_license", "media_player",
    "media_category", "media_keywords", "georss_point", "georss_line", "georss_polygon", "georss_box",
})
_OWNER_PARTS = frozenset({"itunes_name", "itunes_email"})  # handled, but filed under publisher in an owner
_MEDIA_INNER = frozenset(key for key in _LEAVES if key.startswith("media_")) | {"media_title"}
# Handled containers and the elements each may hold (nothing inside them reaches our fields either).
_BOXES: dict[str, frozenset[str]] = {
    "itunes_category": frozenset({"itunes_category"}),
    "itunes_owner": _OWNER_PARTS,
    "media_content": _MEDIA_INNER,
    "media_group": _MEDIA_INNER | {"media_content"},
}


def leaf(element: Any, key: str, titled: bool) -> bool:
    """True when ``element`` is one of the handled leaves (checked to have no children), else False."""
    if key in _LEAVES or (key == "media_title" and titled):
        if len(element):
            raise Decline(f"{key} with child elements")
        return True
    return False


def skips(
    element: Any, key: str, key_of: Callable[[Any], str], plain: Callable[[Any, str], None], titled: bool,
) -> bool:
    """True when ``element`` (feedparser's name ``key``) is a known-harmless extension, checked to the leaves;
    False when it is not one of ours to judge. ``plain`` refuses unknown children that could matter.

    ``titled`` says the entry already has a non-empty title: feedparser then drops a ``media:title`` at the
    same depth or deeper (its title_depth rule), so it is harmless too."""
    if leaf(element, key, titled):
        return True
    allowed = _BOXES.get(key)
    if allowed is None:
        return False
    for child in element:
        inner = key_of(child)
        if inner in _OWNER_PARTS and key == "itunes_owner":
            if len(child):
                raise Decline(f"{inner} with child elements")
        elif not (inner in allowed and skips(child, inner, key_of, plain, titled)):
            plain(child, inner)  # refuses what feedparser handles (an untitled entry's media:title)
    return True
