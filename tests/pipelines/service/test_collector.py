import gc

from wirewatch.connectors.health import metrics
from wirewatch.pipelines.service import GC_THRESHOLD, Collector


def test_the_collector_is_tuned_at_start_and_frozen_once_a_story_is_archived():
    threshold, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    try:
        collector = Collector()
        collector.start()
        assert gc.get_threshold() == GC_THRESHOLD
        archived = metrics.REGISTRY.get_sample_value("wirewatch_stories_out_total") or 0
        if archived == 0:  # nothing archived yet in this process: nothing frozen
            collector.tick()
            assert not collector.frozen and gc.get_freeze_count() == frozen_before
            metrics.STORIES_OUT.inc()
        collector.tick()
        assert collector.frozen and gc.get_freeze_count() > frozen_before
        count = gc.get_freeze_count()
        collector.tick()  # only once
        assert gc.get_freeze_count() == count
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
