"""Wire version tags read as a version number and a correction flag (wirewatch/versions.py)."""

from __future__ import annotations

import pytest

from wirewatch.versions import VersionTag, heading_tag, slug_name, tag_of, title_tag


@pytest.mark.parametrize("title, version, correction", [
    ("UPDATE 1-Quake kills 12 in Nepal", 2, False),
    ("UPDATE 2-Quake kills 31 in Nepal", 3, False),
    ("REFILE-UPDATE 1-Quake kills 12 in Nepal", 2, False),
    ("CORRECTED-UPDATE 3-Quake kills 31 in Nepal", 4, True),
    ("CORRECTED-Quake kills 31 in Nepal", None, True),
])
def test_reuters_headline_prefixes(title, version, correction):
    tag = title_tag(title)
    assert tag is not None and (tag.version, tag.correction) == (version, correction)


@pytest.mark.parametrize("title", ["Quake kills 31 in Nepal", "Update on the quake", "UPDATES-to follow"])
def test_headlines_without_a_prefix_have_no_version(title):
    assert title_tag(title) is None


def test_ap_writethru_slugs():
    assert tag_of("BC-US--Ethanol-Losing Grassland, 1st Ld-Writethru,1140") == VersionTag(2)
    assert tag_of("BC-EU--Quake, 3rd Ld-Writethru,0712") == VersionTag(4)
    assert tag_of("BC-EU--Quake-Correction,0212").correction
    assert tag_of("BC-EU--Quake,0712") is None


def test_dpa_heading_flags_combine():
    assert heading_tag(["REFILE", "1ST LEAD"]) == VersionTag(2, refile=True)
    assert heading_tag(["EILMELDUNG"]) is None


def test_slug_names_are_shared_by_versions():
    first = slug_name("BC-US--Ethanol-Losing Grassland,1140")
    assert first == slug_name("BC-US--Ethanol-Losing Grassland, 1st Ld-Writethru,1140")
    assert first == slug_name("^BC-US--Ethanol-Losing Grassland, 2nd Ld-Writethru,1210<")
    assert first != slug_name("BC-US--Ethanol-Corn Prices,0810")
