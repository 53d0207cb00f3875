"""From a term as written to the key sequences that find it: inflections come from a lemma table
(lemminflect: "withdraw" gives withdrew, withdrawn, withdrawing, ...) and then Snowball stems, so
derived forms that share the stem ("withdrawal") match too."""

from __future__ import annotations

import itertools
from functools import lru_cache

from wirewatch.transforms.rulelang import words
from wirewatch.transforms.rulelang.syntax import FORM, STEM, UNSPACED_LANGUAGES, Term, stem_stream

MAX_PATTERNS = 64  # per term: a phrase whose every word inflects could explode


@lru_cache(maxsize=100_000)
def inflected_stems(word: str) -> tuple[str, ...]:
    """Stems of every inflection of ``word`` (and of its lemmas), the word's own stem first."""
    own = words.stem_key(word)
    folded = words.fold(word)
    if not folded.isalpha() or not folded.isascii():
        return (own,)
    # lemminflect loads its tables on first use and only then sets them on its singletons, and a lookup copies
    # what it returns: threads at most load the tables twice, never see half of them (checked in 0.2.3).
    from lemminflect import (
        getAllInflections,
        getAllLemmas,
    )

    forms = {folded}
    lemmas = {lemma for found in getAllLemmas(folded).values() for lemma in found}
    for lemma in lemmas | {folded}:
        for found in getAllInflections(lemma).values():
            forms.update(f.casefold() for f in found)
    stems = {words.stem_key(f) for f in forms} - {own}
    return (own, *sorted(stems))


def make_term(text: str, *, case: bool = False, language: str = "en") -> Term:
    """``word``/``"a phrase"``: every inflection; ``=word``: this form only; ``word*``: prefix of the last
    word; ``case``: the written capitalisation only (``ICBM`` but not "icbm"). Raises ValueError.

    In a ``language`` other than English, a word's inflections are what its Snowball stem covers there
    (no lemma table): ``retrait``/``retraits``, ``troupe``/``troupes``."""
    body = text.strip()
    exact = body.startswith("=")
    body = body.lstrip("=").strip()
    if body.startswith('"') and body.endswith('"') and len(body) >= 2:
        body = body[1:-1]
    elif body.startswith('"') and body.endswith('"*'):
        body = body[1:-2] + "*"
    prefix = body.endswith("*")
    body = body.rstrip("*")
    written = words.split(body)
    if not written:
        raise ValueError(f"{text!r} has no word in it")
    if prefix and body and not body[-1].isalnum():
        raise ValueError(f"{text!r}: '*' must follow a letter or digit")
    if case or exact or prefix:
        keys = tuple(words.fold(w) for w in written)
        return Term(text, FORM, (keys,), prefix, tuple(written) if case else None)
    if language in UNSPACED_LANGUAGES:  # no stemmer: the characters as written
        return Term(text, FORM, (tuple(words.fold(w) for w in written),))
    if language != "en":
        return Term(text, stem_stream(language), (tuple(words.stem_in(w, language) for w in written),))
    choices = [inflected_stems(w) for w in written]
    patterns = tuple(itertools.islice(itertools.product(*choices), MAX_PATTERNS))
    return Term(text, STEM, patterns)
