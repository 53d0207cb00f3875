"""Duplicate and near-duplicate detection: an exact content hash and a 64-bit SimHash over word 3-shingles,
and a cluster index that puts each story into the cluster of the first story it repeats.

A SimHash within ``MAX_DISTANCE`` bits of an earlier one is a near duplicate. With 4 bands of 16 bits, any
two fingerprints within 3 bits share a band, so the index only compares stories that share one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import xxhash

from transforms.records import Cluster, Story
from transforms.tokens import tokenize

MAX_DISTANCE = 3
SHINGLE = 3
_BANDS = 4


@dataclass(frozen=True, slots=True)
class Fingerprint:
    exact: str  # hash of the case-folded words: same words, same hash, whatever the markup or spacing
    simhash: int


def _words(story: Story) -> list[str]:
    words = [t.text.casefold() for t in tokenize(story.body)]
    if len(words) < 12 and story.title:  # a short item is identified by its headline too
        words = [t.text.casefold() for t in tokenize(story.title)] + words
    return words


def simhash(words: list[str]) -> int:
    if not words:
        return 0
    n = max(1, len(words) - SHINGLE + 1)
    hashes = np.fromiter(
        (xxhash.xxh64_intdigest(" ".join(words[i : i + SHINGLE]).encode()) for i in range(n)), dtype=np.uint64, count=n
    )
    bits = np.unpackbits(hashes.view(np.uint8).reshape(n, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 > n  # bit i of byte j is bit 8j+i (little-endian uint64)
    return int(np.packbits(votes, bitorder="little").view("<u8")[0])


def fingerprint(story: Story) -> Fingerprint:
    words = _words(story)
    return Fingerprint(xxhash.xxh3_128_hexdigest(" ".join(words).encode()), simhash(words))


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class ClusterIndex:
    """Assigns stories to clusters in arrival order; keeps at most ``capacity`` cluster heads (oldest
    forgotten first), so memory stays bounded on an endless stream."""

    def __init__(self, capacity: int = 1_000_000, max_distance: int = MAX_DISTANCE) -> None:
        self.capacity = capacity
        self.max_distance = max_distance
        self._exact: OrderedDict[str, str] = OrderedDict()  # exact hash -> cluster id
        self._heads: OrderedDict[str, int] = OrderedDict()  # cluster id -> simhash
        self._bands: list[dict[int, set[str]]] = [{} for _ in range(_BANDS)]

    def __len__(self) -> int:
        return len(self._heads)

    def assign(self, story_id: str, fp: Fingerprint) -> Cluster:
        head = self._exact.get(fp.exact) or self._near(fp.simhash)
        if head is not None:
            return Cluster(id=head, duplicate_of=head)
        self._add(story_id, fp)
        return Cluster(id=story_id, duplicate_of=None)

    def _near(self, value: int) -> str | None:
        best: tuple[int, str] | None = None
        for band, table in enumerate(self._bands):
            for head in table.get((value >> (16 * band)) & 0xFFFF, ()):
                d = distance(value, self._heads[head])
                if d <= self.max_distance and (best is None or (d, head) < best):
                    best = (d, head)
        return best[1] if best else None

    def _add(self, story_id: str, fp: Fingerprint) -> None:
        self._exact[fp.exact] = story_id
        self._heads[story_id] = fp.simhash
        for band, table in enumerate(self._bands):
            table.setdefault((fp.simhash >> (16 * band)) & 0xFFFF, set()).add(story_id)
        while len(self._heads) > self.capacity:
            old, value = self._heads.popitem(last=False)
            for band, table in enumerate(self._bands):
                key = (value >> (16 * band)) & 0xFFFF
                table[key].discard(old)
                if not table[key]:
                    del table[key]
        while len(self._exact) > self.capacity:
            self._exact.popitem(last=False)


def story_order(story: Story) -> tuple[bool, str, str]:
    """Earliest published first (undated last), then by id: the order that decides which copy leads."""
    return (story.published is None, story.published.isoformat() if story.published else "", story.id)


def cluster_in_order(items: list[tuple[Story, Fingerprint]]) -> dict[str, Cluster]:
    """Bounded mode: cluster a whole batch deterministically (earliest published first, then by id)."""
    index = ClusterIndex(capacity=max(1, len(items)))
    order = sorted(items, key=lambda it: story_order(it[0]))
    clusters: dict[str, Cluster] = {}
    for story, fp in order:
        if story.id in clusters:  # the same id twice is the same story: an exact duplicate of itself
            continue
        clusters[story.id] = index.assign(story.id, fp)
    return clusters
