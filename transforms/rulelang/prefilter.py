"""Multi-literal scanners over a story's key line: Hyperscan (literal mode, compiled once, serialisable)
with pyahocorasick as the fallback where Hyperscan is not installed. Both report (pattern id, end) with
``end`` a character offset just past the match."""

from __future__ import annotations

from typing import Protocol

try:  # Hyperscan needs a CPU with SSSE3 and a binary wheel; the fallback works everywhere
    import hyperscan
except ImportError:  # pragma: no cover - exercised where hyperscan is absent
    hyperscan = None  # type: ignore[assignment]

import ahocorasick


class Scanner(Protocol):
    kind: str

    def scan(self, line: str) -> list[tuple[int, int]]: ...

    def dump(self) -> bytes | None: ...


class HyperscanScanner:
    kind = "hyperscan"

    def __init__(self, patterns: tuple[str, ...] = (), data: bytes | None = None) -> None:
        self.size = len(patterns) if data is None else -1
        self.db = None
        if data is not None:
            self.db = hyperscan.loadb(data, hyperscan.HS_MODE_BLOCK)
        elif patterns:
            self.db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            encoded = [p.encode("utf-8") for p in patterns]
            self.db.compile(expressions=encoded, ids=list(range(len(encoded))), elements=len(encoded),
                            flags=0, literal=True)
        if self.db is not None:
            self.db.scratch = hyperscan.Scratch(self.db)

    def scan(self, line: str) -> list[tuple[int, int]]:
        if self.db is None:
            return []
        hits: list[tuple[int, int]] = []
        add = hits.append
        data = line.encode("utf-8")
        self.db.scan(data, match_event_handler=lambda pid, start, end, flags, ctx: add((pid, end)))
        if len(data) != len(line) and hits:  # byte offsets to character offsets
            hits = [(pid, len(data[:end].decode("utf-8", "ignore"))) for pid, end in hits]
        return hits

    def dump(self) -> bytes | None:
        return hyperscan.dumpb(self.db) if self.db is not None else None


class AhoCorasickScanner:
    kind = "ahocorasick"

    def __init__(self, patterns: tuple[str, ...] = (), data: bytes | None = None) -> None:
        self.automaton = ahocorasick.Automaton()
        for pid, pattern in enumerate(patterns):
            self.automaton.add_word(pattern, pid)
        self.empty = not patterns
        if patterns:
            self.automaton.make_automaton()

    def scan(self, line: str) -> list[tuple[int, int]]:
        if self.empty:
            return []
        return [(pid, end + 1) for end, pid in self.automaton.iter(line)]

    def dump(self) -> bytes | None:
        return None  # rebuilding is as fast as loading


BACKENDS: dict[str, type[HyperscanScanner | AhoCorasickScanner]] = {
    "hyperscan": HyperscanScanner, "ahocorasick": AhoCorasickScanner,
}


def default_backend() -> str:
    return "hyperscan" if hyperscan is not None else "ahocorasick"
