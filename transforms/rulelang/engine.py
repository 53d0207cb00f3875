"""Matching one story against a compiled watch list: scan the story's two key lines once each, turn
pattern hits into term occurrences, gather the rules anchored on the terms found (plus the rules that
need no term), and evaluate only those."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wirewatch.records import Story
from wirewatch.transforms.rulelang import native, words
from wirewatch.transforms.rulelang.cache import CompiledCache, paused_gc
from wirewatch.transforms.rulelang.evaluate import Context, RootResult, bound_terms, compile_root
from wirewatch.transforms.rulelang.prefilter import BACKENDS, Scanner, default_backend
from wirewatch.transforms.rulelang.program import Program, compile_program
from wirewatch.transforms.rulelang.syntax import FORM, STEM, WatchList, stream_language
from wirewatch.transforms.rulelang.view import StoryView

COMPILED_CORE = "<compiled core>"  # the failure counter's key for faults of the compiled core
CACHE_MIN_PATTERNS = 2_000  # smaller lists compile in milliseconds: not worth a file
LANGUAGES_KEPT = 256  # stories' language tags whose stream languages an engine keeps (a feed's tags are few)


@dataclass(frozen=True, slots=True)
class Fired:
    rule: int  # index in the watch list
    score: float
    occurrences: list[tuple[int, int, int]]
    clause: str


class Engine:
    def __init__(self, watchlist: WatchList, backend: str | None = None,
                 cache: CompiledCache | None = None, compiled: bool | None = None) -> None:
        """``compiled``: use the compiled core (default: when built and not turned off, see native.py).
        With it, the Python engine's tables (the reference, used by ``hits``, ``explain`` and as the
        fallback) are loaded only when first needed."""
        self.watchlist = watchlist
        self.backend = backend or default_backend()
        self._cache = cache
        self._program: Program | None = None
        self._extra_streams: tuple[str, ...] = ()  # the compiled core's streams after stem and form
        self._clauses: list[Callable[[Context], RootResult] | None] = [None] * len(watchlist.rules)
        self.failures: Counter[str] = Counter()  # rule id -> evaluations that raised
        self._kinds = native.record_kinds()
        use = native.wanted() if compiled is None else compiled
        with paused_gc() as pause:
            self.native = self._build_native() if use else None
            if self.native is None:
                self._load()
            pause.freeze = self.size >= CACHE_MIN_PATTERNS  # a large list lives as long as the process
        # Whether ``records`` hands the core the texts to split (``Core.match_texts``): where the compiled
        # splitter is this Python's (``words.split``).
        self._texts = self.native is not None and words.compiled()
        if self._texts and hasattr(self.native, "stem_with"):  # (an older core asks words.core_stems)
            library = words.stemmer_library()  # the English stems from the library Python's come from
            if library is not None:
                self.native.stem_with(library)
        self._extra_languages = [stream_language(stream) for stream in self._extra_streams]
        # Whether the core makes a story's records from its texts and facts alone (``records_from``): no
        # story view is needed unless it cannot answer.
        self.reads_texts = self._texts and self._kinds is not None
        self._languages: dict[str, list[str | None]] = {}  # a story's language -> the languages its lines take

    @property
    def size(self) -> int:
        """Literal patterns in the compiled list."""
        if self.native is not None:
            return sum(self.native.pattern_counts())
        return sum(len(p) for p in self.program.patterns.values())

    @property
    def program(self) -> Program:
        if self._program is None:
            self._load()
        assert self._program is not None
        return self._program

    def _load(self) -> None:
        """The Python engine's program, scanners and tables (compiled, or from the cache)."""
        if self._program is not None:
            return
        program, self.scanners, derived = _build(self.watchlist, self.backend, self._cache)
        tables, self._bounds, self._thresholds = derived
        self._streams = [
            (stream, self.scanners[stream], tables[stream], program.case if stream == FORM else {})
            for stream in program.streams if program.patterns[stream]
        ]
        self._anchor_keys = program.anchors.keys()
        self._second_keys = program.second.keys()
        self._bound_keys = self._bounds.keys()
        self._program = program

    def _build_native(self) -> Any:
        """The compiled core, from the plan cached for this list when there is one."""
        cache, digest = self._cache, self.watchlist.digest
        key = f"{digest}-plan-n3"  # -n3: with the rule ids
        plan = cache.get("engine", key) if cache is not None and digest else None
        if plan is not None:
            try:
                core = native.core(plan)
                self._extra_streams = native.extra_streams(plan)
                return core
            except (ValueError, TypeError, IndexError, OverflowError):
                pass  # a stale or damaged entry: build it again
        # Only the program: the Python engine's scanners and tables (a Hyperscan compile of every pattern)
        # are made when first needed, and the program is not kept (the core holds what it needs).
        program = self._program or compile_program(self.watchlist)
        core, plan = native.build(program, self.watchlist)
        self._extra_streams = native.extra_streams(plan)
        if cache is not None and digest and native.plan_size(plan) >= CACHE_MIN_PATTERNS:
            cache.put("engine", key, plan)
        return core

    def clause(self, index: int) -> Callable[[Context], RootResult]:
        fn = self._clauses[index]
        if fn is None:  # compiled on first use: most rules of a large list never become candidates
            rule = self.watchlist.rules[index]
            fn = self._clauses[index] = compile_root(rule.tree, self.program.leaf_terms[index], rule.threshold)
        return fn

    def hits(self, view: StoryView) -> dict[int, list[tuple[int, int, int]]]:
        """Term id -> occurrences (field, first word, last word)."""
        self._load()
        hits: dict[int, list[tuple[int, int, int]]] = {}
        get = hits.get
        b1, b2 = view.bounds[1], view.bounds[2]
        for stream, scanner, table, case in self._streams:
            found = scanner.scan(view.line(stream))
            if not found:
                continue
            starts = view.starts(stream)
            for pid, end in found:
                extra, back, owners = table[pid]
                last = bisect_right(starts, end - back) - 1
                first = last - extra
                occ = (0 if first < b1 else 1 if first < b2 else 2, first, last)
                for tid in owners:
                    if case and tid in case and not _case_ok(view.words, first, case[tid]):
                        continue
                    bucket = get(tid)
                    if bucket is None:
                        hits[tid] = [occ]
                    elif bucket[-1] != occ:
                        bucket.append(occ)
        return hits

    def candidates(self, hits: dict[int, list], facts: dict) -> list[int]:
        """Rules worth evaluating, narrowed with set operations (no per-rule Python): anchored on a term
        found, holding a term of their second required set, and the country or region they require."""
        p = self.program
        found = p.always.union(*map(p.anchors.__getitem__, self._anchor_keys & hits.keys()))
        if not found:
            return []
        multi = found & p.two_sets
        if multi:
            found -= _without(multi, map(p.second.__getitem__, self._second_keys & hits.keys()))
        restricted = found & p.fact_rules
        if restricted:
            by_fact = p.by_fact
            allowed = [by_fact[f] for kind in ("country", "region") for v in facts[kind] if (f := (kind, v)) in by_fact]
            found -= _without(restricted, allowed)
        return sorted(found)

    def fire(self, view: StoryView) -> list[tuple[int, float, list[tuple[int, int, int]], str]]:
        """Like ``run``, as plain (rule index, score, occurrences, clause) tuples."""
        if self.native is not None:
            done = self._native_fire(view)
            if done is not None:
                compiled, sets = done
                return [(index, score, list(sets[k]), clause) for index, score, clause, k in compiled]
        return self._python_fire(view)

    def _python_fire(self, view: StoryView) -> list[tuple[int, float, list[tuple[int, int, int]], str]]:
        ctx = Context(self.hits(view), view.facts)
        fired: list[tuple[int, float, list[tuple[int, int, int]], str]] = []
        add = fired.append
        clauses = self._clauses
        candidates = self.candidates(ctx.hits, view.facts)
        if self._bounds and candidates:
            below = self.below_threshold(ctx.hits)
            if below:
                candidates = [i for i in candidates if i not in below]
        for index in candidates:
            try:
                result, clause = (clauses[index] or self.clause(index))(ctx)
            except Exception:  # noqa: BLE001 - one broken rule must never silence the others
                self.failures[self.watchlist.rules[index].id] += 1
                continue
            if result is not None:  # the compiled root already gave None under the rule's threshold
                add((index, result[0], result[1], clause))
        return fired

    def fire_sets(self, view: StoryView, spans: bool = False,
                  compiled: bool = True) -> tuple[list[tuple[int, float, str, int]], list]:
        """The rules that fire as (rule index, score, clause, k) and the occurrence sets they point to with
        ``k``: rules that found the same words share one set, so their evidence is worked out once. With
        ``spans``, each set is its evidence instead: (field, start, end) in characters (StoryView.evidence).
        ``compiled=False``: the Python engine answers even where the compiled core is loaded."""
        if self.native is not None and compiled:
            done = self._native_fire(view, spans)
            if done is not None:
                return done
        fired: list[tuple[int, float, str, int]] = []
        sets: list = []
        known: dict = {}
        for index, score, occurrences, clause in self._python_fire(view):
            key = frozenset(occurrences)
            k = known.get(key)
            if k is None:
                k = known[key] = len(sets)
                sets.append(view.evidence(occurrences) if spans else occurrences)
            fired.append((index, float(score), clause, k))
        return fired, sets

    def _native_fire(self, view: StoryView, spans: bool = False) -> tuple[list, list] | None:
        """The compiled core's answer, or None when it failed (counted; the Python engine answers)."""
        assert self.native is not None
        story = view.story
        try:
            return self.native.fire(view.line(STEM), view.line(FORM), view.raw_line(), view.bounds[1:], view.facts,
                                    (story.title, story.dateline, story.body) if spans else None,
                                    [view.line(s) for s in self._extra_streams])
        except native.FAULTS:  # a fault in the core must not lose the story
            self.failures[COMPILED_CORE] += 1
            return None

    def records(self, view: StoryView, caps: tuple[int, int, int]) -> tuple | bool:
        """The story's matches as RuleMatch records made by the compiled core (``caps``: matches a story,
        spans a match, spans a story). Otherwise ``fire_sets`` answers:
        True when it may use the compiled core (there is none, or the matches are over the caps and the
        caller cuts them), False when the core failed on this story (counted)."""
        if self.native is None or self._kinds is None:
            return True
        story = view.story
        if self._texts:
            return self.records_from(story, view.facts, caps)
        try:
            made = self.native.matches(view.line(STEM), view.line(FORM), view.raw_line(), view.bounds[1:],
                                       view.facts, (story.title, story.dateline, story.body),
                                       [view.line(s) for s in self._extra_streams], caps, self._kinds)
        except native.FAULTS:  # a fault in the core must not lose the story
            self.failures[COMPILED_CORE] += 1
            return False
        return True if made is None else made  # (no match is an empty tuple, an answer too)

    def records_from(self, story: Story, facts: dict[str, Any], caps: tuple[int, int, int]) -> tuple | bool:
        """``records`` where the core splits, folds and stems the texts itself (``reads_texts``), from the
        story and its facts (``view.story_facts``) without a story view."""
        languages = self._languages.get(facts["lang"])
        if languages is None:
            own = facts["lang"].partition("-")[0]  # (StoryView._keys_in: no stems for a third language)
            languages = [None if own and own != language else language for language in self._extra_languages]
            if len(self._languages) < LANGUAGES_KEPT:
                self._languages[facts["lang"]] = languages
        try:
            made = self.native.match_texts((story.title, story.dateline, story.body), facts, caps, self._kinds,
                                           languages, words.core_stems)
        except native.FAULTS:  # a fault in the core must not lose the story
            self.failures[COMPILED_CORE] += 1
            return False
        return True if made is None else made  # (no match is an empty tuple, an answer too)

    def below_threshold(self, hits: dict[int, list]) -> set[int]:
        """Rules sure to stay under their threshold: an OR of terms whose upper bound of the score, summed
        here term by term with a margin far above rounding, is less than the threshold."""
        self._load()
        bound: dict[int, float] = {}
        get = bound.get
        bounds = self._bounds
        for t in self._bound_keys & hits.keys():
            n = len(hits[t])
            for r, w in bounds[t]:
                bound[r] = get(r, 0.0) + w * n
        thresholds = self._thresholds
        return {r for r, b in bound.items() if b * (1 + 1e-9) + 1e-9 < thresholds[r]}

    def run(self, view: StoryView) -> list[Fired]:
        return [Fired(*f) for f in self.fire(view)]


def _without(few: set[int] | frozenset[int], many: Iterable[frozenset[int]]) -> set[int] | frozenset[int]:
    """``few`` minus every set of ``many``. ``few.difference(a, b, ...)`` walks all of ``b, ...``; ``few - a``
    walks ``few``: take whichever walks fewer elements (a region's rule set can be large)."""
    many = list(many)
    if sum(map(len, many)) <= len(few) * len(many):
        return few.difference(*many)
    for other in many:
        if not few:
            break
        few = few - other
    return few


def _case_ok(words: list[str], first: int, case: tuple[tuple[str, ...], bool]) -> bool:
    written, prefix = case
    found = words[first : first + len(written)]
    if prefix:
        return found[:-1] == list(written[:-1]) and found[-1].startswith(written[-1])
    return found == list(written)


Tables = tuple[dict[str, tuple[tuple[int, int, tuple[int, ...]], ...]], dict[int, list[tuple[int, float]]],
               dict[int, float]]


def _tables(program: Program, watchlist: WatchList) -> Tables:
    """What scanning and candidate selection read per story, derived once per compiled list (and cached
    with it: at 100k rules deriving it took ~2.8 s, longer than loading the cached program):

    - per stream, pattern id -> (words - 1, how far before the hit's end its last word ends: 2 past a
      whole-word pattern's closing space, 1 for a prefix, term ids);
    - term -> (rule, weight) for the rules with a threshold that are an OR of terms, whose score bounds are
      summed per story in one pass over the terms found, so most never need evaluating; and their
      thresholds.
    """
    p = program
    tables = {
        stream: tuple((n - 1, 2 if text.endswith(" ") else 1, owners) for n, text, owners in zip(
            p.pattern_words[stream], p.patterns[stream], p.pattern_terms[stream], strict=True))
        for stream in p.streams
    }
    bounds: dict[int, list[tuple[int, float]]] = {}
    thresholds: dict[int, float] = {}
    for index, rule in enumerate(watchlist.rules):
        parts = bound_terms(rule.tree, p.leaf_terms[index]) if rule.threshold is not None else None
        if parts:
            thresholds[index] = rule.threshold  # type: ignore[assignment]
            for t, w in parts:
                bounds.setdefault(t, []).append((index, w))
    return tables, bounds, thresholds


def _build(
    watchlist: WatchList, backend: str, cache: CompiledCache | None,
) -> tuple[Program, dict[str, Scanner], Tables]:
    scanner_type: Callable[..., Scanner] = BACKENDS[backend]
    key = f"{watchlist.digest}-{backend}-t2"  # -t2: with the derived tables and the list's streams
    if cache is not None and watchlist.digest:
        stored = cache.get("engine", key)
        if isinstance(stored, tuple) and len(stored) == 3 and isinstance(stored[0], Program):
            program, dumps, derived = stored
            loaded: dict[str, Scanner] | None
            try:
                loaded = {s: scanner_type(program.patterns[s], data=dumps.get(s)) if dumps.get(s)
                          else scanner_type(program.patterns[s]) for s in program.streams}
            except Exception:  # noqa: BLE001 - a damaged database (the scanner's own error type): compile again
                loaded = None
            if loaded is not None:
                return program, loaded, derived
    program = compile_program(watchlist)
    scanners = {s: scanner_type(program.patterns[s]) for s in program.streams}
    derived = _tables(program, watchlist)
    total = sum(len(p) for p in program.patterns.values())
    if cache is not None and watchlist.digest and total >= CACHE_MIN_PATTERNS:
        cache.put("engine", key, (program, {s: scanners[s].dump() for s in program.streams}, derived))
    return program, scanners, derived
