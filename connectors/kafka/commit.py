"""The always-on chain's last step: Kafka offsets committed once every sink before it has made their
outcomes durable, with the bookkeeping in the engine's keyed state, one key per partition.

Each outcome carries its record's position and ``follows``, where that partition's reading stood before the
record (Origin). Per partition the state keeps the commit point and the delivered positions past it; the
point moves along the chain of delivered records (a record whose ``follows`` is the point moves it to the
record's offset + 1), so it never passes an offset that is not delivered, gaps in the log included. The
point starts where the group's commit stands, which is where the reader started.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

import apache_beam as beam
from apache_beam.coders import TupleCoder, VarIntCoder
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec
from apache_beam.utils.windowed_value import WindowedValue
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from wirewatch.connectors.health.faults import retry
from wirewatch.connectors.kafka.topics import Topics

log = logging.getLogger("wirewatch.commit")


def partition_key(outcome: Any, topic: str) -> Iterator[tuple[str, tuple[int, int]]]:
    """(``partition``, (offset, follows)) for an outcome read from ``topic``; nothing for any other."""
    origin = getattr(outcome, "origin", None)
    position = origin.position if origin is not None else None
    if position and position[0] == topic:
        follows = origin.follows if origin.follows is not None else position[2]
        yield str(position[1]), (position[2], follows)


class GatherPositions(beam.DoFn):
    """Outcomes -> (``partition``, ((offset, follows), ...)): ``partition_key`` of each outcome of the bundle,
    gathered by partition and passed on once in ``finish_bundle``, so the keyed commit step gets one element
    a partition a bundle, not one a story (each crosses the runner). The element carries the earliest
    timestamp of those it gathers."""

    def __init__(self, topic: str) -> None:
        self.topic = topic

    def start_bundle(self) -> None:
        self._gathered: dict[tuple[str, Any], tuple[Any, list[tuple[int, int]]]] = {}

    def process(self, outcome: Any, windowed: Any = beam.DoFn.WindowedValueParam) -> Iterator[Any]:
        self.gather(outcome, windowed)
        return iter(())

    def finish_bundle(self) -> Iterator[WindowedValue]:
        return self.gathered()

    def gather(self, outcome: Any, windowed: WindowedValue) -> None:
        """Keep ``outcome``'s position (if it has one in the topic) for its partition and windows."""
        for key, position in partition_key(outcome, self.topic):
            for window in windowed.windows:
                held = self._gathered.get((key, window))
                if held is None:
                    self._gathered[key, window] = (windowed.timestamp, [position])
                else:
                    held[1].append(position)
                    if windowed.timestamp < held[0]:
                        self._gathered[key, window] = (windowed.timestamp, held[1])

    def gathered(self) -> Iterator[WindowedValue]:
        """What was gathered since the bundle started, one element a partition and window; then none."""
        gathered, self._gathered = self._gathered, {}
        for (key, window), (timestamp, positions) in gathered.items():
            yield WindowedValue((key, tuple(positions)), timestamp, (window,))


def advance(point: int, delivered: dict[int, int]) -> int:
    """The commit point after ``delivered`` (follows -> offset): along the chain of delivered records."""
    while point in delivered:
        point = delivered.pop(point) + 1
    return point


class CommitOffsets(beam.DoFn):
    """(partition, (offset, follows)), or (partition, ((offset, follows), ...)) from ``GatherPositions``, ->
    nothing; commits each partition's point to the group's offsets. A gathered element is taken as its
    records one after another would be, with the state written once."""

    POINT = ReadModifyWriteStateSpec("point", VarIntCoder())
    PENDING = BagStateSpec("pending", TupleCoder((VarIntCoder(), VarIntCoder())))

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self.bootstrap, self.topics = bootstrap, topics

    def setup(self) -> None:
        self.committer = retry("kafka", lambda: KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.topics.group, enable_auto_commit=False))

    def start_bundle(self) -> None:
        self.moved: dict[int, int] = {}
        # Each partition's point and pending records as this bundle last wrote them. The bundle holds the
        # partition's key, so its state is read once a bundle, not twice a story (each read a round trip
        # to the runner); a retried bundle starts again from the state.
        self._held: dict[int, tuple[int, dict[int, int]]] = {}

    def process(self, element: tuple[str, Any], point_state: Any = beam.DoFn.StateParam(POINT),
                pending_state: Any = beam.DoFn.StateParam(PENDING)) -> Iterator[Any]:
        key, records = element
        if isinstance(records[0], int):  # one record's position
            records = (records,)
        partition = int(key)
        if partition in self._held:
            point, delivered = self._held[partition]
        else:
            point = point_state.read()
            if point is None:  # first outcome of this partition since the job started: where the group stands
                point = retry("kafka", lambda: self._group_point(partition))
            delivered = {f: o for o, f in pending_state.read()}
            self._held[partition] = point, delivered
        moved, fresh = point, False
        for offset, follows in records:
            if offset < moved:  # delivered again after a retried bundle, and committed already
                continue
            delivered[follows] = offset
            moved, fresh = advance(moved, delivered), True
        if not fresh:
            return iter(())
        # what advance left behind it can never be reached again (points only grow): dropped once, here
        delivered = {f: o for f, o in delivered.items() if o >= moved}
        pending_state.clear()
        for f, o in delivered.items():
            pending_state.add((o, f))
        point_state.write(moved)
        self._held[partition] = moved, delivered
        if moved != point:
            self.moved[partition] = moved
        return iter(())

    def _group_point(self, partition: int) -> int:
        tp = TopicPartition(self.topics.stories, partition)
        committed = self.committer.committed(tp)
        return committed if committed is not None else self.committer.beginning_offsets([tp])[tp]

    def finish_bundle(self) -> None:
        if self.moved:
            offsets = {TopicPartition(self.topics.stories, p): OffsetAndMetadata(o, "", -1)
                       for p, o in self.moved.items()}
            retry("kafka", lambda: self.committer.commit(offsets))
            log.debug("committed", extra={"offsets": {str(p): o for p, o in self.moved.items()}})

    def teardown(self) -> None:
        self.committer.close()
