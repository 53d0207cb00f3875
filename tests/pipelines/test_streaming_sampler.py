"""streaming.prompt_bundle_ends: the SDK worker's bundles sample their steps every 20 ms, so a bundle's end
waits at most that long for the sampler thread it joins (see the function's docstring)."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.runners.worker import statesampler
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from wirewatch.pipelines import streaming


class _Period(beam.DoFn):
    """Each element -> the sampling period of the bundle's sampler, as the worker made it."""

    def process(self, element: int):
        yield statesampler.get_current_tracker().sampling_period_ms


@pytest.fixture
def defaults(monkeypatch):
    """The sampler's defaults as they were, restored after the test."""
    init = statesampler.StateSampler.__init__
    monkeypatch.setattr(init, "__defaults__", init.__defaults__)
    return init


def _bundles_sample_every(period_ms: int) -> None:
    """A pipeline on Beam's SDK worker (its BundleProcessor, as Prism's LOOPBACK worker runs bundles)."""
    with TestPipeline(runner="FnApiRunner") as p:
        periods = p | beam.Create([1, 2]) | beam.ParDo(_Period()) | beam.Distinct()
        assert_that(periods, equal_to([period_ms]))


def test_the_workers_bundles_sample_every_20_ms(defaults):
    _bundles_sample_every(statesampler.DEFAULT_SAMPLING_PERIOD_MS)  # Beam's 200 ms
    streaming.prompt_bundle_ends()
    streaming.prompt_bundle_ends()  # the service starts a job again after a fault: once is as twice
    assert defaults.__defaults__ == (streaming.SAMPLING_PERIOD_MS,)
    _bundles_sample_every(streaming.SAMPLING_PERIOD_MS)


def test_a_sampler_of_another_shape_is_left_alone(defaults):
    defaults.__defaults__ = (150,)  # a Beam with another default: not ours to guess at
    streaming.prompt_bundle_ends()
    assert defaults.__defaults__ == (150,)
