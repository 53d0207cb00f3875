"""The default streaming job's shape: a story passes two keyed steps, the one that enriches and alerts
(transforms/streamchain.py) and the offset commits; the sinks run in the first one's stage, so an alert is
sent one hand-over after the read. With --workers the steps stay apart (pipelines/prismworkers.py)."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.portability import common_urns
from apache_beam.portability.api import beam_runner_api_pb2

from wirewatch.connectors.kafka.topics import Topics, ensure_topics
from wirewatch.pipelines import streaming
from wirewatch.transforms.rules import default_watchlist

pytestmark = pytest.mark.kafka


def _keyed_steps(fused: bool, bootstrap: str) -> list[str]:
    p = beam.Pipeline(options=streaming.options(None, ()))
    streaming.build(p, bootstrap, default_watchlist(), "archive", Topics.from_env(), fused=fused)
    found = []
    for transform in p.to_runner_api().components.transforms.values():
        if transform.spec.urn == common_urns.primitives.PAR_DO.urn:
            payload = beam_runner_api_pb2.ParDoPayload.FromString(transform.spec.payload)
            if payload.state_specs:
                found.append(transform.unique_name.rsplit("/", 1)[-1])
    return sorted(found)


def test_the_default_job_keys_a_story_twice_and_the_split_job_five_times(fresh_topics):
    ensure_topics(fresh_topics)
    assert _keyed_steps(True, fresh_topics) == ["CommitOffsets", "EnrichAndAlert"]
    assert _keyed_steps(False, fresh_topics) == ["AssignClusters", "CommitOffsets", "JoinVersionsInState",
                                                 "SuppressRepeatAlerts", "TraceClustersInState"]
