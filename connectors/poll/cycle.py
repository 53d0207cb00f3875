"""One poll cycle: fetch every due feed concurrently, parse what changed, keep only new stories.

The parser is injected (``parse(body, url, headers, fetched, format hint) -> object with .stories and
.errors``), so this module does not depend on any feed format. One feed's failure never affects another:
every problem becomes a ``FeedError`` in the result, and the feed's state records it and backs off.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wirewatch.connectors.poll.config import FeedConfig
from wirewatch.connectors.http.fetch import HttpClient, split_url
from wirewatch.connectors.http.model import FetchError, FetchResult
from wirewatch.connectors.poll.state import MAX_SEEN, FeedState, due_feeds, state_for
from wirewatch.connectors.poll.step import after_failure, after_items, after_unchanged
from wirewatch.records import DeadLetter

ParseFn = Callable[[bytes, str, dict, datetime, str], Any]  # (body, url, headers, fetched, format hint)
RAW_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class FeedError:
    """A dead-letter-like record of one feed's problem in one cycle."""

    feed: str
    url: str
    stage: str  # fetch | parse
    reason: str
    retriable: bool
    status: int | None = None
    raw: str | None = None  # the start of an unusable body, for a person to look at

    def to_dead_letter(self) -> DeadLetter:
        return DeadLetter(f"{self.feed} {self.url}", self.stage, self.reason, self.raw, self.retriable)


@dataclass(frozen=True, slots=True)
class CycleResult:
    stories: tuple[Any, ...]  # new stories only, in feed order
    errors: tuple[FeedError, ...]
    states: Mapping[str, FeedState]  # every feed's state after the cycle (unpolled ones unchanged)
    polled: int
    not_modified: int
    parsed: int


@dataclass(frozen=True, slots=True)
class _Outcome:
    name: str
    state: FeedState
    stories: tuple[Any, ...] = ()
    errors: tuple[FeedError, ...] = ()
    not_modified: bool = False
    parsed: bool = False


async def poll_cycle_async(
    feeds: Iterable[FeedConfig],
    states: Mapping[str, FeedState],
    parse: ParseFn,
    client: HttpClient,
    now: datetime,
    *,
    rng: random.Random | None = None,
    max_concurrency: int = 64,
    max_seen: int = MAX_SEEN,
) -> CycleResult:
    """Poll the feeds due at ``now``; ``rng`` (seeded for tests) drives the backoff jitter."""
    feeds = list(feeds)
    due = due_feeds(feeds, states, now)
    rng = rng or random.Random()
    # One generator per feed, drawn in due order before any task starts: completion order cannot change it.
    jitter = {feed.name: random.Random(rng.getrandbits(64)) for feed in due}
    gate = asyncio.Semaphore(max_concurrency)

    async def one(feed: FeedConfig) -> _Outcome:
        async with gate:
            try:
                return await _poll_feed(feed, state_for(feed, states), parse, client, now, jitter[feed.name], max_seen)
            except Exception as exc:  # a bug here must not stop the other feeds
                reason = f"internal error while polling: {type(exc).__name__}: {exc}"
                state = after_failure(state_for(feed, states), feed, now, reason, None, jitter[feed.name])
                return _Outcome(feed.name, state, errors=(FeedError(feed.name, feed.url, "poll", reason, True),))

    outcomes = await asyncio.gather(*(one(feed) for feed in due))
    new_states = dict(states)
    for outcome in outcomes:
        new_states[outcome.name] = outcome.state
    return CycleResult(
        stories=tuple(s for o in outcomes for s in o.stories),
        errors=tuple(e for o in outcomes for e in o.errors),
        states=new_states,
        polled=len(outcomes),
        not_modified=sum(o.not_modified for o in outcomes),
        parsed=sum(o.parsed for o in outcomes),
    )


def poll_cycle(
    feeds: Iterable[FeedConfig],
    states: Mapping[str, FeedState],
    parse: ParseFn,
    client: HttpClient,
    now: datetime,
    **options: Any,
) -> CycleResult:
    """The synchronous form of ``poll_cycle_async``, for callers without an event loop."""
    return asyncio.run(poll_cycle_async(feeds, states, parse, client, now, **options))


async def _poll_feed(
    feed: FeedConfig,
    state: FeedState,
    parse: ParseFn,
    client: HttpClient,
    now: datetime,
    rng: random.Random,
    max_seen: int,
) -> _Outcome:
    result = await client.fetch(
        state.moved_to or feed.url, validators=state.validators, headers=feed.headers,
        origin_headers=feed.auth_headers(),
    )
    outcome = await _fetched(feed, state, parse, result, now, rng, max_seen)
    moved = _moved_to(feed, state, result)
    if moved != outcome.state.moved_to:
        outcome = dataclasses.replace(outcome, state=dataclasses.replace(outcome.state, moved_to=moved))
    return outcome


def _moved_to(feed: FeedConfig, state: FeedState, result: FetchResult | FetchError) -> str | None:
    """Where to poll the feed next time, if not at its configured URL. A permanent redirect is followed
    for good only within the configured origin, or for a feed without credentials (they must never go to
    an origin the configuration did not name). A moved URL that answers 404 or 410 is dropped."""
    if isinstance(result, FetchError):
        return None if result.status in (404, 410) else state.moved_to
    moved = result.moved_to
    if moved is None:
        return state.moved_to if not result.redirects else None
    if moved == feed.url:
        return None
    if feed.auth_headers() and split_url(moved).origin != split_url(feed.url).origin:
        return None
    return moved


async def _fetched(
    feed: FeedConfig,
    state: FeedState,
    parse: ParseFn,
    result: FetchResult | FetchError,
    now: datetime,
    rng: random.Random,
    max_seen: int,
) -> _Outcome:
    if isinstance(result, FetchError):
        error = FeedError(
            feed.name, feed.url, "fetch", f"{result.kind}: {result.reason}", result.retriable, result.status
        )
        return _Outcome(
            feed.name, after_failure(state, feed, now, error.reason, result.retry_after, rng), errors=(error,)
        )
    validators = result.validators.merged_over(state.validators)
    if result.not_modified:
        return _Outcome(feed.name, after_unchanged(state, feed, now, validators), not_modified=True)
    body_hash = hashlib.sha256(result.body).hexdigest()
    if body_hash == state.body_hash:  # a server that ignores conditional GET: same bytes, nothing to parse
        return _Outcome(feed.name, after_unchanged(state, feed, now, validators), not_modified=True)
    return await _parse_body(feed, state, parse, result, now, rng, validators, body_hash, max_seen)


async def _parse_body(
    feed: FeedConfig,
    state: FeedState,
    parse: ParseFn,
    result: FetchResult,
    now: datetime,
    rng: random.Random,
    validators: Any,
    body_hash: str,
    max_seen: int,
) -> _Outcome:
    raw = result.body[:RAW_LIMIT].decode("utf-8", "replace")
    try:
        parsed = await asyncio.to_thread(
            parse, result.body, result.final_url, result.header_map(), result.fetched, feed.format
        )
        stories = tuple(parsed.stories)
        problems = tuple(parsed.errors)
    except Exception as exc:  # the parser's failure is this feed's parse error, not the cycle's
        reason = f"{type(exc).__name__}: {exc}"
        error = FeedError(
            feed.name, feed.url, "parse", reason, bool(getattr(exc, "retriable", False)), result.status, raw
        )
        return _Outcome(feed.name, after_failure(state, feed, now, reason, None, rng), errors=(error,), parsed=True)
    errors = tuple(_parse_error(feed, problem, result.status, raw) for problem in problems)
    if not stories and errors:  # nothing usable: treat as a failed poll (backoff, body not remembered)
        state = after_failure(state, feed, now, errors[0].reason, None, rng)
        return _Outcome(feed.name, state, errors=errors, parsed=True)
    seen = set(state.seen_ids)
    fresh: list[Any] = []
    for story in stories:
        if story.id not in seen:
            seen.add(story.id)
            fresh.append(story)
    state = after_items(state, feed, now, validators, body_hash, [s.id for s in stories], len(fresh), max_seen)
    return _Outcome(feed.name, state, stories=tuple(fresh), errors=errors, parsed=True)


def _parse_error(feed: FeedConfig, problem: Any, status: int, raw: str) -> FeedError:
    """Whatever the parser reports (a DeadLetter, an exception, a string) as a FeedError."""
    reason = getattr(problem, "reason", None) or str(problem)
    retriable = bool(getattr(problem, "retriable", False))
    return FeedError(feed.name, feed.url, "parse", str(reason), retriable, status, raw)
