"""The rule language's word keys from several threads at once (Beam runs DoFns in threads): the same keys
as one thread makes, no errors, and caches that hold only right values."""

from __future__ import annotations

import snowballstemmer

from tests.transforms.test_tokens import in_threads, made_up_words
from wirewatch.transforms import tokens
from wirewatch.transforms.rulelang import words


def test_word_keys_in_threads_are_the_single_thread_keys():
    english, french = snowballstemmer.stemmer("english"), snowballstemmer.stemmer("french")
    lists = [made_up_words(800, tag) for tag in "ijklmnop"]

    def keys(ws: list[str]) -> tuple:
        out = []
        for i in range(0, len(ws), 7):  # a story's worth of words at a time, as StoryView asks
            part = ws[i : i + 7]
            folded, stemmed = words.keys(part)
            out.append((folded, stemmed, words.stem_keys(part), words.fold_lengths(part),
                        words.stem_keys_in(part, "fr"), [words.stem_in(w, "fr") for w in part]))
        return tuple(out)

    results = in_threads(keys, lists)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    for ws, got in zip(lists, results, strict=True):
        for k, (folded, stemmed, stem_keys, lengths, fr, fr_each) in enumerate(got):
            part = ws[k * 7 : k * 7 + 7]
            en = [english.stemWord(w.casefold()) for w in part]
            fr_ref = [french.stemWord(w.casefold()) for w in part]
            assert folded == [w.casefold() for w in part] and lengths == [len(w.casefold()) for w in part]
            assert stemmed == stem_keys == en, part
            assert fr == fr_each == fr_ref, part
    every = [w for ws in lists for w in ws]
    assert words.stem_keys(every) == [english.stemWord(w.casefold()) for w in every]
    assert words.stem_keys_in(every, "fr") == [french.stemWord(w.casefold()) for w in every]


def test_a_cache_emptied_by_another_thread_never_fails_a_lookup(monkeypatch):
    """The caches are bounded by emptying them; a thread that just filled them may find them empty."""
    monkeypatch.setattr(tokens, "CACHE_MAX", 50)
    english = snowballstemmer.stemmer("english")
    lists = [made_up_words(1000, tag) for tag in "qrstuvwx"]

    def keys(ws: list[str]) -> list:
        out = []
        for i in range(0, len(ws), 5):
            part = ws[i : i + 5]
            folded, stemmed = words.keys(part)
            out.append((folded, stemmed, words.fold_lengths(part), words.stem_keys_in(part, "de")))
        return out

    results = in_threads(keys, lists)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    for ws, got in zip(lists, results, strict=True):
        for k, (folded, stemmed, lengths, _) in enumerate(got):
            part = ws[k * 5 : k * 5 + 5]
            assert folded == [w.casefold() for w in part] and stemmed == [english.stemWord(w) for w in part]
            assert lengths == [len(w) for w in part]
