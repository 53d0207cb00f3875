"""A state file of ours read back: none is a first run, anything wrong names the file and says to move it aside,
the same for the poll cursor and a drop folder's ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.connectors.files.dropstate import DropLedger, DropStateError
from wirewatch.connectors.files.statefile import read_state
from wirewatch.connectors.poll.state import StateError, load_states


class Bad(ValueError):
    pass


def read(path: Path):
    return read_state(path, 2, "test state", Bad, lambda data: data["items"])


def test_a_good_file_is_built_and_no_file_is_a_first_run(tmp_path):
    path = tmp_path / "s.json"
    assert read(path) is None
    path.write_bytes(b'{"version": 2, "items": [1, 2]}')
    assert read(path) == [1, 2]


@pytest.mark.parametrize("content, words", [
    (b"{not json", "not a test state file (unexpected character"),
    (b'{"version": 1, "items": []}', "not a test state file (version 1, expected 2); move it aside to start over"),
    (b'{"version": 2}', "not a test state file ('items')"),
    (b"[2]", "not a test state file ("),
])
def test_anything_wrong_names_the_file_and_what_to_do(tmp_path, content, words):
    path = tmp_path / "s.json"
    path.write_bytes(content)
    with pytest.raises(Bad) as caught:
        read(path)
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value), str(caught.value)
    assert str(caught.value).endswith("; move it aside to start over")


def test_a_file_that_cannot_be_read(tmp_path):
    with pytest.raises(Bad, match=f"{tmp_path}: cannot read the test state: Is a directory"):
        read(tmp_path)


def test_the_poll_cursor_and_the_drop_ledger_read_alike(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b'{"version": 99, "feeds": {}, "files": {}}')
    with pytest.raises(StateError, match=r"not a poll state file \(version 99, expected 1\)"):
        load_states(path)
    with pytest.raises(DropStateError, match=r"not a drop-folder state file \(version 99, expected 1\)"):
        DropLedger.load(path, tmp_path)
    path.unlink()
    assert load_states(path) == {} and DropLedger.load(path, tmp_path).files == {}
