"""The shape of every sink step of the always-on chain: it takes its own part of each outcome as it comes,
makes that part durable once per bundle, and only then passes every outcome on. The last step commits the
Kafka offsets, so an offset moves only after every sink before it has made its outcome durable.

``DeliverInTurn`` runs such sinks as one Beam step: it holds the bundle's outcomes and hands them to each sink
in turn, as a chain of their own steps would, and passes on only the positions to commit."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue

from wirewatch.connectors.health.latency import RecordLatency
from wirewatch.connectors.kafka.commit import GatherPositions


class PassOnWhenDurable(beam.DoFn):
    """Subclasses implement ``take`` (may return a replacement outcome, e.g. a dead letter for a story that
    could not be written) and ``make_durable``."""

    def start_bundle(self) -> None:
        self._held: list[tuple[Any, WindowedValue]] = []

    # The element's windowed value as one parameter, not its timestamp and window as two: Beam fills each
    # parameter of ``process`` for every element by comparing it with each kind of parameter it knows.
    def process(self, outcome: Any, windowed: Any = beam.DoFn.WindowedValueParam) -> Iterator[Any]:
        self._held.append((self.take(outcome), windowed))
        return iter(())

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for outcome, windowed in self.deliver():
            yield WindowedValue(outcome, windowed.timestamp, windowed.windows)

    def deliver(self, arrived: Sequence[tuple[Any, WindowedValue]] = ()) -> list[tuple[Any, WindowedValue]]:
        """The bundle's outcomes (with their windowed values) once durable: those ``process`` held, then each
        of ``arrived``, taken now."""
        self._held.extend((self.take(outcome), windowed) for outcome, windowed in arrived)
        self.make_durable()
        held, self._held = self._held, []
        return held

    def take(self, outcome: Any) -> Any:
        return outcome

    def make_durable(self) -> None:
        pass


class DeliverInTurn(beam.DoFn):
    """Outcomes -> the bundle's positions to commit (``positions``: one element a partition), once each of
    ``sinks`` in turn has taken the bundle's outcomes and made them durable, each sink seeing what the one
    before passed on (a story the archive could not hold reaches the next as its dead letter). What a chain
    of one step a sink does, as one step: Beam's per-element work in a step (invoking it, re-emitting each
    outcome from ``finish_bundle``) is paid once, not once a sink. ``processed`` observes each outcome as it
    arrives, ``delivered`` all of them once the last sink is durable."""

    def __init__(self, sinks: Sequence[PassOnWhenDurable], *, processed: RecordLatency, delivered: RecordLatency,
                 positions: GatherPositions) -> None:
        self.sinks, self.processed, self.delivered, self.positions = tuple(sinks), processed, delivered, positions

    def setup(self) -> None:
        for part in (self.processed, *self.sinks, self.delivered, self.positions):
            part.setup()

    def start_bundle(self) -> None:
        for part in (*self.sinks, self.positions):
            part.start_bundle()
        self._arrived: list[tuple[Any, WindowedValue]] = []

    def process(self, outcome: Any, windowed: Any = beam.DoFn.WindowedValueParam) -> Iterator[Any]:
        self.processed.observe(outcome, datetime.now(timezone.utc))  # a stage timestamp, read at the edge
        self._arrived.append((outcome, windowed))
        return iter(())

    def finish_bundle(self) -> Iterator[WindowedValue]:
        held, self._arrived = self._arrived, []
        for sink in self.sinks:
            held = sink.deliver(held)
        now = datetime.now(timezone.utc)
        observe, gather = self.delivered.observe, self.positions.gather
        for outcome, windowed in held:
            observe(outcome, now)
            gather(outcome, windowed)
        return self.positions.gathered()

    def teardown(self) -> None:
        for part in (*self.sinks, self.positions, self.processed, self.delivered):
            part.teardown()
