from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wirewatch.transforms import furniture


def _holds_a_hint_plainly(text):
    """furniture_spans' look for hints as first defined: a scan for each hint."""
    low = text.lower()
    return any(hint in low for hint in furniture._HINTS) or any(a in text for a in furniture._AGENCY_HINTS)


# Every hint, cut short, in other cases, next to the characters lower() changes the length of (İ) or leaves
# alone where IGNORECASE would not (ſ, K), slashes and " by" alone.
_PIECES = st.sampled_from([
    *furniture._HINTS, *furniture._AGENCY_HINTS, *(h.upper() for h in furniture._HINTS),
    *(h[:-1] for h in furniture._HINTS), *(a[1:] for a in furniture._AGENCY_HINTS), *(a.lower() for a in furniture._AGENCY_HINTS),
    " by", "by", " BY", "/", "//", " ", "\n", "İ", "ſ", "\u212a", "EPA-", "Reporting", "the ministry said", "x",
])


@settings(max_examples=2000)
@given(st.one_of(st.lists(_PIECES, max_size=10).map("".join), st.text(max_size=80)))
@example("Reporting by John Irish")
@example("said by REUTERS/Jane Doe")
@example("EPA-EFE/ photo")
@example("İreporting by")
def test_the_look_for_hints_finds_what_a_scan_for_each_finds(text):
    assert furniture._holds_a_hint(text) == _holds_a_hint_plainly(text)


def test_the_look_for_hints_on_the_test_stories():
    root = Path(__file__).resolve().parents[1] / "data"
    texts = [path.read_text("utf-8", errors="replace") for path in root.rglob("*")
             if path.is_file() and path.stat().st_size < 2_000_000]
    paragraphs = [p for text in texts for p in text.splitlines()]
    assert len(paragraphs) > 1000 and any(map(_holds_a_hint_plainly, paragraphs))
    assert [furniture._holds_a_hint(p) for p in paragraphs] == list(map(_holds_a_hint_plainly, paragraphs))
