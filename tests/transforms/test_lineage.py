"""Lineage: versions of one wire item in one cluster, members in order, what changed between versions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from wirewatch.records import Cluster, Story
from wirewatch.transforms.lineage import changed_numbers, diff_summary, join_versions, outlet_of

T0 = datetime(2024, 3, 4, 6, 0, tzinfo=timezone.utc)
V1 = ("KATHMANDU (Reuters) - An earthquake struck western Nepal on Monday. The death toll rose to 12, officials said.\n"
      "Rescue teams were sent to the area.")
V2 = ("KATHMANDU (Reuters) - An earthquake struck western Nepal on Monday. The death toll rose to 31, officials said.\n"
      "Rescue teams were sent to the area.\nThe army joined the search on Tuesday.")


def test_diff_summary_names_paragraphs_and_the_changed_number():
    assert diff_summary(V1, V2) == "1 paragraph added; 1 paragraph changed; death toll 12 -> 31"
    assert diff_summary(V2, V1) == "1 paragraph removed; 1 paragraph changed; death toll 31 -> 12"
    assert diff_summary(V1, V1) == "text unchanged"


def test_changed_numbers_take_words_after_when_none_before():
    assert changed_numbers("at least 12 people were killed", "at least 31 people were killed") == ["12 -> 31 people"]


def test_numbers_that_did_not_change_are_not_reported():
    assert changed_numbers("toll 12, injured 40", "toll 31, injured 40") == ["toll 12 -> 31"]


def test_outlets_are_sites_publishers_or_agencies():
    assert outlet_of(Story("a", "x", url="https://www.bbc.co.uk/news/world-1")) == "bbc.co.uk"
    assert outlet_of(Story("a", "x", url="https://m.edition.cnn.com/2024/x")) == "cnn.com"
    assert outlet_of(Story("a", "x", url="https://money.cnn.com/y")) == "cnn.com"
    assert outlet_of(Story("a", "x", publisher="VOA ", source="feed")) == "voa"
    assert outlet_of(Story("a", "x", credit="Reuters", source="reuters-world")) == "reuters"


def _story(sid: str, body: str, minutes: int, **kw) -> Story:
    return Story(sid, body, published=T0 + timedelta(minutes=minutes), **kw)


def test_versions_of_one_item_join_the_first_versions_cluster_and_name_what_they_supersede():
    v1 = _story("v1", V1, 0, item_id="anpa:bc-as--nepal-quake", version=None)
    v2 = _story("v2", V2, 30, item_id="anpa:bc-as--nepal-quake", version=2)
    copy = _story("c2", V2, 35)  # a site's copy of version 2: clustered with v2 by the fingerprints
    other = _story("o", "Unrelated.", 5)
    pairs = [(v2, Cluster("v2")), (copy, Cluster("v2", "v2")), (v1, Cluster("v1")), (other, Cluster("o"))]
    joined = dict((s.id, (s, c)) for s, c in join_versions(pairs))
    assert {sid: c.id for sid, (_, c) in joined.items()} == {"v1": "v1", "v2": "v1", "c2": "v1", "o": "o"}
    assert joined["v2"][0].supersedes == "v1" and joined["v1"][0].supersedes is None
    assert joined["v2"][1].duplicate_of == "v1"


def test_a_wire_items_api_link_is_not_its_outlet():
    story = Story("a", "x", url="https://api.ap.org/media/v/content/5ee9", publisher="AP", format="ninjs")
    assert outlet_of(story) == "ap"
