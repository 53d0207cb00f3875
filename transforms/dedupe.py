"""Duplicate and near-duplicate detection: an exact hash of the story's words and a MinHash signature of its
word 3-shingles, and a cluster index that puts each story into the cluster of the first story it repeats.

Exact identity comes first: a story whose id (from the feed GUID or the wire item id, which a wire item's
versions share) or canonical article URL (``wirewatch.urls``) was seen before is the same story, whatever
its text now says (an updated version, a page re-fetched with a new paragraph), and joins that story's
cluster. Only a story named by nothing seen before is compared by its fingerprint.

Near duplicates are stories whose estimated shingle Jaccard similarity is at least ``MIN_SIMILARITY`` and
whose numbers mostly agree: weekly reports from one template ("grain carloadings totaled 25,744 cars in the
week ended March 28") share most shingles with last week's, but not their figures. A trimmed copy (the lede
cut to a sentence, the last paragraphs dropped) is the same story too: when most of the shorter story's
shingles are in the longer one (containment, estimated from the Jaccard estimate and the two shingle counts),
its figures need only be found among the other's, since the dropped paragraphs took theirs along. The
index finds candidates with LSH: 21 bands of 3 MinHash values, so pairs at similarity 0.5 share a band with
probability ~0.94 (0.6: ~0.99), while unrelated news (similarity < 0.01) almost never does.
"""

from __future__ import annotations

import itertools
import re
import struct
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import xxhash

from wirewatch.records import Cluster, Story, pickled_as_tuple, straight_init
from wirewatch.urls import identity_url
from wirewatch.transforms.rulelang.compiled import wanted, word_splitter, wirewatch_native
from wirewatch.transforms.tokens import StoryWords

SHINGLE = 3
PERMUTATIONS = 64
BANDS, ROWS = 21, 3
MIN_SIMILARITY = 0.5
MIN_NUMBER_OVERLAP = 0.5  # Jaccard of the two stories' sets of number tokens
MIN_CONTAINMENT = 0.8  # share of the shorter story's shingles the longer one holds: a trimmed copy
MIN_NUMBER_CONTAINMENT = 0.7  # share of the smaller set of number tokens the other set holds
assert MIN_NUMBER_OVERLAP > 0 and MIN_NUMBER_CONTAINMENT > 0  # ClusterIndex._near drops disjoint figures
MIN_CONTAINED = 24  # shingles a shorter story needs for containment to count (a lone sentence is too little)
MAX_NUMBERS = 64
MAX_CANDIDATES = 64  # heads compared per story, most shared bands first
NAMES_PER_HEAD = 4  # identity keys remembered per cluster head, on average (ids and URLs of its members)
BUCKET_SCAN = 256  # newest heads looked at in each band
_rng = np.random.default_rng(20241104)  # fixed: signatures must be identical on every machine and run
_A = _rng.integers(1, 2**64 - 1, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**64 - 1, size=PERMUTATIONS, dtype=np.uint64)


@pickled_as_tuple  # passed between the Fingerprint and AssignClusters steps
@straight_init  # and made for every story
@dataclass(frozen=True, slots=True)
class Fingerprint:
    exact: str  # hash of the case-folded words: same words, same hash, whatever the markup or spacing
    minhash: bytes  # PERMUTATIONS uint32 values
    numbers: frozenset[str] = frozenset()  # the story's first MAX_NUMBERS distinct number tokens
    shingles: int = 0  # how many shingles the MinHash summarises (0: unknown, no containment)


SHORT_ITEM = 40  # words: a body shorter than this is fingerprinted with its headline's words before it


def _words(story: Story, words: StoryWords | None = None, folded: bool = True) -> list[str]:
    """The words the fingerprint reads, case-folded (``folded``) or as written."""
    words = words or StoryWords(story)
    body = words.of("body")
    found = (body.folded if folded else body.words) if body else []
    if len(found) < SHORT_ITEM and story.title:  # a short item (a dividend notice) is identified by its headline too
        title = words.of("title")
        found = ((title.folded if folded else title.words) if title else []) + found
    return found


def minhash(words: list[str]) -> bytes:
    """The MinHash signature of the words' ``SHINGLE``-shingles: by the compiled core where it is built
    (the same bytes; ``python_minhash`` is the reference), else by ``python_minhash``."""
    if _compiled_minhash is not None and type(words) is list:
        return _compiled_minhash(words)  # type: ignore[no-any-return]
    return python_minhash(words)


def python_minhash(words: list[str]) -> bytes:
    # Shingle i is " ".join(words[i : i + SHINGLE]) hashed as UTF-8 (fewer words: one shingle of them all);
    # min((h * a + b) >> 32) is min(h * a + b) >> 32, the shift being monotone, so only 64 values shift.
    if len(words) >= SHINGLE:
        shingles: Any = map(" ".join, zip(*(words[k:] for k in range(SHINGLE))))
        count = len(words) - SHINGLE + 1
    else:
        shingles, count = (" ".join(words),), 1
    hashes = np.fromiter(map(xxhash.xxh64_intdigest, map(str.encode, shingles)), dtype=np.uint64, count=count)
    permuted = np.multiply.outer(hashes, _A)  # multiply-shift hashing: array arithmetic wraps around silently
    permuted += _B
    return (np.minimum.reduce(permuted, axis=0) >> np.uint64(32)).astype("<u4").tobytes()


# The compiled core's MinHash with these permutations (``wirewatch_native.MinHash``, native/src/minhash.rs),
# None where the core is not built, is older than it or is turned off (WIREWATCH_NATIVE=0).
_compiled_minhasher = (
    wirewatch_native.MinHash(_A.astype("<u8").tobytes(), _B.astype("<u8").tobytes(), SHINGLE)
    if wanted() and hasattr(wirewatch_native, "MinHash") else None
)
_compiled_minhash = _compiled_minhasher.signature if _compiled_minhasher is not None else None
# The whole fingerprint from the words as written, where the core also folds case as this Python does (its
# Unicode tables are this Python's: ``word_splitter`` is there).
_compiled_fingerprint = (
    _compiled_minhasher.fingerprint
    if _compiled_minhasher is not None and hasattr(_compiled_minhasher, "fingerprint") and word_splitter()
    else None
)
# The same from the story's texts, split in the core as ``Words`` splits them there (``_words``' choice of
# words made there too), so no word of the body becomes a Python string: None where the core is older.
_compiled_fingerprint_text = (
    _compiled_minhasher.fingerprint_text
    if _compiled_fingerprint is not None and hasattr(_compiled_minhasher, "fingerprint_text") else None
)


def _numbers(words: list[str]) -> frozenset[str]:
    found: dict[str, None] = {}
    for word in itertools.filterfalse(str.isalpha, words):  # a word of letters only holds no digit
        if any(map(str.isdigit, word)):
            found[word] = None
            if len(found) == MAX_NUMBERS:
                break
    return frozenset(found)


# In ASCII words joined by spaces, a word holding a digit (``str.isdigit`` is 0-9 there): at the text's
# start or after a space, no digit, a digit, the rest of the word.
_ASCII_NUMBER = re.compile(r"(?:^| )([^ 0-9]*[0-9][^ ]*)")


def _numbers_of_ascii(joined: str) -> frozenset[str]:
    """``_numbers(joined.split(" "))`` for ASCII words, in one regex pass over the joined words."""
    return frozenset(itertools.islice(dict.fromkeys(_ASCII_NUMBER.findall(joined)), MAX_NUMBERS))


def fingerprint(story: Story, words: StoryWords | None = None) -> Fingerprint:
    """The story's fingerprint; ``words`` is the story's shared word form when the caller has made it. By
    the compiled core where it is built (it folds the words itself), else by ``python_fingerprint``."""
    if _compiled_fingerprint is not None:
        words = words or StoryWords(story)
        try:
            if _compiled_fingerprint_text is not None and type(story.body) is str and (
                    story.title is None or type(story.title) is str):
                exact, signature, numbers, count = _compiled_fingerprint_text(story.body, story.title or None,
                                                                              SHORT_ITEM, MAX_NUMBERS)
            else:
                exact, signature, numbers, count = _compiled_fingerprint(_words(story, words, False), MAX_NUMBERS)
        except UnicodeEncodeError:  # a lone surrogate: Python's path below answers (or raises) as before
            pass
        else:
            found = frozenset(numbers) if numbers is not None else _numbers(_words(story, words))
            return Fingerprint(exact, signature, found, max(1, count - SHINGLE + 1))
    return python_fingerprint(story, words)


def python_fingerprint(story: Story, words: StoryWords | None = None) -> Fingerprint:
    """``fingerprint`` in Python, the reference."""
    found = _words(story, words)
    joined = " ".join(found)
    numbers = _numbers_of_ascii(joined) if joined.isascii() else _numbers(found)
    return Fingerprint(xxhash.xxh3_128_hexdigest(joined.encode()), minhash(found), numbers,
                       max(1, len(found) - SHINGLE + 1))


def identity(story: Story) -> tuple[str, ...]:
    """The keys that name the story exactly: its id, and its canonical URL when that names an article."""
    url = identity_url(story.url)
    return (f"id\x1f{story.id}", f"url\x1f{url}") if url else (f"id\x1f{story.id}",)


def numbers_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a and not b:
        return True
    return len(a & b) / len(a | b) >= MIN_NUMBER_OVERLAP


def numbers_contained(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether the smaller set of number tokens is mostly inside the other (an empty one always is)."""
    smaller = min(len(a), len(b))
    return not smaller or len(a & b) / smaller >= MIN_NUMBER_CONTAINMENT


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two stories' shingle sets."""
    return float(np.mean(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4")))


def containment(a: Fingerprint, b: Fingerprint, jaccard: float) -> float:
    """Estimated share of the shorter story's shingles that the longer one holds: |A & B| / min(|A|, |B|),
    with |A & B| = J (|A| + |B|) / (1 + J). 0 when a size is unknown."""
    small, large = (a.shingles, b.shingles) if a.shingles <= b.shingles else (b.shingles, a.shingles)
    if not small:
        return 0.0
    return min(1.0, jaccard * (small + large) / ((1 + jaccard) * small))


def near_duplicate(a: Fingerprint, b: Fingerprint, min_similarity: float = MIN_SIMILARITY,
                   contained: bool = True) -> float | None:
    """The estimated similarity when ``a`` and ``b`` tell the same story, else None: similar with their
    figures agreeing, or (``contained``) one mostly inside the other with its figures among the other's."""
    return _judged(a, b, similarity(a.minhash, b.minhash), min_similarity, contained)


def _judged(a: Fingerprint, b: Fingerprint, score: float, min_similarity: float, contained: bool) -> float | None:
    """``near_duplicate`` once the similarity ``score`` of ``a`` and ``b`` is known."""
    if score >= min_similarity and numbers_agree(a.numbers, b.numbers):
        return score
    if (contained and min(a.shingles, b.shingles) >= MIN_CONTAINED
            and containment(a, b, score) >= MIN_CONTAINMENT and numbers_contained(a.numbers, b.numbers)):
        return score
    return None


def _judged_all(fp: Fingerprint, ids: list[str], others: list[Fingerprint], scores: list[float],
                min_similarity: float, contained: bool) -> list[tuple[float, str]]:
    """``(score, id)`` of each of ``others`` (named by ``ids``, with similarity ``scores`` to ``fp``) that
    ``_judged`` finds the same story as ``fp``, the same figures worked out in one loop: the numbers both
    share counted once for both checks, and ``|A | B|`` as ``|A| + |B| - |A & B|``."""
    mine, count, size = fp.numbers, len(fp.numbers), fp.shingles
    found = []
    for head, other, score in zip(ids, others, scores):
        theirs = other.numbers
        both = len(mine & theirs)
        if score >= min_similarity and (both / (count + len(theirs) - both) >= MIN_NUMBER_OVERLAP
                                        if count or theirs else True):
            found.append((score, head))
            continue
        if not contained:
            continue
        small, large = (size, other.shingles) if size <= other.shingles else (other.shingles, size)
        if (small >= MIN_CONTAINED and min(1.0, score * (small + large) / ((1 + score) * small)) >= MIN_CONTAINMENT
                and (both / min(count, len(theirs)) >= MIN_NUMBER_CONTAINMENT if count and theirs else True)):
            found.append((score, head))
    return found


def _similarities(signature: bytes, others: list[bytes]) -> list[float]:
    """``similarity(signature, other)`` for each of ``others`` (signatures of one length), in one array pass
    (or one call of the compiled core): the share of equal values is the count of them over the length, as
    ``np.mean`` computes it."""
    if _equal_values is not None:
        counts = _equal_values(signature, others)
        if counts is not None:
            length = len(signature) // 4
            return [count / length for count in counts]
    mine = np.frombuffer(signature, "<u4")
    theirs = np.frombuffer(b"".join(others), "<u4").reshape(len(others), len(mine))
    counts = np.count_nonzero(theirs == mine, axis=1).tolist()
    return [count / len(mine) for count in counts]


# The compiled core's count of equal signature values (native/src/minhash.rs), None where the core is not built,
# is older or is turned off (WIREWATCH_NATIVE=0).
_equal_values = getattr(wirewatch_native, "equal_values", None) if wanted() else None


def _most_shared(shared: Counter[str], limit: int) -> list[str]:
    """The ``limit`` keys of ``shared`` with the highest counts, ties to the smallest key: the first ``limit``
    of ``sorted(shared, key=lambda h: (-shared[h], h))``, without a Python key call per key."""
    if len(shared) <= limit:
        return list(shared)
    cut = sorted(shared.values(), reverse=True)[limit - 1]  # the count of the last one taken
    above = [key for key, count in shared.items() if count > cut]
    tied = sorted(key for key, count in shared.items() if count == cut)
    return above + tied[: limit - len(above)]


def _band_slices(signature: bytes) -> list[bytes] | tuple[bytes, ...]:
    """Each band's ROWS values, band by band (the index keeps one dictionary per band, so bands never share a
    key): cut in one call where the signature has the usual length."""
    if len(signature) == 4 * PERMUTATIONS:
        return _BAND_SLICES.unpack_from(signature)
    width = 4 * ROWS
    return [signature[band * width : (band + 1) * width] for band in range(BANDS)]


_BAND_SLICES = struct.Struct(f"{4 * ROWS}s" * BANDS)


def _newest(members: str | dict[str, None], scan: int) -> Any:
    """The heads of one band's bucket, at most the newest ``scan`` of them: a bucket of one head is the
    head's id itself (no dictionary made for most buckets), of more an insertion-ordered dictionary (all of
    it oldest first where it holds no more than ``scan``, else newest first)."""
    if members.__class__ is str:
        return (members,)
    return members if len(members) <= scan else itertools.islice(reversed(members), scan)


class PyBands:
    """The index's LSH band buckets: per band, its values -> the heads with them in arrival order (one head: its
    id, no dictionary). The reference for the compiled core's ``Bands`` (native/src/bands.rs), which answers
    alike and is used where it is built."""

    def __init__(self) -> None:
        self._bands: list[dict[bytes, str | dict[str, None]]] = [{} for _ in range(BANDS)]

    def add(self, story_id: str, signature: bytes) -> None:
        for band, key in zip(self._bands, _band_slices(signature)):
            members = band.get(key)
            if members is None:
                band[key] = story_id
            elif members.__class__ is str:
                if members != story_id:
                    band[key] = {members: None, story_id: None}
            else:
                members[story_id] = None

    def remove(self, story_id: str, signature: bytes) -> None:
        """``story_id`` leaves its buckets (KeyError where a band has no bucket of ``signature``)."""
        for band, key in zip(self._bands, _band_slices(signature)):
            members = band[key]
            if members.__class__ is str:
                if members == story_id:
                    del band[key]
                continue
            members.pop(story_id, None)
            if not members:
                del band[key]

    def candidates(self, signature: bytes, scan: int, limit: int) -> list[str]:
        """The heads to compare, of the band buckets of ``signature``: the ``limit`` found most often among
        each bucket's newest ``scan`` (``_most_shared``)."""
        found = [members for members in map(dict.get, self._bands, _band_slices(signature)) if members]
        if not found:
            return []
        return _most_shared(Counter(itertools.chain.from_iterable(_newest(m, scan) for m in found)), limit)

    def compared(self, signature: bytes, scan: int, limit: int, heads: Mapping[str, Fingerprint],
                 numbers: frozenset[str]) -> tuple[list[str], list[Fingerprint]] | None:
        """What ``ClusterIndex._near`` compares: the ``candidates``' fingerprints from ``heads``, less those whose
        figures share none with ``numbers`` where both have figures (such a head passes neither check of
        ``_judged_all``, both needing a share above 0: on a template backlog ~57 of the 64); their ids and
        fingerprints, or None where none is left."""
        candidates = self.candidates(signature, scan, limit)
        if not candidates:
            return None
        fps = [heads[head] for head in candidates]
        if numbers:
            disjoint = numbers.isdisjoint
            kept = [k for k, fp in enumerate(fps) if not (fp.numbers and disjoint(fp.numbers))]
            if not kept:
                return None
            if len(kept) < len(fps):
                candidates, fps = [candidates[k] for k in kept], [fps[k] for k in kept]
        return candidates, fps

    def members(self) -> list[str]:
        """Every head a bucket holds, each once."""
        return list({h: None for band in self._bands for m in band.values()
                     for h in ((m,) if m.__class__ is str else m)})

    def bucket(self, band: int, signature: bytes) -> list[str]:
        """The heads of band ``band``'s bucket of ``signature``, in arrival order."""
        members = self._bands[band].get(_band_slices(signature)[band])
        return [] if members is None else [members] if members.__class__ is str else list(members)


def bands() -> Any:
    """The band buckets: the compiled core's where it is built (and not turned off), else ``PyBands``."""
    return _Bands(BANDS, 4 * ROWS) if _Bands is not None else PyBands()


# The compiled band buckets (native/src/bands.rs), None where the core is not built, is older or is turned off.
_Bands = getattr(wirewatch_native, "Bands", None) if wanted() else None


class ClusterIndex:
    """Assigns stories to clusters in arrival order; keeps at most ``capacity`` cluster heads (oldest
    forgotten first), so memory stays bounded on an endless stream."""

    def __init__(self, capacity: int = 1_000_000, min_similarity: float = MIN_SIMILARITY,
                 containment: bool = True) -> None:
        self.capacity = capacity
        self.min_similarity = min_similarity
        self.containment = containment  # whether a trimmed copy (one story inside the other) counts
        self._exact: OrderedDict[str, str] = OrderedDict()  # exact hash -> cluster id
        self._named: OrderedDict[int, str] = OrderedDict()  # hash of an identity key -> cluster id, oldest first
        self._heads: OrderedDict[str, Fingerprint] = OrderedDict()  # cluster id -> its first fingerprint
        self._bands = bands()  # per band, its values -> the heads with them in arrival order

    def __len__(self) -> int:
        return len(self._heads)

    def is_head(self, story_id: str) -> bool:
        """Whether ``story_id`` leads a cluster the index still remembers."""
        return story_id in self._heads

    def unknown(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The identity keys that name no cluster the index remembers."""
        return tuple(n for n in names if self._named.get(_name_key(n)) not in self._heads)

    def remember(self, names: tuple[str, ...], cluster_id: str) -> None:
        """Name ``cluster_id`` by these identity keys too (those that name no remembered cluster yet)."""
        if cluster_id not in self._heads:
            return
        for name in self.unknown(names):
            key = _name_key(name)
            self._named[key] = cluster_id
            self._named.move_to_end(key)
        while len(self._named) > NAMES_PER_HEAD * self.capacity:
            self._named.popitem(last=False)

    def assign(self, story_id: str, fp: Fingerprint, names: tuple[str, ...] = ()) -> Cluster:
        """The story's cluster: the one its identity keys (``identity(story)``) name, else the one of an exact
        or near copy, else a new one it leads."""
        head = self._by_name(names) or self._exact.get(fp.exact) or self._near(fp)
        if head is None:
            self._add(story_id, fp)
            head = story_id
        self.remember(names, head)
        if head == story_id:  # the same story again (a re-sent or re-read record) leads its own cluster
            return Cluster(id=story_id, duplicate_of=None)
        return Cluster(id=head, duplicate_of=head)

    def _by_name(self, names: tuple[str, ...]) -> str | None:
        for name in names:
            head = self._named.get(_name_key(name))
            if head in self._heads:  # a key of a forgotten cluster names nothing
                return head
        return None

    def _near(self, fp: Fingerprint) -> str | None:
        # Stories from one template (earnings notices, weekly reports) can share a band with thousands of
        # heads. Only the newest BUCKET_SCAN heads of a band are counted (copies of a story arrive close
        # together), and of those the heads sharing the most bands are compared: a true near duplicate
        # shares many (similarity 0.8: ~11 of 21).
        found = self._bands.compared(fp.minhash, BUCKET_SCAN, MAX_CANDIDATES, self._heads, fp.numbers)
        if found is None:
            return None
        candidates, heads = found
        scores = _similarities(fp.minhash, [head.minhash for head in heads])
        scored = _judged_all(fp, candidates, heads, scores, self.min_similarity, self.containment)
        best = max(scored, key=lambda x: (x[0], x[1]), default=None)
        return best[1] if best else None

    def _add(self, story_id: str, fp: Fingerprint) -> None:
        self._exact[fp.exact] = story_id
        before = self._heads.get(story_id)
        if before is not None and before.minhash != fp.minhash:
            # a head sent again with other words: its buckets are the new words' only (left in the old ones, it
            # would outlive its eviction there and be named as a candidate the index no longer knows)
            self._bands.remove(story_id, before.minhash)
        self._heads[story_id] = fp
        self._bands.add(story_id, fp.minhash)
        while len(self._heads) > self.capacity:
            old, oldest = self._heads.popitem(last=False)
            self._bands.remove(old, oldest.minhash)
        while len(self._exact) > self.capacity:
            self._exact.popitem(last=False)


def _name_key(name: str) -> int:
    return xxhash.xxh3_64_intdigest(name.encode("utf-8", "surrogatepass"))


def story_order(story: Story) -> tuple[bool, str, str]:
    """Earliest published first (undated last), then by id: the order that decides which copy leads."""
    return (story.published is None, story.published.isoformat() if story.published else "", story.id)


def cluster_in_order(items: list[tuple[Story, Fingerprint]], containment: bool = True) -> dict[str, Cluster]:
    """Bounded mode: cluster a whole batch deterministically (earliest published first, then by id)."""
    index = ClusterIndex(capacity=max(1, len(items)), containment=containment)
    order = sorted(items, key=lambda it: story_order(it[0]))
    clusters: dict[str, Cluster] = {}
    for story, fp in order:
        if story.id in clusters:  # the same id twice is the same story: an exact duplicate of itself
            continue
        clusters[story.id] = index.assign(story.id, fp, identity(story))
    return clusters
