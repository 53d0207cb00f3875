"""Beam options for bounded runs whose views are made once (imported only where a pipeline runs)."""

from __future__ import annotations

from typing import Any

from apache_beam.options.pipeline_options import PipelineOptions


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
