from wirewatch.records import Span
from wirewatch.transforms.evidence import MAX_CHARS, evidence, sentence_bounds

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
