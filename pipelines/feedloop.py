"""Polling the configured feeds forever and publishing what they carry to Kafka. Wiring of the poller, the
document parsers and the Kafka publisher; state is saved only after Kafka acknowledged the cycle's
stories, so a crash re-polls rather than loses."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from wirewatch.connectors.health import metrics
from wirewatch.connectors.poll.config import load_feeds
from wirewatch.connectors.parsing.dispatch import parse_document
from wirewatch.connectors.http.fetch import HttpClient
from wirewatch.connectors.kafka.topics import Publisher
from wirewatch.connectors.parsing.results import ParseResult
from wirewatch.connectors.poll.cycle import poll_cycle
from wirewatch.connectors.poll.state import load_states, save_states
from wirewatch.connectors.http.ssrf import AddressPolicy

log = logging.getLogger("wirewatch.feeds")
IDLE_S = 1.0


def parse_fetched(body: bytes, url: str, headers: Mapping[str, str], fetched: datetime,
                  hint: str = "auto") -> ParseResult:
    """Any feed or wire document fetched over HTTP: the feed's configured format, else sniffed by content."""
    return parse_document(body, origin=url, url=url, headers=headers, fetched=fetched, hint=hint)


class FeedLoop:
    def __init__(self, config: str, state: str | None, publisher: Publisher) -> None:
        self.feeds = load_feeds(config)
        self.state_path = Path(state) if state else Path(config).with_suffix(".state.json")
        self.states = load_states(self.state_path)
        self.publisher = publisher
        self.client = HttpClient(policy=AddressPolicy.allowing(*self.feeds.allow))
        self._stop = threading.Event()

    def cycle(self) -> None:
        now = datetime.now(UTC)  # the poll clock, read at the edge
        result = poll_cycle(self.feeds.feeds, self.states, parse_fetched, self.client, now)
        for story in result.stories:
            self.publisher.story(story)
            metrics.STORIES_PUBLISHED.inc()
        for error in result.errors:
            self.publisher.dead_letter(error.to_dead_letter())
            log.warning("feed problem", extra={"feed": error.feed, "stage": error.stage, "reason": error.reason})
        self.publisher.flush()
        save_states(self.state_path, result.states)
        self.states = dict(result.states)
        if result.polled:
            log.info("poll cycle", extra={"polled": result.polled, "not_modified": result.not_modified,
                                          "stories": len(result.stories), "errors": len(result.errors)})

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.cycle()
            except Exception:  # Kafka away or a bug in one cycle: state unsaved, the next cycle retries
                log.exception("poll cycle failed; retrying")
            self._stop.wait(IDLE_S)

    def stop(self) -> None:
        self._stop.set()
