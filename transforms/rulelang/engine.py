"""Matching one story against a compiled watch list: scan the story's two key lines once each, turn
pattern hits into term occurrences, gather the rules anchored on the terms found (plus the rules that
need no term), and evaluate only those."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from transforms.rulelang.cache import CompiledCache
from transforms.rulelang.evaluate import Context, RootResult, compile_root
from transforms.rulelang.prefilter import BACKENDS, Scanner, default_backend
from transforms.rulelang.program import STREAMS, Program, compile_program
from transforms.rulelang.syntax import FORM, STEM, WatchList
from transforms.rulelang.view import StoryView, line_and_starts

CACHE_MIN_PATTERNS = 2_000  # smaller lists compile in milliseconds: not worth a file


@dataclass(frozen=True, slots=True)
class Fired:
    rule: int  # index in the watch list
    score: float
    occurrences: list[tuple[int, int, int]]
    clause: str


class Engine:
    def __init__(self, watchlist: WatchList, backend: str | None = None,
                 cache: CompiledCache | None = None) -> None:
        self.watchlist = watchlist
        self.backend = backend or default_backend()
        self.program, self.scanners = _build(watchlist, self.backend, cache)
        self._clauses: list[Callable[[Context], RootResult] | None] = [None] * len(watchlist.rules)
        self.failures: Counter[str] = Counter()  # rule id -> evaluations that raised

    def clause(self, index: int) -> Callable[[Context], RootResult]:
        fn = self._clauses[index]
        if fn is None:  # compiled on first use: most rules of a large list never become candidates
            rule = self.watchlist.rules[index]
            fn = self._clauses[index] = compile_root(rule.tree, self.program.leaf_terms[index], rule.threshold)
        return fn

    def hits(self, view: StoryView) -> dict[int, list[tuple[int, int, int]]]:
        """Term id -> occurrences (field, first word, last word)."""
        program = self.program
        hits: dict[int, list[tuple[int, int, int]]] = {}
        for stream in STREAMS:
            scanner = self.scanners[stream]
            keys = view.stem_keys if stream == STEM else view.form_keys
            line, starts = line_and_starts(keys)
            found = scanner.scan(line)
            if not found:
                continue
            owners, nwords = program.pattern_terms[stream], program.pattern_words[stream]
            case = program.case if stream == FORM else {}
            b1, b2 = view.bounds[1], view.bounds[2]
            for pid, end in found:
                # a whole-word pattern ends with the space after its last word; a prefix inside the word
                last = bisect_right(starts, end - 2 if line[end - 1] == " " else end - 1) - 1
                first = last - nwords[pid] + 1
                occ = (0 if first < b1 else 1 if first < b2 else 2, first, last)
                for tid in owners[pid]:
                    if case and tid in case and not _case_ok(view.words, first, case[tid]):
                        continue
                    bucket = hits.get(tid)
                    if bucket is None:
                        hits[tid] = [occ]
                    elif bucket[-1] != occ:
                        bucket.append(occ)
        return hits

    def candidates(self, hits: dict[int, list], facts: dict) -> list[int]:
        """Rules worth evaluating, narrowed with set operations (no per-rule Python): anchored on a term
        found, holding a term of their second required set, and the country or region they require."""
        p = self.program
        anchors, second = p.anchors, p.second
        found = set(p.always).union(*[anchors[t] for t in hits if t in anchors])
        if not found:
            return []
        multi = found & p.two_sets
        if multi:
            found -= multi.difference(*[second[t] for t in hits if t in second])
        restricted = found & p.fact_rules
        if restricted:
            by_fact = p.by_fact
            allowed = [by_fact[f] for kind in ("country", "region") for v in facts[kind] if (f := (kind, v)) in by_fact]
            found -= restricted.difference(*allowed)
        return sorted(found)

    def run(self, view: StoryView) -> list[Fired]:
        hits = self.hits(view)
        ctx = Context(hits, view.facts)
        fired = []
        rules = self.watchlist.rules
        clauses = self._clauses
        for index in self.candidates(hits, view.facts):
            rule = rules[index]
            try:
                result, clause = (clauses[index] or self.clause(index))(ctx)
            except Exception:  # noqa: BLE001 - one broken rule must never silence the others
                self.failures[rule.id] += 1
                continue
            if result is None or (rule.threshold is not None and result[0] < rule.threshold):
                continue
            fired.append(Fired(index, result[0], result[1], clause))
        return fired


def _case_ok(words: list[str], first: int, case: tuple[tuple[str, ...], bool]) -> bool:
    written, prefix = case
    found = words[first : first + len(written)]
    if prefix:
        return found[:-1] == list(written[:-1]) and found[-1].startswith(written[-1])
    return found == list(written)


def _build(watchlist: WatchList, backend: str, cache: CompiledCache | None) -> tuple[Program, dict[str, Scanner]]:
    scanner_type: Callable[..., Scanner] = BACKENDS[backend]
    key = f"{watchlist.digest}-{backend}"
    if cache is not None and watchlist.digest:
        stored = cache.get("engine", key)
        if stored is not None:
            program, dumps = stored
            return program, {s: scanner_type(program.patterns[s], data=dumps.get(s)) if dumps.get(s)
                             else scanner_type(program.patterns[s]) for s in STREAMS}
    program = compile_program(watchlist)
    scanners = {s: scanner_type(program.patterns[s]) for s in STREAMS}
    total = sum(len(p) for p in program.patterns.values())
    if cache is not None and watchlist.digest and total >= CACHE_MIN_PATTERNS:
        cache.put("engine", key, (program, {s: scanners[s].dump() for s in STREAMS}))
    return program, scanners
