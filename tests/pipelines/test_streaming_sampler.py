"""beamoptions.sample_bundles_every, as the service and its worker processes use it: the SDK worker's
bundles sample their steps every 20 ms, so a bundle's end waits at most that long for the sampler thread it
joins (see the function's docstring)."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.runners.worker import statesampler
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from wirewatch.pipelines.beamoptions import (BUNDLE_SAMPLING_MS, SERVICE_SAMPLING_MS, bundles_end_promptly,
                                             sample_bundles_every)


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
    assert sample_bundles_every(SERVICE_SAMPLING_MS)
    assert sample_bundles_every(SERVICE_SAMPLING_MS)  # the service starts a job again after a fault: once is as twice
    assert defaults.__defaults__ == (SERVICE_SAMPLING_MS,) and SERVICE_SAMPLING_MS <= 20
    _bundles_sample_every(SERVICE_SAMPLING_MS)
    with bundles_end_promptly():  # a bounded run in the same process: its own period, then the service's again
        assert defaults.__defaults__ == (BUNDLE_SAMPLING_MS,)
    assert defaults.__defaults__ == (SERVICE_SAMPLING_MS,)


def test_the_services_worker_processes_sample_every_20_ms(defaults, monkeypatch):
    from apache_beam.runners.worker import sdk_worker

    from wirewatch.pipelines import logs, prismworkers

    class Harness:  # stands in for the SDK harness: what the worker's bundles would sample at
        def __init__(self, *args, **kwargs):
            pass

        def run(self):
            seen.append(statesampler.StateSampler("worker", None).sampling_period_ms)

    seen: list[int] = []
    monkeypatch.setattr(sdk_worker, "SdkHarness", Harness)
    monkeypatch.setattr(logs, "setup", lambda **_: None)  # the process's logging, not this test run's
    monkeypatch.setattr(sdk_worker.SHORT_ID_CACHE, "_last_short_id", sdk_worker.SHORT_ID_CACHE._last_short_id)
    prismworkers.main(["--id", "worker-1", "--control", "127.0.0.1:1"])
    assert seen == [SERVICE_SAMPLING_MS]


def test_a_sampler_of_another_shape_is_left_alone(defaults):
    defaults.__defaults__ = (150,)  # a Beam with another default: not ours to guess at
    assert not sample_bundles_every(SERVICE_SAMPLING_MS)
    with bundles_end_promptly():
        assert defaults.__defaults__ == (150,)
    assert defaults.__defaults__ == (150,)
