import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirewatch.transforms.dedupe import (
    BANDS, BUCKET_SCAN, MAX_CANDIDATES, MIN_CONTAINMENT, PERMUTATIONS, ROWS, ClusterIndex, PyBands, Fingerprint, _band_slices, _judged,
    _judged_all, _most_shared, _similarities, cluster_in_order, containment, fingerprint, identity, near_duplicate,
    similarity,
)
from wirewatch.transforms.normalize import normalize
from wirewatch.records import Cluster, Story

BASE = (
    "The central bank raised its key interest rate by a quarter point on Wednesday, citing stubborn inflation "
    "in services and a tight labour market, and signalled that further increases were possible if wage growth "
    "did not slow in the coming months, according to a statement released after the two-day meeting."
)


def test_same_words_other_markup_is_an_exact_duplicate():
    a = fingerprint(Story(id="a", body=BASE))
    b = fingerprint(Story(id="b", body="<p>" + BASE.replace(" ", "  ") + "</p>"))
    b = fingerprint(normalize(Story(id="b", body="<p>" + BASE.replace(" ", "  ") + "</p>")))
    assert a.exact == b.exact


def test_a_light_edit_is_a_near_duplicate_and_other_news_is_not():
    edited = BASE.replace("on Wednesday", "on Wednesday morning")
    other = "Heavy rain flooded parts of the capital overnight, cutting power to thousands of homes and closing schools."
    a, b, c = (fingerprint(Story(id=i, body=t)) for i, t in (("a", BASE), ("b", edited), ("c", other)))
    assert similarity(a.minhash, b.minhash) >= 0.75 > 0.05 > similarity(a.minhash, c.minhash)
    index = ClusterIndex()
    assert index.assign("a", a).duplicate_of is None
    assert index.assign("b", b).duplicate_of == "a"
    assert index.assign("c", c).duplicate_of is None


def test_same_template_other_figures_is_other_news():
    week1 = (
        "U.S. grain carloadings totaled 25,744 cars in the week ended March 28, down 4.3 pct from the previous "
        "week but 41.6 pct above the corresponding week a year ago, the Association of American Railroads said."
    )
    week2 = (
        "U.S. grain carloadings totaled 26,108 cars in the week ended February 21, down 2.2 pct from the previous "
        "week but 22.8 pct above the corresponding week a year ago, the Association of American Railroads said."
    )
    a, b = fingerprint(Story(id="a", body=week1)), fingerprint(Story(id="b", body=week2))
    assert similarity(a.minhash, b.minhash) >= 0.3  # the words mostly agree...
    index = ClusterIndex()
    index.assign("a", a)
    assert index.assign("b", b).duplicate_of is None  # ...the figures do not


def test_short_notices_are_told_apart_by_headline():
    body = "Qtly div 15 cts vs 12-1/2 cts prior Pay April 15 Record March 31"
    a = fingerprint(Story(id="a", body=body, title="WESTERN FEDERAL SAVINGS BANK UPS PAYOUT"))
    b = fingerprint(Story(id="b", body=body, title="CO-OPERATIVE BANCORP RAISES QUARTERLY"))
    assert a.exact != b.exact


def test_capacity_bounds_memory():
    index = ClusterIndex(capacity=10)
    for i in range(100):
        index.assign(f"s{i}", fingerprint(Story(id=f"s{i}", body=f"story number {i} about topic {i * 7}")))
    assert len(index) == 10


def _notice(i: int) -> Story:
    return Story(id=f"s{i}", body=f"Agency report {i}: the harbour authority of port {i} reopened berth {i * 3} "
                                  f"after repairs that took {i + 2} weeks, officials told reporters on Tuesday.")


def test_eviction_forgets_the_oldest_clusters_first_and_all_their_traces():
    index = ClusterIndex(capacity=10)
    for i in range(30):
        index.assign(f"s{i}", fingerprint(_notice(i)))
    copy = lambda i: fingerprint(Story(id=f"copy{i}", body=_notice(i).body))  # noqa: E731
    assert index.assign("copy29", copy(29)).duplicate_of == "s29"  # the newest are remembered
    assert index.assign("copy20", copy(20)).duplicate_of == "s20"
    assert index.assign("copy0", copy(0)).duplicate_of is None  # the oldest are forgotten, exact hash too
    heads = set(index._heads)
    assert len(index._exact) <= 10 and set(index._exact.values()) <= heads
    assert set(index._bands.members()) <= heads


def test_a_head_sent_again_with_other_words_leaves_its_old_buckets():
    # the old words' buckets kept the head after its eviction, and a story like them then named a head the
    # index no longer knew: a KeyError on every try, a keyed step that could never pass that story
    other = ("Wheat futures fell sharply in Chicago as traders weighed forecasts of rain across the plains, with "
             "analysts expecting larger harvests than last season in most of the growing regions this summer.")
    index = ClusterIndex(capacity=2)
    index.assign("s1", fingerprint(_notice(1)))
    index.assign("s1", fingerprint(Story(id="s1", body=other)))
    assert set(index._bands.members()) == {"s1"}
    index.assign("s2", fingerprint(_notice(2)))
    index.assign("s3", fingerprint(_notice(3)))  # s1 evicted
    assert set(index._bands.members()) == {"s2", "s3"}
    assert index.assign("s4", fingerprint(Story(id="s4", body=_notice(1).body))).duplicate_of is None


def test_the_seed_and_its_reuters_copy_cluster(seed_text):
    from tests.conftest import DATA

    copy = (DATA / "seed-reuters-copy.txt").read_text()
    a, b = normalize(Story(id="voa", body=seed_text)), normalize(Story(id="reuters", body=copy))
    clusters = cluster_in_order([(a, fingerprint(a)), (b, fingerprint(b))])
    assert clusters["voa"].id == clusters["reuters"].id


@settings(max_examples=30)
@given(st.randoms())
def test_clusters_do_not_depend_on_input_order(rnd: random.Random):
    texts = [BASE, BASE.replace("quarter", "half"), "Unrelated text about a football match in the rain today."]
    stories = [Story(id=f"s{i}", body=texts[i % 3]) for i in range(9)]
    items = [(s, fingerprint(s)) for s in stories]
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert cluster_in_order(items) == cluster_in_order(shuffled)


def test_a_flood_of_one_template_still_finds_the_real_copy():
    template = ("{c} Corp said first quarter net profit was {a} mln dlrs against {b} mln a year ago, on sales of "
                "{d} mln dlrs, and it expects the second quarter to be in line with analysts' forecasts, {c} said.")
    index = ClusterIndex()
    for i in range(300):  # 300 notices from one template: they share bands, but not their figures
        text = template.format(c=f"Company{i}", a=i, b=i + 1000, d=i + 5000)
        assert index.assign(f"n{i}", fingerprint(Story(id=f"n{i}", body=text))).duplicate_of is None
    copy = template.format(c="Company5", a=5, b=1005, d=5005).replace("in line with", "close to")
    assert index.assign("copy", fingerprint(Story(id="copy", body=copy))).duplicate_of == "n5"


WIRE = [
    "SEOUL, March 3 (Reuters) - North Korea fired two short-range ballistic missiles into the sea off its east "
    "coast on Tuesday, South Korea's military said, the latest in a string of launches that have raised "
    "tension on the peninsula. The missiles flew about 350 km before splashing down, it said.",
    "The launches came hours after the United States and South Korea began their annual spring exercises, "
    "which Pyongyang has long denounced as rehearsals for an invasion of the North.",
    "Japan's defence ministry said the missiles appeared to have landed outside its exclusive economic zone "
    "and that there were no reports of damage to ships or aircraft in the area.",
    "South Korea's Joint Chiefs of Staff said the military had stepped up its surveillance and was "
    "maintaining full readiness in close cooperation with the United States.",
    "North Korea has conducted 14 rounds of launches this year, including an intercontinental ballistic "
    "missile test in February that analysts said could reach 13,000 km, and about 28,500 U.S. troops are "
    "stationed in the South under a 1953 treaty, with 4,200 more due in 2025.",
]


def _trimmed(paras: list[str]) -> str:
    """An outlet's cut: the lede to its first sentence, the last paragraph dropped."""
    return "\n".join([paras[0].split(". ")[0] + "."] + paras[1:-1])


def _week(cars: str, change: str, year_ago: str, day: str) -> list[str]:
    return [
        f"U.S. grain carloadings totaled {cars} cars in the week ended March {day}, down {change} pct from the "
        "previous week, the Association of American Railroads said. Loadings of corn and soybeans led the "
        "decline as barge freight rates eased.",
        "Loadings of wheat, sorghum and barley bound for the Gulf ports held steady, the association said in its "
        "weekly report, as export inspections of grain continued at the pace seen earlier in the month and "
        "dealers reported slow country movement of corn across the Midwest.",
        f"For the year to date, grain carloadings were {year_ago} pct above the corresponding period a year "
        "earlier, helped by heavy shipments under the government's export programmes, the association said.",
        "The association said it would publish its monthly review of rail traffic at the end of the month, "
        "with figures for coal, chemicals and motor vehicles as well as grain.",
    ]


def _pair(a: str, b: str, containment: bool) -> dict:
    stories = [normalize(Story(id="first", body=a)), normalize(Story(id="second", body=b))]
    return cluster_in_order([(s, fingerprint(s)) for s in stories], containment=containment)


def test_a_trimmed_copy_is_the_same_story():
    """Lede cut to a sentence and the last paragraph (which held most figures) dropped: the copy is inside the
    original, and its figures are among the original's."""
    original, copy = "\n".join(WIRE), _trimmed(WIRE)
    assert _pair(original, copy, containment=True)["second"].duplicate_of == "first"
    assert _pair(copy, original, containment=True)["second"].duplicate_of == "first"  # the copy came first
    assert _pair(original, copy, containment=False)["second"].duplicate_of is None  # what the figures rule alone does


def test_a_trimmed_report_from_one_template_with_other_figures_stays_apart():
    """Next week's report, trimmed like a copy: its text is inside this week's, its figures are not."""
    this_week = "\n".join(_week("25,744", "4.3", "41.6", "28"))
    next_week = _trimmed(_week("26,108", "2.2", "22.8", "21"))
    same_week = _trimmed(_week("25,744", "4.3", "41.6", "28"))
    a, b = fingerprint(Story(id="a", body=this_week)), fingerprint(Story(id="b", body=next_week))
    assert containment(a, b, similarity(a.minhash, b.minhash)) >= MIN_CONTAINMENT  # the words are inside...
    assert _pair(this_week, next_week, containment=True)["second"].duplicate_of is None  # ...the figures are not
    assert _pair(this_week, same_week, containment=True)["second"].duplicate_of == "first"


def test_the_same_article_url_is_the_same_story_whatever_its_text():
    """A page re-fetched after an update (another paragraph, a new lede), linked with tracking parameters,
    AMP and www: one canonical URL, so one story, before any fingerprint is compared."""
    first = Story(id="feed-a-1", body=BASE, url="https://www.example.com/business/central-bank-raises-rates?utm_source=rss")
    updated = Story(id="feed-b-9", body="Heavy rain flooded parts of the capital overnight, cutting power.",
                    url="http://example.com/amp/business/central-bank-raises-rates/#comments")
    other = Story(id="feed-a-2", body="Unrelated text about a football match in the rain today.",
                  url="https://www.example.com/sport/match-report")
    clusters = cluster_in_order([(s, fingerprint(s)) for s in (first, updated, other)])
    assert clusters["feed-b-9"] == Cluster("feed-a-1", "feed-a-1")
    assert clusters["feed-a-2"] == Cluster("feed-a-2")
    index = ClusterIndex()  # without the identity keys, the texts alone keep them apart
    assert index.assign("feed-a-1", fingerprint(first)).duplicate_of is None
    assert index.assign("feed-b-9", fingerprint(updated)).duplicate_of is None


def test_a_home_page_link_names_no_story():
    """Feeds without item links give the site's address for every item: that is no identity."""
    a = Story(id="a", body=BASE, url="https://www.example.com/")
    b = Story(id="b", body="Heavy rain flooded parts of the capital overnight.", url="https://example.com/?utm_source=x")
    assert identity(a) == ("id\x1fa",)
    clusters = cluster_in_order([(s, fingerprint(s)) for s in (a, b)])
    assert clusters["b"].duplicate_of is None


def test_a_copy_sent_again_with_new_text_stays_in_its_cluster():
    """A copy is named by its own id and URL too: when it comes again rewritten (its next version, under the
    same GUID), it joins the cluster it joined before rather than starting one."""
    index = ClusterIndex()
    head = Story(id="h", body=BASE, url="https://agency.example/wire/123")
    copy = Story(id="c", body=BASE.replace("on Wednesday", "on Wednesday morning"), url="https://outlet.example/a/9")
    rewritten = Story(id="c", body="The bank's decision surprised no one in the markets, traders said.")
    moved = Story(id="c2", body="Rates: what the decision means for your mortgage.", url="https://outlet.example/a/9?amp=1")
    for story, expected in ((head, None), (copy, "h"), (rewritten, "h"), (moved, "h")):
        assert index.assign(story.id, fingerprint(story), identity(story)).duplicate_of == expected
    assert index.assign("new", fingerprint(rewritten), identity(Story(id="new", body="x"))).duplicate_of is None


def test_identity_keys_of_a_forgotten_cluster_name_nothing():
    index = ClusterIndex(capacity=2)
    names = identity(Story(id="s0", body="x", url="https://example.com/news/0"))
    index.assign("s0", fingerprint(_notice(0)), names)
    for i in (1, 2):
        index.assign(f"s{i}", fingerprint(_notice(i)), identity(Story(id=f"s{i}", body="x")))
    assert not index.is_head("s0")
    assert index.unknown(names) == names
    again = index.assign("later", fingerprint(_notice(7)), names)
    assert again == Cluster("later")


def test_minhash_signatures_stay_the_ones_stored_before():
    """Signatures outlive a run (the always-on stream keeps cluster heads in state): a faster MinHash must give
    the very bytes of the one before. The digests were recorded from the signatures as first computed."""
    import hashlib

    from wirewatch.transforms.dedupe import minhash

    cases = {
        (): "b2eaf8c7eb7d8d68",
        ("tokyo",): "13b719ae16bb1c3f",
        ("bank", "of"): "f4501ba37753c14b",
        tuple("the bank of japan raised rates by 0.25 points on tuesday".split()): "97e89091dfeafdf1",
        tuple("la banque centrale européenne a relevé ses taux".split()): "2cccf397af50cf57",
        ("東京", "銀行", "金利", "引き上げ"): "1845dd84472a116f",
    }
    got = {words: hashlib.sha256(minhash(list(words))).hexdigest()[:16] for words in cases}
    assert got == cases


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(1, 21), max_size=90), st.integers(1, 70))
def test_the_most_shared_heads_are_those_the_plain_sort_picks(shared, limit):
    counts = Counter(shared)
    picked = _most_shared(counts, limit)
    assert sorted(picked) == sorted(sorted(counts, key=lambda h: (-counts[h], h))[:limit])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=4 * PERMUTATIONS, max_size=4 * PERMUTATIONS), min_size=2, max_size=20))
def test_similarities_in_one_pass_equal_one_at_a_time(signatures):
    # equal values are rare in random bytes: make some signatures share parts of the first
    first, rest = signatures[0], signatures[1:]
    rest = [first[: 4 * (i % PERMUTATIONS)] + other[4 * (i % PERMUTATIONS):] for i, other in enumerate(rest)]
    assert _similarities(first, rest) == [similarity(first, other) for other in rest]


class OneAtATime(ClusterIndex):
    """The candidate search written plainly: every shared head counted, sorted, compared one by one."""

    def _near(self, fp):
        shared = Counter(head for band in range(BANDS)
                         for head in itertools.islice(reversed(self._bands.bucket(band, fp.minhash)), BUCKET_SCAN))
        candidates = sorted(shared, key=lambda h: (-shared[h], h))[:MAX_CANDIDATES]
        scored = [(score, head) for head in candidates
                  if (score := near_duplicate(fp, self._heads[head], self.min_similarity, self.containment))
                  is not None]
        best = max(scored, key=lambda x: (x[0], x[1]), default=None)
        return best[1] if best else None


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_index_answers_as_the_plain_candidate_search(rnd):
    # a flood from few templates with figures that sometimes agree: many candidates, ties and near misses
    templates = [BASE, BASE.replace("services", "housing"), "Grain carloadings totaled 25,744 cars in the week "
                 "ended March 28, the railroad association said, against 24,112 cars a year earlier."]
    fast, plain = ClusterIndex(capacity=150), OneAtATime(capacity=150)
    for i in range(400):
        text = rnd.choice(templates).replace("25,744", str(rnd.randrange(20))).replace("quarter", rnd.choice(
            ["quarter", "half", "full"]))
        fp = fingerprint(normalize(Story(id=f"s{i}", body=text + f" Figure {rnd.randrange(6)}.")))
        assert fast.assign(f"s{i}", fp) == plain.assign(f"s{i}", fp)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=4 * PERMUTATIONS, max_size=4 * PERMUTATIONS))
def test_band_slices_are_the_bands_values(signature):
    width = 4 * 3  # ROWS values of 4 bytes
    assert list(_band_slices(signature)) == [signature[band * width : (band + 1) * width] for band in range(21)]


def _numbered_band_keys(signature):
    width = 4 * 3
    return [bytes([band]) + signature[band * width : (band + 1) * width] for band in range(21)]


class NumberedBands(ClusterIndex):
    """The band buckets as they were: one dictionary keyed by the band's number and values, each bucket a
    dictionary of heads however many it holds (the index now keeps a dictionary per band and a lone head's id)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._numbered = {}

    def _near(self, fp):
        found = [members for members in map(self._numbered.get, _numbered_band_keys(fp.minhash)) if members]
        if not found:
            return None
        shared = Counter(itertools.chain.from_iterable(
            members if len(members) <= BUCKET_SCAN else itertools.islice(reversed(members), BUCKET_SCAN)
            for members in found))
        candidates = _most_shared(shared, MAX_CANDIDATES)
        scored = [(score, head) for head in candidates
                  if (score := near_duplicate(fp, self._heads[head], self.min_similarity, self.containment))
                  is not None]
        best = max(scored, key=lambda x: (x[0], x[1]), default=None)
        return best[1] if best else None

    def _add(self, story_id, fp):
        self._exact[fp.exact] = story_id
        if story_id in self._heads and self._heads[story_id].minhash != fp.minhash:  # sent again with other
            # words: out of the old words' buckets first
            for key in _numbered_band_keys(self._heads[story_id].minhash):
                members = self._numbered[key]
                members.pop(story_id, None)
                if not members:
                    del self._numbered[key]
        self._heads[story_id] = fp
        for key in _numbered_band_keys(fp.minhash):
            self._numbered.setdefault(key, {})[story_id] = None
        while len(self._heads) > self.capacity:
            old, oldest = self._heads.popitem(last=False)
            for key in _numbered_band_keys(oldest.minhash):
                members = self._numbered[key]
                members.pop(old, None)
                if not members:
                    del self._numbered[key]
        while len(self._exact) > self.capacity:
            self._exact.popitem(last=False)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_the_band_buckets_answer_as_numbered_dictionaries(seed):
    # few templates, a small capacity (heads evicted from buckets of one and of many), ids sent again, and
    # flooded buckets past BUCKET_SCAN: the same clusters as with the buckets kept the old way
    rnd = random.Random(seed)
    templates = [BASE, BASE.replace("services", "housing"), "Grain carloadings totaled 25,744 cars in the week "
                 "ended March 28, the railroad association said, against 24,112 cars a year earlier."]
    fast, old = ClusterIndex(capacity=rnd.choice([3, 40, 300])), NumberedBands(capacity=300)
    old.capacity = fast.capacity
    for i in range(400):
        text = rnd.choice(templates).replace("25,744", str(rnd.randrange(20))).replace("quarter", rnd.choice(
            ["quarter", "half", "full"]))
        story_id = f"s{rnd.randrange(i + 1)}" if rnd.random() < 0.1 else f"s{i}"  # sometimes an id again
        fp = fingerprint(normalize(Story(id=story_id, body=text + f" Figure {rnd.randrange(6)}.")))
        assert fast.assign(story_id, fp) == old.assign(story_id, fp)
    assert set(fast._bands.members()) == {h for members in old._numbered.values() for h in members}


def test_the_compiled_count_of_equal_values_declines_signatures_of_other_lengths():
    from wirewatch.transforms import dedupe

    if dedupe._equal_values is None:
        pytest.skip("the compiled core with equal_values is not built here: numpy counts")
    first = bytes(range(4 * PERMUTATIONS))
    assert dedupe._equal_values(first, [first, first[:4] + bytes(4 * PERMUTATIONS - 4)]) == [PERMUTATIONS, 1]
    assert dedupe._equal_values(first, [first[:-4]]) is None and dedupe._equal_values(first[:-1], [first]) is None


def _compiled_bands():
    from wirewatch.transforms import dedupe

    if dedupe._Bands is None:
        pytest.skip("the compiled core with Bands is not built here: the index keeps PyBands")
    return dedupe._Bands(BANDS, 4 * ROWS)


def _signature(choices):
    """A signature whose bands take few values (two of each band's three), so that buckets fill and share."""
    return b"".join(bytes([band, value]) * (2 * ROWS) for band, value in enumerate(choices)) + bytes(
        4 * PERMUTATIONS - 4 * ROWS * BANDS)


_IDS = st.text(st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\udfff"]), min_size=1, max_size=2)
_SIGNATURES = st.lists(st.integers(0, 2), min_size=BANDS, max_size=BANDS).map(_signature)
_STEPS = st.lists(st.tuples(st.sampled_from(["add", "add", "add", "remove", "ask", "compare"]), _IDS, _SIGNATURES,
                            st.integers(1, 6), st.integers(1, 8)), max_size=60)


def _figures(head):
    """A head's figures for the tests of ``compared``: none, or one or two of three, by its id."""
    code = sum(map(ord, head))
    return frozenset(["1", "2", "3"][: code % 3]) if code % 4 else frozenset(["3"])


class _Heads(dict):
    """The index's heads as ``compared`` reads them (an OrderedDict there), lacking the ids that start with "a"
    (a KeyError, as for a head the index no longer knows)."""

    def __missing__(self, head):
        raise KeyError(head)


def _heads_for(ids):
    return _Heads({h: Fingerprint(exact="", minhash=b"", numbers=_figures(h)) for h in ids if not h.startswith("a")})


def _step(bands, op, head, signature, scan, limit):
    try:
        if op == "add":
            return bands.add(head, signature)
        if op == "remove":
            return bands.remove(head, signature)
        if op == "compare":
            found = bands.compared(signature, scan, limit, _heads_for(bands.members()), _figures(head[::-1]))
            return found and (found[0], [fp.numbers for fp in found[1]])
        return bands.candidates(signature, scan, limit)
    except KeyError:
        return KeyError


@settings(max_examples=400, deadline=None)
@given(_STEPS)
def test_the_compiled_bands_answer_as_the_python_ones(steps):
    # few ids (lone surrogates too) and few band values: heads added again (same and other buckets), removed
    # from buckets that hold them, do not hold them or do not exist; buckets longer than the scan; ties at the cut
    compiled, python = _compiled_bands(), PyBands()
    for op, head, signature, scan, limit in steps:
        assert _step(compiled, op, head, signature, scan, limit) == _step(python, op, head, signature, scan, limit)
        assert sorted(compiled.members()) == sorted(python.members())
        for band in (0, BANDS - 1):
            assert compiled.bucket(band, signature) == python.bucket(band, signature)


def test_the_compiled_bands_take_the_newest_of_a_long_bucket_and_break_ties_by_id():
    bands, signature = _compiled_bands(), _signature([0] * BANDS)
    for head in ["d", "c", "b", "a"]:
        bands.add(head, signature)
    assert bands.candidates(signature, 2, 4) == ["a", "b"]  # the newest two, newest first
    assert bands.candidates(signature, 4, 2) == ["a", "b"]  # all tied: the smallest ids
    assert bands.candidates(signature, 4, 9) == ["d", "c", "b", "a"]  # all, oldest first
    other = _signature([1] + [0] * (BANDS - 1))
    bands.add("z", other)
    assert bands.candidates(signature, 8, 1) == ["a"]  # z shares 20 of the buckets, the others all 21
    assert bands.candidates(signature, 8, 5) == ["d", "c", "b", "a", "z"]  # in order of finding
    bands.remove("z", other)
    assert sorted(bands.members()) == ["a", "b", "c", "d"]
    with pytest.raises(KeyError):
        bands.remove("z", other)  # band 0 has no bucket of it any more


_JUDGED = st.builds(
    lambda numbers, shingles: Fingerprint(exact="", minhash=b"", numbers=frozenset(numbers), shingles=shingles),
    st.sets(st.sampled_from("0123456"), max_size=5), st.integers(0, 40))


@settings(max_examples=300, deadline=None)
@given(_JUDGED, st.lists(st.tuples(_JUDGED, st.integers(0, PERMUTATIONS)), max_size=12),
       st.sampled_from([0.5, 0.3, 0.9]), st.booleans())
def test_judging_candidates_in_one_loop_equals_judging_each(fp, others, min_similarity, contained):
    # few figures and shingle counts near MIN_CONTAINED: agreeing, contained and empty number sets all occur
    ids = [f"h{i}" for i in range(len(others))]
    scores = [equal / PERMUTATIONS for _, equal in others]
    heads = [other for other, _ in others]
    expected = [(score, head) for head, other, score in zip(ids, heads, scores)
                if _judged(fp, other, score, min_similarity, contained) is not None]
    assert _judged_all(fp, ids, heads, scores, min_similarity, contained) == expected
