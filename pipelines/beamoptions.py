"""Beam options for bounded runs whose views are made once, the per-bundle sampling period of the workers in
this process (bounded runs and the service), and DoFn signatures read once a run (imported only where a
pipeline runs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from apache_beam.options.pipeline_options import PipelineOptions

# The longest sleep of the state-sampling thread of a bundle run in this process (Beam's default: 200 ms):
# in a bounded run, and in the always-on service and its workers (see sample_bundles_every).
BUNDLE_SAMPLING_MS = 10
SERVICE_SAMPLING_MS = 20


class ViewsOnce(PipelineOptions):
    """PipelineOptions whose ``view_as`` makes each class's view once and hands the same view out again.
    Beam asks for a view some seventy times while it builds and runs one small pipeline, and each view is a
    new argument parser over all of that class's options and a parse of the flags: a large part of a
    bounded run's fixed cost. A view holds no state of its own (every view reads and writes the options'
    one shared dict), so the same view serves each of those asks."""

    def view_as(self, cls: type[Any]) -> Any:
        views = self.__dict__.get("_views")
        if views is None:
            views = {}
            object.__setattr__(self, "_views", views)  # PipelineOptions.__setattr__ takes option names only
        view = views.get(cls)
        if view is None:
            view = views[cls] = super().view_as(cls)
        return view


def sample_bundles_every(period_ms: int) -> bool:
    """Bundles that this process's SDK worker sets up from now on sample their state at most every
    ``period_ms`` rather than every 200 ms. The worker starts a sampling thread with each bundle, whose
    sleep grows from 2 ms by a fifth each time up to that cap, and ends the bundle by joining it: a bundle
    that lasts a second or more (a bounded run's gather, the service's one-key step under a backlog) ended
    some 0-200 ms after its last element, idle; the service's one-key step runs one bundle at a time, so it
    ran nothing meanwhile (Beam 2.77, runners/worker/statesampler_fast.pyx). Beam takes the period from
    ``StateSampler``'s default argument and from no option, so that default is changed; only the time
    counters' granularity changes. A Beam whose sampler has a default other than its own 200 ms or one we
    set is left alone (returns False)."""
    from apache_beam.runners.worker import statesampler

    init = statesampler.StateSampler.__init__
    known = {statesampler.DEFAULT_SAMPLING_PERIOD_MS, BUNDLE_SAMPLING_MS, SERVICE_SAMPLING_MS, period_ms}
    if init.__defaults__ not in {(ms,) for ms in known}:
        return False
    init.__defaults__ = (period_ms,)
    return True


@contextmanager
def bundles_end_promptly(period_ms: int = BUNDLE_SAMPLING_MS) -> Iterator[None]:
    """``sample_bundles_every(period_ms)`` for the bundles set up inside the block; Beam's default after it."""
    from apache_beam.runners.worker import statesampler

    init = statesampler.StateSampler.__init__
    before = init.__defaults__
    changed = sample_bundles_every(period_ms)
    try:
        yield
    finally:
        if changed:
            init.__defaults__ = before


@contextmanager
def dofn_specs_once() -> Iterator[None]:
    """Inside the block, Beam reads each DoFn's state and timer parameters (``userstate.get_dofn_specs``) once
    per DoFn object and answers again from that. Beam asks some sixteen times for the few DoFns of a bounded
    run (building the steps, translating them, checking for state, setting up each bundle's operations), and
    each ask takes ``inspect.signature`` of every method the DoFn has: ~6 ms of a one-story run's ~40 ms of
    CPU. The answer depends only on the object's methods, which a run does not change; objects are held
    until the block ends, so an id is not reused within it. Beam's function is back after the block."""
    from apache_beam.transforms import userstate

    read = userstate.get_dofn_specs
    seen: dict[int, tuple[Any, Any]] = {}

    def once(dofn: Any) -> Any:
        found = seen.get(id(dofn))
        if found is None or found[0] is not dofn:
            found = seen[id(dofn)] = (dofn, read(dofn))
        return found[1]

    userstate.get_dofn_specs = once
    try:
        yield
    finally:
        userstate.get_dofn_specs = read
