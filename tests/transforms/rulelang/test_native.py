"""The compiled core (native/, Rust) against the Python engine, which is the reference: the same rules fire
with the same scores (bit for bit), clauses and evidence spans, on the default list's paraphrases, on
generated rule files using every part of the language, and on corpus stories."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import skip_unless_required
from tests.transforms.rulelang.test_paraphrases import NEGATIVE, POSITIVE
from wirewatch.transforms.match import Caps, Matcher
from wirewatch.records import CountryTag, EnrichedStory, Story
from wirewatch.transforms.rulelang import native
from wirewatch.transforms.rulelang.engine import Engine
from wirewatch.transforms.rules import default_watchlist, load_watchlist, merge_watchlists

if not native.available():
    skip_unless_required("the compiled core (wirewatch_native) is not built (needs cargo; scripts/bootstrap)",
                         required_by="WIREWATCH_REQUIRE_NATIVE", module=True)


def pair(watchlist, caps: Caps | None = None) -> tuple[Matcher, Matcher]:
    python, compiled = (Matcher(watchlist, cache=None, **({"caps": caps} if caps else {})) for _ in range(2))
    python.engine = Engine(watchlist, cache=None, compiled=False)
    compiled.engine = Engine(watchlist, cache=None, compiled=True)
    return python, compiled


def test_the_default_list_matches_the_same(enrich, seed_text):
    python, compiled = pair(default_watchlist())
    texts = [t for table in (POSITIVE, NEGATIVE) for ts in table.values() for t in ts]
    texts += [seed_text, "Zürich — the ICBM flew; ÄÖÜ withdrew troops. Straße ﬀ ǅ.", ""]
    fired = 0
    for text in texts:
        story = enrich(text, title=text[:50])
        expected = python.match(story)
        assert compiled.match(story) == expected, text
        fired += len(expected)
    assert fired > 60  # the paraphrases do fire: the comparison is not between two empty results


def test_evidence_offsets_around_possessives_and_folding():
    rules = ["s", "korea", "band", '"s band"', "ICBM", "missile", "Istan*", "straße", "O'Brien"]
    python, compiled = pair(load_watchlist("rules:\n" + "".join(
        f"  - id: r{i}\n    query: {json.dumps(q)}\n" for i, q in enumerate(rules))))
    texts = ["Korea's s-band", "Korea’s S-band and O'Brien's s", "İstanbul: the ﬀ ICBM, Straße's missile's s"]
    for text in texts:
        story = Story(id="s", title=text, dateline="Seoul's s", body=f"{text}\n\n{text}")
        found = compiled.match(story)
        assert found == python.match(story), text
        assert len(found) >= 3
        for match in found:
            for span in match.spans:
                assert span.text and getattr(story, span.field)[span.start : span.end] == span.text


def test_the_compiled_core_makes_the_records_itself_within_the_caps():
    """Core.matches builds RuleMatch and Span records without their __init__: they must equal the ones
    the Python path makes (field by field, types too), and a story over a cap goes the Python way."""
    from wirewatch.records import RuleMatch, Span
    from wirewatch.transforms.rulelang.view import StoryView

    assert native.record_kinds() == (Span, RuleMatch)
    watchlist = load_watchlist("rules:\n" + "".join(
        f"  - id: r{i}\n    query: {json.dumps(q)}\n" for i, q in enumerate(["missile", "missile OR troops", "troops"])))
    story = Story(id="s", title="Missiles: Korea's troops", body="The missile flew. Troops withdrew; a missile fell.")
    python, compiled = pair(watchlist)
    made = compiled.engine.records(StoryView(story), _caps(compiled.caps))
    expected = python.match(story)
    assert isinstance(made, tuple) and made == expected and len(made) == 3
    quiet = Story(id="q", body="Nothing to see.")  # no match is an answer too, not a reason to ask again
    assert compiled.engine.records(StoryView(quiet), _caps(compiled.caps)) == () == python.match(quiet)
    for ours, theirs in zip(made, expected, strict=True):
        assert type(ours) is RuleMatch and type(ours.score) is float and type(ours.spans) is tuple
        assert [(type(s), type(s.start), type(s.text)) for s in ours.spans] == [(Span, int, str)] * len(theirs.spans)
        assert hash(ours) == hash(theirs) and repr(ours) == repr(theirs)
    for caps in (Caps(matches=2, spans=10), Caps(spans_per_match=2), Caps(matches=3, spans=4)):
        python, compiled = pair(watchlist, caps)
        assert compiled.engine.records(StoryView(story), _caps(compiled.caps)) is True  # over a cap
        assert compiled.match(story) == python.match(story) != expected


def _caps(caps: Caps) -> tuple[int, int, int]:
    return caps.matches, caps.spans_per_match, caps.spans


def test_compiled_core_is_used_by_default_and_can_be_turned_off(monkeypatch):
    assert Engine(default_watchlist(), cache=None).native is not None
    monkeypatch.setenv("WIREWATCH_NATIVE", "0")
    assert Engine(default_watchlist(), cache=None).native is None


def test_fire_keeps_the_occurrence_api():
    python, compiled = pair(load_watchlist('rules:\n  - id: r\n    query: \'troops NEAR/2 withdraw\'\n'))
    from wirewatch.transforms.rulelang.view import StoryView

    story = Story(id="s", body="Troops will withdraw; troops withdrew.")
    ours = compiled.engine.fire(StoryView(story))
    theirs = python.engine.fire(StoryView(story))
    assert [(i, s, sorted(set(o)), c) for i, s, o, c in ours] == [(i, s, sorted(set(o)), c) for i, s, o, c in theirs]
    assert ours and ours[0][2]


def test_rule_ids_and_clauses_come_back_as_written():
    """The core keeps each rule's id and clause texts as UTF-8 bytes beside the rule and makes the strings
    of a match from them: clauses in other scripts, clauses joined from several parts, and the rule index
    ``fire`` gives, for rules far apart in the list."""
    queries = ["Zürich OR straße", '"missile launch" OR 미사일', "(Zürich AND missile) OR (straße NEAR/3 launch)",
               "missile^2 OR Zürich^1"]
    rules = [(f"rule-{i}", q) for i, q in enumerate(queries)] + [(f"filler-{i}", f'"never{i} seen"')
                                                                       for i in range(300)] + [("last", "launch")]
    python, compiled = pair(load_watchlist("rules:\n" + "".join(
        f"  - id: {json.dumps(rid)}\n    query: {json.dumps(q)}\n" for rid, q in rules)))
    story = Story(id="s", title="Zürich: missile launch", body="In Zürich the straße saw a missile launch. 미사일")
    found = compiled.match(story)
    assert found == python.match(story)
    assert [m.rule for m in found] == ["rule-0", "rule-1", "rule-2", "rule-3", "last"]
    assert found[0].clause == "Zürich OR straße" and found[1].clause == '"missile launch" OR 미사일'
    from wirewatch.transforms.rulelang.view import StoryView

    assert [(i, c) for i, _, _, c in compiled.engine.fire(StoryView(story))] == [
        (i, c) for i, _, _, c in python.engine.fire(StoryView(story))]
    assert [i for i, *_ in compiled.engine.fire(StoryView(story))][-1] == len(rules) - 1


def test_threads_sharing_one_core_get_the_same_answers(enrich):
    _, compiled = pair(default_watchlist())
    stories = [enrich(t) for table in (POSITIVE,) for ts in table.values() for t in ts]
    expected = [compiled.match(s) for s in stories]
    results: list[list] = [[] for _ in range(4)]

    def work(k: int) -> None:
        for _ in range(20):
            results[k].append([compiled.match(s) for s in stories])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for run in results for r in run)


def test_a_malformed_plan_is_an_error_not_a_crash():
    with pytest.raises((ValueError, TypeError)):
        native.wirewatch_native.Core((1, [], [], [(5, [0])], [], [], []))  # anchor on a term that is not there
    with pytest.raises(ValueError):
        native.wirewatch_native.Core((1, [([" a "], [[3]]), ([], [])], [], [], [], [], []))  # owner out of range


# Generated watch lists over a small vocabulary, so that terms, phrases and proximity do meet in the texts.
WORDS = ["troops", "troop", "withdraw", "withdrew", "missile", "missiles", "launch", "launched", "Korea",
         "Seoul", "arms", "transfer", "ICBM", "icbm", "Hwasong", "forces", "the", "of", "Zürich", "straße"]
FACT_PREDICATES = ["country:KP", "country:RU", 'region:"Eastern Asia"', 'region:"Eastern Europe"',
                   "source:wire", "credit:AP", "publisher:VOA", "lang:en", "lang:en-GB"]

word = st.sampled_from(WORDS)
term = st.one_of(
    word,
    word.map(lambda w: "=" + w),
    st.tuples(word, word).map(lambda p: f'"{p[0]} {p[1]}"'),
    st.sampled_from(["Hwa*", "mis*", "tro*", "Kor*", '"the mis*"', "stra*"]),
    st.sampled_from(["case:ICBM", "case:Korea", "case:icbm", 'case:"the ICBM"']),
    st.sampled_from(["@weapons", "@army"]),
)
weight = st.sampled_from(["", "", "^2", "^0.5", "^-1"])
leaf = st.one_of(
    st.tuples(term, weight).map("".join),
    st.tuples(st.sampled_from(["title:", "body:", "dateline:"]), term, weight).map("".join),
    st.tuples(st.sampled_from(FACT_PREDICATES), weight).map("".join),
)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(["NEAR", "ONEAR"]), st.integers(0, 4), inner).map(
            lambda t: f"({t[0]} {t[1]}/{t[2]} {t[3]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} AND NOT {t[1]})"),
        st.tuples(inner, weight).map(lambda t: f"({t[0]}){t[1]}"),
    )


query = st.recursive(leaf, _combine, max_leaves=6)
rule = st.tuples(query, st.lists(query, max_size=3), st.sampled_from([None, 0.5, 1, 2, 3]))
# Also what tests the evidence offsets: possessives (dropped from the word) next to a word "s", curly
# apostrophes, letters that fold to two (ß, ﬀ) and that change length when lower-cased (İ).
PIECES = [",", ".", "Korea's", "—", "DF-41", "\n", "Korea's s-band", "Korea’s S.", "s", "'s", "O'Brien's",
          "the ﬀ missile", "İstanbul ICBM", "troops'", "rock'n'roll"]
text = st.lists(st.one_of(word, st.sampled_from(PIECES)), max_size=30).map(" ".join)


def watchlist_text(rules: list[tuple[str, list[str], float | None]], language: str = "en") -> str:
    lines = [f"language: {language}", "aliases:", '  weapons: "missile | ICBM | Hwasong* | \\"arms transfer\\""',
             "  army: [troops, =forces]", "rules:"]
    for i, (first, more, threshold) in enumerate(rules):
        q = " OR ".join([first, *more])  # a root OR: exercises the per-alternative clause naming
        lines += [f"  - id: r{i}", f"    query: {json.dumps(q if i % 2 else first)}"]
        if threshold is not None:
            lines.append(f"    threshold: {threshold}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.lists(rule, min_size=1, max_size=8),
    languages=st.lists(st.sampled_from(["en", "fr", "de"]), min_size=1, max_size=2),
    stories=st.lists(st.tuples(text, text, text, st.sets(st.sampled_from(["KP", "RU", "US"])),
                               st.sets(st.sampled_from(["Eastern Asia", "Eastern Europe"])),
                               st.sampled_from([None, "en", "en-GB", "fr"])), min_size=1, max_size=4),
)
def test_generated_lists_match_the_same(rules, languages, stories):
    """One list, or one per language merged (the French and German stems are extra streams)."""
    lists = [load_watchlist(watchlist_text(rules, language), f"{k}.yaml", strict=False)
             for k, language in enumerate(dict.fromkeys(languages))]
    watchlist = merge_watchlists([_renamed(w, k) for k, w in enumerate(lists)])
    if not watchlist.rules:
        return
    python, compiled = pair(watchlist)
    for i, (title, dateline, body, countries, regions, language) in enumerate(stories):
        story = Story(id=str(i), title=title or None, dateline=dateline or None, body=body, source="wire feed",
                      credit="AP", publisher="VOA News", language=language)
        enriched = EnrichedStory(story, tuple(CountryTag(c, 1.0) for c in sorted(countries)), tuple(sorted(regions)))
        assert compiled.match(enriched) == python.match(enriched)


def _renamed(watchlist, k: int):
    """The same rules with ids unique across the merged files."""
    import dataclasses

    rules = tuple(dataclasses.replace(r, id=f"{r.id}-l{k}") for r in watchlist.rules)
    return dataclasses.replace(watchlist, rules=rules)


def test_a_generated_list_on_corpus_stories_matches_the_same(shared_corpora: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    import rules_speed

    from wirewatch.connectors.files.read import parse_jsonl
    from wirewatch.transforms.gazetteer import default_gazetteer
    from wirewatch.transforms.geotag import classify

    corpus = shared_corpora / "geo" / "reuters21578-train.jsonl"
    stories = [s for s in parse_jsonl(corpus.read_bytes(), str(corpus)) if isinstance(s, Story)][:1500]
    gazetteer = default_gazetteer()
    enriched = [EnrichedStory(s, *classify(s, gazetteer)) for s in stories]
    watchlist = load_watchlist(rules_speed.generate(2000, rules_speed.vocabulary(stories)))
    python, compiled = pair(watchlist)
    fired = 0
    for story in enriched:
        expected = python.match(story)
        assert compiled.match(story) == expected, story.id
        fired += len(expected)
    assert fired > 500


def test_words_that_differ_in_one_letter_or_in_length_are_told_apart_by_the_cores_word_table():
    """The core's table of words as written keeps a short word inline, as its bytes and its length in one
    number (a look-up then follows no pointer): a word one letter or one letter's length away from a word
    the table holds must find its own keys, never the other's (the rules would fire on words they do not
    name). Words of every length up to past the inline limit, each letter changed in turn."""
    from wirewatch.transforms.rulelang.view import StoryView

    alphabet = "abcdefghijklmnopqrstuvwxyz"
    words = [alphabet[n % 26:] + alphabet[: n % 26] for n in range(1, 21)]
    words = [(w * 2)[:n] for n, w in zip(range(1, 21), words, strict=True)]  # lengths 1 to 20
    watchlist = load_watchlist("rules:\n" + "".join(f"  - id: r{len(w)}\n    query: '={w}'\n" for w in words))
    python, compiled = pair(watchlist)
    for w in words:
        near = {w[:-1], w + "q", "q" + w}
        near |= {w[:k] + ("z" if w[k] != "z" else "y") + w[k + 1 :] for k in range(len(w))}
        near.discard("")
        stories = [Story(id=f"{w}-0", title=w, body=f"The {w} here.")]  # the table learns the word first
        stories += [Story(id=f"{w}-{k}", title=other, body=f"The {other} there.") for k, other in enumerate(near, 1)]
        for story in stories:
            made = compiled.engine.records(StoryView(story), _caps(compiled.caps))
            assert isinstance(made, tuple) and made == python.match(story), story.id
            fired = {m.rule for m in made}
            assert fired == ({f"r{len(w)}"} if story.id.endswith("-0") else fired - {f"r{len(w)}"}), story.id
    assert not compiled.engine.failures


def _library_core():
    from wirewatch.transforms.rulelang import words

    if words.stemmer_library() is None:
        pytest.skip("PyStemmer is not installed: the core asks Python for stems")
    core = Engine(default_watchlist(), cache=None, compiled=True).native
    if not hasattr(core, "library_stems"):
        pytest.skip("a core older than Core.stem_with")
    assert core.library_stems(["x"]) is not None  # the engine set it up
    return core


_ODD_WORDS = ["Running", "generously", "pasts", "Universities", "İstanbul", "Straße", "naïve", "cafés", "ﬀ", "ǅemal",
              "y", "Yy", "sky", "skies", "news", "dying", "proceeding", "inning", "'s", "o'neill", "x1y2", "1990s", "_",
              "ΣΊΣΥΦΟΣ", "Ärzte", "ÉCOLE", "ŉ", "ﬃ", "Σ", "ſ", "\u0130", "K", "Å"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("aeiouyYbcdgklmnprstlyzéüßİ'’0_"), min_size=1, max_size=14),
                max_size=30))
def test_the_cores_stems_from_the_library_are_pythons(ws):
    """The word table stems new words with the Snowball library Python's stems come from (PyStemmer's,
    Core.stem_with), not by asking Python: each word's stem is words.stem_in's (its case-folded form's)."""
    from wirewatch.transforms.rulelang import words

    core = _library_core()
    ws = ws + _ODD_WORDS
    assert core.library_stems(ws) == [words.stem_in(w, "en") for w in ws]


def test_the_cores_stems_from_the_library_on_corpus_words(shared_corpora: Path):
    from wirewatch.connectors.files.read import parse_jsonl
    from wirewatch.transforms.rulelang import words

    core = _library_core()
    found: set[str] = set()
    for name in ("geo/reuters21578-train.jsonl",):
        corpus = shared_corpora / name
        for story in parse_jsonl(corpus.read_bytes(), str(corpus)):
            if isinstance(story, Story):
                for text in (story.title, story.dateline, story.body):
                    found.update(words.split(text or ""))
    ws = sorted(found)
    assert len(ws) > 20_000
    assert core.library_stems(ws) == [words.stem_in(w, "en") for w in ws]


def test_a_core_without_the_library_asks_python_for_stems():
    from wirewatch.transforms.rulelang.program import compile_program

    _library_core()
    watchlist = load_watchlist("rules:\n  - id: w\n    query: 'troops NEAR/3 withdraw'\n")
    python, compiled = pair(watchlist)
    asking = Matcher(watchlist, cache=None)
    asking.engine = Engine(watchlist, cache=None, compiled=True)
    asking.engine.native = native.core(native.plan(compile_program(watchlist), watchlist))  # not set up
    assert not asking.engine.native.stem_with("/nonexistent/Stemmer.so")
    assert asking.engine.native.library_stems(["x"]) is None
    story = Story(id="s", title="Troops withdrawing", body="The troops are withdrawing; troop withdrawals went on.")
    assert asking.match(story) == compiled.match(story) == python.match(story) != ()


def test_a_story_that_fills_the_cores_word_table_is_matched_by_the_core():
    """The core's table of words as written is emptied when a story's new words would grow it past its
    bound (STEMS_MAX, 500,000): the words of that story it had found before are then looked up again (their
    places went with the table). A story whose slots stayed stale would index past the new table: a panic,
    counted as a failure, the Python engine answering."""
    from itertools import islice, product

    from wirewatch.transforms.rulelang.view import StoryView

    filler = ("".join(letters) for letters in product("bcdfghjklmnpqrstvwxz", repeat=5))
    first, second = list(islice(filler, 300_000)), list(islice(filler, 250_000))
    watchlist = load_watchlist("rules:\n  - id: m\n    query: missile\n  - id: t\n    query: 'troops NEAR/2 withdrew'\n")
    python, compiled = pair(watchlist)
    stories = [Story(id="a", title="Missile test", body="The missile flew. " + " ".join(first)),
               Story(id="b", body="Troops withdrew; a missile fell. " + " ".join(first[:1000] + second))]
    for story in stories:
        made = compiled.engine.records(StoryView(story), _caps(compiled.caps))
        assert isinstance(made, tuple) and made == python.match(story) and made, story.id
    assert not compiled.engine.failures
