"""How one poll's outcome changes a feed's state: pure functions of (state, outcome, now)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.http.model import Validators
from wirewatch.connectors.poll.state import MAX_SEEN, MAX_UPDATES, FeedState, remember_ids
from wirewatch.connectors.poll.schedule import adaptive_interval, failure_delay


def _schedule(state: FeedState, feed: FeedConfig, now: datetime) -> datetime:
    seconds = adaptive_interval(state.updates, state.watched_since, now, feed.min_interval, feed.max_interval)
    return now + timedelta(seconds=seconds)


def after_unchanged(state: FeedState, feed: FeedConfig, now: datetime, validators: Validators) -> FeedState:
    """A 304, or a body identical to the last one: nothing new, so the adaptive interval may grow."""
    state = replace(
        state,
        etag=validators.etag,
        last_modified=validators.last_modified,
        failures=0,
        last_polled=now,
        last_success=now,
        watched_since=state.watched_since or now,
        last_error=None,
    )
    return replace(state, next_poll=_schedule(state, feed, now))


def after_items(
    state: FeedState,
    feed: FeedConfig,
    now: datetime,
    validators: Validators,
    body_hash: str,
    current_ids: Sequence[str],
    new_count: int,
    max_seen: int = MAX_SEEN,
) -> FeedState:
    """A parsed body: remember its ids and validators; a poll with new items counts as an update."""
    updates = (*state.updates, now)[-MAX_UPDATES:] if new_count else state.updates
    state = replace(
        state,
        etag=validators.etag,
        last_modified=validators.last_modified,
        body_hash=body_hash,
        seen_ids=remember_ids(state.seen_ids, current_ids, max_seen),
        failures=0,
        last_polled=now,
        last_success=now,
        watched_since=state.watched_since or now,
        updates=updates,
        last_error=None,
    )
    return replace(state, next_poll=_schedule(state, feed, now))


def after_failure(
    state: FeedState, feed: FeedConfig, now: datetime, reason: str, retry_after: float | None, rng: random.Random
) -> FeedState:
    """A failed fetch or an unusable body: back off. Validators are kept, so a recovered server can still
    answer 304 (a body that failed to parse never stored its validators, so it is fetched again)."""
    failures = state.failures + 1
    delay = failure_delay(failures, retry_after, feed.min_interval, feed.max_interval, rng)
    return replace(
        state,
        failures=failures,
        last_polled=now,
        watched_since=state.watched_since or now,
        next_poll=now + timedelta(seconds=delay),
        last_error=reason,
    )
