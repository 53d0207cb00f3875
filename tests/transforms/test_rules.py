import pytest

from wirewatch.transforms.match import Matcher
from wirewatch.transforms.normalize import normalize
from wirewatch.records import Story
from wirewatch.transforms.rules import RuleError, default_watchlist, load_watchlist

GOOD = """
aliases:
  troops: [troop, soldier, "=forces"]
rules:
  - id: near-rule
    query: withdraw NEAR/3 @troops
  - id: ordered
    query: nuclear ONEAR/2 test
  - id: boolean
    query: (coup OR putsch) AND NOT golf
  - id: prefix
    severity: high
    query: Hwasong*
"""


def fired(watchlist, text, title=None):
    return {m.rule for m in Matcher(watchlist).match(Story(id="x", body=text, title=title))}


@pytest.fixture(scope="module")
def small():
    return load_watchlist(GOOD, "small.yaml")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("They will withdraw their troops.", {"near-rule"}),
        ("The withdrawal of all soldiers began.", {"near-rule"}),
        ("Troops began to withdraw.", {"near-rule"}),  # NEAR is unordered
        ("They withdraw money, then after many long hours the troops rest.", set()),
        ("A nuclear weapons test was held.", {"ordered"}),
        ("The test of nuclear power.", set()),  # ONEAR keeps order
        ("A coup was attempted.", {"boolean"}),
        ("A golf coup.", set()),
        ("The Hwasong-19 flew.", {"prefix"}),
    ],
)
def test_operators(small, text, expected):
    assert fired(small, text) == expected


def test_spans_are_slices_of_their_field(small):
    story = Story(id="x", body="Troops began to withdraw.", title="Soldiers withdraw")
    for match in Matcher(small).match(story):
        for span in match.spans:
            assert getattr(story, span.field)[span.start : span.end] == span.text
        assert {s.field for s in match.spans} == {"title", "body"}


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("rules:\n  - id: Bad_Id\n    query: x\n", (2, 9), "kebab-case"),
        ("rules:\n  - id: a\n    query: '@nope'\n", (3, 13), "unknown alias '@nope'"),
        ("rules:\n  - id: a\n    query: x AND (y\n", (3, 20), "expected ')'"),
        ("rules:\n  - id: a\n    query: x NEAR/2\n", (3, 20), "query ended"),
        ("rules:\n  - id: a\n    query: x\n  - id: a\n    query: y\n", (4, 9), "duplicate rule id"),
        ("rules:\n  - id: a\n    query: x\n    weight: 3\n", (4, 5), "unknown rule key 'weight'"),
        ("rules: [\n", (2, 1), "not valid YAML"),
        ("", (1, 1), "empty"),
        ("rules:\n  - id: a\n    severity: urgent\n    query: x\n", (3, 15), "severity must be"),
    ],
)
def test_errors_name_file_line_and_column(text, where, message):
    with pytest.raises(RuleError) as err:
        load_watchlist(text, "w.yaml")
    assert (err.value.line, err.value.column) == where, str(err.value)
    assert message in err.value.message
    assert str(err.value).startswith(f"w.yaml:{where[0]}:{where[1]}: ")


def test_default_watchlist_ids_and_seed_concepts(seed_text):
    watchlist = default_watchlist()
    ids = [r.id for r in watchlist.rules]
    assert len(ids) >= 10 and len(set(ids)) == len(ids)
    story = normalize(Story(id="seed", body=seed_text))
    assert {"icbm", "troop-withdrawal", "arms-transfer"} <= {m.rule for m in Matcher(watchlist).match(story)}


@pytest.mark.parametrize(
    "rule, text",
    [
        ("icbm", "Pyongyang tested an intercontinental ballistic missile on Thursday."),
        ("icbm", "The ICBM flew for 86 minutes."),
        ("icbm", "Russia deployed the Sarmat."),
        ("troop-withdrawal", "Washington will pull out 2,000 soldiers from Syria."),
        ("troop-withdrawal", "The withdrawal of Russian forces from Kherson was confirmed."),
        ("troop-withdrawal", "France withdrew its troops from Mali."),
        ("arms-transfer", "Iran has been shipping drones to Russia."),
        ("arms-transfer", "The sale of weapons to Taiwan was approved."),
        ("arms-transfer", "Pyongyang supplied artillery shells to Moscow."),
    ],
)
def test_default_concepts_on_paraphrases(rule, text):
    assert rule in fired(default_watchlist(), text)


@pytest.mark.parametrize(
    "rule, text",
    [
        ("troop-withdrawal", "Customers may withdraw money from ATMs."),
        ("troop-withdrawal", "The troops remain in the region."),
        ("arms-transfer", "The water transfer scheme was approved."),
        ("icbm", "The missile defence budget grew."),
    ],
)
def test_default_concepts_ignore_lookalikes(rule, text):
    assert rule not in fired(default_watchlist(), text)
