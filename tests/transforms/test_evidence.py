import random

from wirewatch.records import Evidence, Span
from wirewatch.transforms.evidence import (MAX_CHARS, MAX_SENTENCES, Sentences, _Ends, _trimmed, evidence,
                                           sentence_bounds)

BODY = ("Seoul said on Monday the North fired a missile. It was an ICBM, officials said! "
        "Markets shrugged.\nA second paragraph names the Hwasong-19 again.")


def span(text: str, word: str, field: str = "body") -> Span:
    start = text.index(word)
    return Span(field, start, start + len(word), word)


def test_the_sentence_around_a_span_with_the_word_marked():
    (ev,) = evidence({"body": BODY}, [span(BODY, "ICBM")])
    assert ev.text == "It was an ICBM, officials said!"
    assert [ev.text[s:e] for s, e in ev.marks] == ["ICBM"]


def test_spans_in_one_sentence_share_it_and_a_line_break_ends_a_sentence():
    got = evidence({"body": BODY}, [span(BODY, "missile"), span(BODY, "fired"), span(BODY, "Hwasong-19")])
    assert [e.text for e in got] == ["Seoul said on Monday the North fired a missile.",
                                     "A second paragraph names the Hwasong-19 again."]
    assert [got[0].text[s:e] for s, e in got[0].marks] == ["fired", "missile"]


def test_at_most_three_sentences_and_bad_spans_skipped():
    text = " ".join(f"Sentence {i} has word{i}." for i in range(6))
    spans = [Span("body", 10_000, 10_004, "gone")] + [span(text, f"word{i}") for i in range(6)]
    got = evidence({"body": text}, spans)
    assert [e.text for e in got] == [f"Sentence {i} has word{i}." for i in range(3)]


def test_a_long_sentence_is_cut_around_its_first_mark():
    text = "x " * 600 + "ICBM " + "y " * 600 + "end."
    (ev,) = evidence({"body": text}, [span(text, "ICBM")])
    assert len(ev.text) <= MAX_CHARS + 2 and ev.text.startswith("…") and ev.text.endswith("…")
    assert [ev.text[s:e] for s, e in ev.marks] == ["ICBM"]


def test_sentence_bounds_at_the_edges():
    assert sentence_bounds("ICBM", 0, 4) == (0, 4)
    assert sentence_bounds("One. Two three", 5, 8) == (5, 14)


def test_sentence_ends_found_once_answer_as_the_scan_does():
    # Every span of generated texts made of stops, closers, white space and letters (a stop before white
    # space at the span's start, a line break after a stop, closers running past a span's edge), and of the
    # test bodies: the bisection over one scan's ends gives sentence_bounds' answer.
    rng = random.Random(17)
    texts = [BODY, "ICBM", "One. Two three", "a.\nb", ".\n\n.", "x.) y", "a.”\n b", "!?", ""]
    texts += ["".join(rng.choice("ab  .!?\"')]”’\n\t") for _ in range(rng.randint(1, 40))) for _ in range(300)]
    for text in texts:
        ends = _Ends(text)
        for start in range(len(text)):
            for end in range(start + 1, len(text) + 1):
                assert ends.bounds(start, end) == sentence_bounds(text, start, end), (text, start, end)


def test_one_story_s_sentences_answer_each_set_of_spans_as_evidence_does():
    fields = {"title": "Missile test. Seoul said so", "body": BODY, "summary": None}
    rng = random.Random(5)
    sentences = Sentences(fields)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 6)):
            field = rng.choice(["title", "body", "summary", "dateline"])
            text = fields.get(field) or ""
            start = rng.randint(-2, len(text) + 2)
            end = start + rng.randint(-1, 12)
            spans.append(Span(field, start, end, text[max(start, 0):max(end, 0)]))
        spans = tuple(spans)
        assert sentences.evidence(spans) == evidence(fields, spans) == _reference(fields, spans)
        assert sentences.evidence(spans) == _reference(fields, spans)  # asked again: the same answer
        again = tuple(Span(s.field, s.start, s.end, s.text) for s in spans)  # equal, not the same objects
        assert sentences.evidence(again) == _reference(fields, again)


def test_an_equal_set_of_spans_asked_next_is_answered_from_the_last():
    """Rules built on one another (korea-missile-launch on missile-launch) find equal spans, not the same
    tuple: the answer is the one already made, and spans that differ in any place are worked out anew."""
    fields = {"body": BODY}
    sentences = Sentences(fields)
    first = (span(BODY, "missile"), span(BODY, "ICBM"))
    found = sentences.evidence(first)
    assert sentences.evidence((span(BODY, "missile"), span(BODY, "ICBM"))) is found
    moved = (span(BODY, "missile"), Span("body", BODY.index("ICBM"), BODY.index("ICBM") + 3, "ICB"))
    assert sentences.evidence(moved) is not found and sentences.evidence(moved) == _reference(fields, moved)
    assert sentences.evidence(moved[:1]) == _reference(fields, moved[:1])


def _reference(fields, spans):
    """evidence as it was written before the sentence ends were found once: sentence_bounds per span."""
    sentences = {}
    for span in spans:
        text = fields.get(span.field) or ""
        if not 0 <= span.start < span.end <= len(text):
            continue
        begin, stop = sentence_bounds(text, span.start, span.end)
        key = (span.field, begin, stop)
        if key not in sentences and len(sentences) == MAX_SENTENCES:
            continue
        sentences.setdefault(key, []).append((span.start - begin, min(span.end, stop) - begin))
    out = []
    for (field, begin, stop), marks in sentences.items():
        text, kept = _trimmed(fields[field][begin:stop], sorted(set(marks)))
        out.append(Evidence(field, text, kept))
    return tuple(out)
