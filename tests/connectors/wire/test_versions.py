"""Wire parsers give each item its version identity: the id its versions share, the version, a correction
flag. Real items from ../shared/corpora/wire, and earlier or later versions made from them by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.records import Story


def _parse(data: bytes, name: str) -> Story:
    result = parse_document(data, origin=f"{name}:0", filename=name)
    assert not result.errors and len(result.stories) == 1
    return result.stories[0]


@pytest.fixture()
def superdesk(shared_corpora: Path) -> Path:
    return shared_corpora / "wire" / "superdesk-fixtures"


def test_newsmlg2_versions_share_the_guid_and_a_correction_is_flagged(superdesk: Path) -> None:
    raw = (superdesk / "stt_newsml_test.xml").read_bytes()
    v4 = _parse(raw, "stt_newsml_test.xml")
    v5_raw = raw.replace(b'version="4"', b'version="5"', 1).replace(
        b'<signal qcode="sig:update"/>', b'<signal qcode="sig:correction"/>').replace(b"106-80", b"107-80")
    v5 = _parse(v5_raw, "stt_newsml_test_v5.xml")
    assert v4.item_id == v5.item_id == "urn:newsml:stt.fi:20171219:101801633"
    assert (v4.version, v4.correction) == (4, False)
    assert (v5.version, v5.correction) == (5, True)
    other = _parse((superdesk / "stt_newsml_test_no_hl.xml").read_bytes(), "stt_newsml_test_no_hl.xml")
    assert other.item_id == v4.item_id  # the same item again, as STT sent it without a headline


def test_dpa_refile_first_lead_is_version_two(superdesk: Path) -> None:
    story = _parse((superdesk / "dpa_four_line.txt").read_bytes(), "dpa_four_line.txt")
    assert story.item_id == "iptc7901:dpa:switzerland/migration/un/"
    assert story.version == 2 and not story.correction
    plain = _parse((superdesk / "dpa_two_line.txt").read_bytes(), "dpa_two_line.txt")
    assert plain.version is None and plain.item_id != story.item_id


def test_ap_writethru_and_its_first_version_share_the_slug(superdesk: Path) -> None:
    raw = (superdesk / "anpa-2.tst").read_bytes()
    lead = _parse(raw, "anpa-2.tst")
    first = _parse(raw.replace(b", 1st Ld-Writethru,", b",").replace(b"1stLd-Writethru", b"        "), "first.tst")
    assert lead.version == 2 and first.version is None
    assert lead.item_id == first.item_id == "anpa:bc-us--ethanol-losing grassland"
    corrected = _parse(raw.replace(b", 1st Ld-Writethru,", b", 1st Ld-Writethru-Correction,"), "corr.tst")
    assert corrected.correction and corrected.item_id == lead.item_id


def test_ninjs_version_and_uri() -> None:
    body = (b'{"uri": "urn:example:quake-1", "version": "3", "headline": "Quake kills 31", '
            b'"body_text": "The death toll rose to 31.", "versioncreated": "2024-01-02T10:00:00Z", '
            b'"signals": [{"name": "correction"}]}')
    story = _parse(body, "quake.json")
    assert (story.item_id, story.version, story.correction) == ("urn:example:quake-1", 3, True)


def test_ap_media_api_versions_share_the_item_id_not_the_uri(superdesk: Path) -> None:
    raw = (superdesk / "ap_media_text_item.json").read_bytes()
    first = _parse(raw, "ap_media_text_item.json")
    second = _parse(raw.replace(b'"version": 0', b'"version": 1').replace(b"et=0a4aza0c0", b"et=1b5bzb1d1"),
                    "ap_media_text_item_v1.json")
    assert first.item_id == second.item_id == "ap:5ee9b4b40ea5fe9c9ca60f890fb2e1d9"
    assert (first.version, second.version) == (0, 1) and first.id != second.id
