"""A story cluster's lineage: its members (outlet, link, first seen, version) in the order they came, the
versions of one wire item joined into one cluster, and a short summary of what changed between versions
("2 paragraphs added; death toll 12 -> 31"). Pure functions: a cluster's running track is in
transforms/spread.py, the Beam steps in transforms/clusterstate.py and transforms/ptransforms.py."""

from __future__ import annotations

import dataclasses
import difflib
import re
from datetime import datetime
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from wirewatch.records import Cluster, Member, Story

MAX_MEMBERS = 50  # members a lineage carries (the first ones): an alert stays small on a story everyone ran
_NUMBER = re.compile(r"^[$€£]?\d[\d,.]*%?$")
_WORD = re.compile(r"[$€£]?\d[\d,.]*\d%?|[$€£]?\d%?|[^\W\d_][\w'’-]*")
# Words that say how a figure moved, not what it counts: left out of a change's context.
_FILLER = frozenset("""
a an the to at of in on by from for and or as was were is are has had have been be now least about some more than
rose risen rise climbed jumped reached fell dropped increased decreased stood stands up down nearly almost over
under around roughly killing killed leaving left bringing brought with after its their it
""".split())
WIRE_FORMATS = frozenset({"newsmlg2", "ninjs", "anpa1312", "iptc7901", "nitf"})
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"})
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")


def outlet_of(story: Story) -> str:
    """Who carried the story, as one independent outlet: the site's registered domain (sections and mobile
    hosts of one site are one outlet), else the publisher, else the wire agency (copies of one agency feed
    count once), else the feed or file it came from. A wire item's link is its agency's API: its publisher
    counts instead."""
    host = None if story.format in WIRE_FORMATS else _registered_domain(story.url)  # an agency's API is no site
    if host:
        return host
    for name in (story.publisher, story.credit, story.source):
        if name and name.strip():
            return " ".join(name.casefold().split())
    return story.id


def _registered_domain(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2 or all(label.isdigit() for label in labels):
        return host or None
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def seen_of(story: Story) -> datetime | None:
    """When the pipeline first saw the story: its Kafka time, else its fetch time, else its publication."""
    return story.produced or story.fetched or story.published


def member_of(story: Story, changes: str | None = None) -> Member:
    return Member(story.id, outlet_of(story), story.url, seen_of(story), story.version, story.correction, changes)


def version_rank(story: Story) -> int:
    return story.version if story.version is not None else 1


def join_versions(pairs: Sequence[tuple[Story, Cluster]],
                  order: Callable[[Story], Any] | None = None) -> list[tuple[Story, Cluster]]:
    """Versions of one wire item (one ``item_id``) in one cluster: the cluster of the item's earliest story
    (in ``order``, default: the version, then the pairs' order), with every story of a cluster a later version
    led joining too; each version's ``supersedes`` names the version before it."""
    order = order or (lambda _: 0)
    # only stories of a wire item are joined: the others are neither ranked nor looked at below
    ranked = sorted((i for i, (story, _) in enumerate(pairs) if story.item_id),
                    key=lambda i: (version_rank(pairs[i][0]), order(pairs[i][0]), i))
    target: dict[str, str] = {}  # cluster id -> the cluster it joins
    first: dict[str, str] = {}  # item id -> its earliest story's cluster
    previous: dict[str, Story] = {}  # item id -> the latest version seen so far
    supersedes: dict[int, str] = {}
    for i in ranked:
        story, cluster = pairs[i]
        if not story.item_id:
            continue
        lead = _root(target, first.setdefault(story.item_id, cluster.id))
        own = _root(target, cluster.id)
        if own != lead:
            target[own] = lead
        before = previous.get(story.item_id)
        if before is not None and (before.id, before.version) != (story.id, story.version):
            supersedes[i] = before.id
        previous[story.item_id] = story
    out = []
    for i, (story, cluster) in enumerate(pairs):
        root = _root(target, cluster.id)
        if root != cluster.id:
            cluster = Cluster(root, duplicate_of=root)
        if i in supersedes and story.supersedes is None:
            story = dataclasses.replace(story, supersedes=supersedes[i])
        out.append((story, cluster))
    return out


def _root(target: dict[str, str], cluster_id: str) -> str:
    while cluster_id in target:
        cluster_id = target[cluster_id]
    return cluster_id


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def diff_summary(old: str, new: str, max_numbers: int = 5) -> str:
    """What changed from ``old`` to ``new`` in a line: paragraphs added, removed and changed, and the figures
    that changed with the words before them ("death toll 12 -> 31")."""
    before, after = _paragraphs(old), _paragraphs(new)
    added = removed = changed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "insert":
            added += j2 - j1
        elif op == "delete":
            removed += i2 - i1
        elif op == "replace":
            common = min(i2 - i1, j2 - j1)
            changed += common
            added += (j2 - j1) - common
            removed += (i2 - i1) - common
    parts = [f"{n} paragraph{'' if n == 1 else 's'} {what}"
             for n, what in ((added, "added"), (removed, "removed"), (changed, "changed")) if n]
    numbers = changed_numbers(old, new)[:max_numbers]
    if numbers:
        parts.append(", ".join(numbers))
    return "; ".join(parts) if parts else "text unchanged"


def changed_numbers(old: str, new: str) -> list[str]:
    """Figures that differ between the texts where the words around them agree, as "context a -> b"."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    fold_a, fold_b = [w.casefold() for w in a], [w.casefold() for w in b]
    found: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, fold_a, fold_b, autojunk=False).get_opcodes():
        if op != "replace":
            continue
        olds = [w for w in a[i1:i2] if _NUMBER.match(w)]
        news = [w for w in b[j1:j2] if _NUMBER.match(w)]
        if not olds or len(olds) != len(news) or i2 - i1 > 6 or j2 - j1 > 6:
            continue
        before = _context(a[max(0, i1 - 8):i1][::-1], backwards=True)
        after = "" if before else _context(a[i2:i2 + 8], backwards=False)  # "at least 12 people": the words after
        for x, y in zip(olds, news):
            if x != y:
                found.append(f"{before} {x} -> {y} {after}".strip())
    return list(dict.fromkeys(found))


def _context(nearest_first: list[str], backwards: bool, keep: int = 2) -> str:
    """Of the words next to a figure (nearest first), the nearest that name what it counts (fillers
    skipped), in text order."""
    picked: list[str] = []
    for word in nearest_first:
        if _NUMBER.match(word):
            break
        if word.casefold() not in _FILLER:
            picked.append(word)
            if len(picked) == keep:
                break
        elif picked:
            break
    return " ".join(reversed(picked) if backwards else picked).casefold()


def replaces(story: Story, earlier: Story) -> bool:
    """Whether ``story`` is a later version (or a correction) of the one ``earlier`` was."""
    if story.item_id and earlier.item_id and story.item_id != earlier.item_id:
        return False
    if story.correction:
        return True
    return version_rank(story) > version_rank(earlier)


def join_version(known: tuple[str, str, Any] | None, story: Story,
                 cluster: Cluster) -> tuple[tuple[str, str, Any], Story, Cluster]:
    """One story of a wire item in arrival order, against what its item's earlier versions left (``known``:
    the item's cluster id, its last version's story id and version; None for the first): the story in that
    cluster, naming the version it replaces, and what to remember now."""
    if known is not None:
        lead, previous, version = known
        if lead != cluster.id:
            cluster = Cluster(lead, duplicate_of=lead)
        if (previous, version) != (story.id, story.version) and story.supersedes is None:
            story = dataclasses.replace(story, supersedes=previous)
    return (cluster.id, story.id, story.version), story, cluster
