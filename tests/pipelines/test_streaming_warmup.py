"""streaming.warm_up: the tables the keyed step's classifier reads are loaded before the job starts, in the
process whose LOOPBACK worker sets the step up, and the step then finds them already there."""

from __future__ import annotations

from wirewatch.pipelines import streaming
from wirewatch.transforms.gazetteer import default_gazetteer


def test_warm_up_loads_the_gazetteer_the_keyed_steps_classifier_uses(monkeypatch):
    default_gazetteer.cache_clear()
    assert default_gazetteer.cache_info().currsize == 0
    streaming.warm_up()
    assert default_gazetteer.cache_info().currsize == 1
    loaded = default_gazetteer()
    built = []
    monkeypatch.setattr(streaming, "classifier", lambda: built.append(1))
    streaming.warm_up()  # what the service calls before each job: the same tables, not built again
    assert built == [1] and default_gazetteer() is loaded
