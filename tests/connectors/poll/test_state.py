"""Poll state: saved atomically, reloaded intact, and due feeds chosen from it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.poll.state import FeedState, StateError, due_feeds, load_states, remember_ids, save_states, state_for
from tests.connectors.http.helpers import NOW


def sample() -> dict[str, FeedState]:
    return {
        "a": FeedState(
            url="https://a.example/feed",
            etag='"e1"',
            last_modified="Sun, 01 Mar 2026 10:00:00 GMT",
            body_hash="ab" * 32,
            seen_ids=("3", "2", "1"),
            failures=2,
            next_poll=NOW + timedelta(minutes=5),
            last_polled=NOW,
            last_success=NOW - timedelta(hours=1),
            watched_since=NOW - timedelta(days=2),
            updates=(NOW - timedelta(hours=3), NOW - timedelta(hours=1)),
            last_error="status: HTTP 503",
        ),
        "b": FeedState(url="https://b.example/feed"),
    }


def test_save_and_reload_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state" / "poll.json"
    save_states(path, sample())
    assert load_states(path) == sample()
    assert [p.name for p in path.parent.iterdir()] == ["poll.json"]  # no temporary file left behind


def test_save_replaces_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "poll.json"
    save_states(path, sample())
    save_states(path, {"b": FeedState(url="https://b.example/feed", failures=1)})
    assert load_states(path) == {"b": FeedState(url="https://b.example/feed", failures=1)}


def test_missing_file_is_a_first_run(tmp_path: Path) -> None:
    assert load_states(tmp_path / "none.json") == {}


@pytest.mark.parametrize(
    "content", [b"{not json", b'{"version": 99, "feeds": {}}', b'{"version": 1, "feeds": {"a": {}}}']
)
def test_damaged_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "poll.json"
    path.write_bytes(content)
    with pytest.raises(StateError) as caught:
        load_states(path)
    assert str(path) in str(caught.value) and caught.value.retriable is False


def test_due_feeds() -> None:
    feeds = [
        FeedConfig("a", "https://a.example/feed"),
        FeedConfig("b", "https://b.example/feed"),
        FeedConfig("c", "https://c.example/feed"),
        FeedConfig("d", "https://d.example/feed"),
    ]
    states = {
        "a": FeedState(url="https://a.example/feed", next_poll=NOW + timedelta(seconds=1)),  # not yet
        "b": FeedState(url="https://b.example/feed", next_poll=NOW - timedelta(minutes=1)),
        "c": FeedState(url="https://c.example/feed", next_poll=NOW - timedelta(hours=1)),  # most overdue
    }  # d was never polled
    assert [f.name for f in due_feeds(feeds, states, NOW)] == ["d", "c", "b"]
    assert [f.name for f in due_feeds(feeds, states, NOW + timedelta(seconds=1))] == ["d", "c", "b", "a"]


def test_a_changed_url_starts_fresh() -> None:
    states = {"a": FeedState(url="https://old.example/feed", etag='"x"', next_poll=NOW + timedelta(hours=1))}
    feed = FeedConfig("a", "https://new.example/feed")
    assert state_for(feed, states) == FeedState(url="https://new.example/feed")
    assert due_feeds([feed], states, NOW) == [feed]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        due_feeds([], {}, NOW.replace(tzinfo=None))


ids = st.lists(st.text(min_size=1, max_size=4), max_size=40)


@given(ids, ids, st.integers(min_value=1, max_value=30))
def test_remember_ids_is_bounded_and_keeps_the_current_ones(seen: list[str], current: list[str], limit: int) -> None:
    kept = remember_ids(seen, current, limit)
    assert len(kept) <= limit and len(set(kept)) == len(kept)
    assert set(kept) <= set(seen) | set(current)
    assert list(kept[: min(limit, len(dict.fromkeys(current)))]) == list(dict.fromkeys(current))[:limit]
