"""bench/engines.py's backlog window: it starts at the first story processed (the earliest "alerted" stamp,
the stories alerted at it not counted) and the CPU at that start is read between the samples either side."""

from __future__ import annotations

import pytest

from bench.engines import cpu_between, first_processed, stories_in


def alert(story: str, alerted: str, rule: str = "r") -> dict:
    return {"story_id": story, "alerted": alerted, "rule": rule}


def test_the_first_processed_is_the_earliest_stamp_and_the_stories_alerted_at_it():
    bundle = "2026-12-07T10:00:01.500000Z"  # Prism stamps a bundle's alerts once
    alerts = [alert("c", "2026-12-07T10:00:03Z"), alert("a", bundle), alert("b", bundle),
              alert("a", bundle, rule="other"),  # a story's second alert is not a second story
              alert("d", "2026-12-07T10:00:02Z")]
    first, stories = first_processed(alerts)
    assert first == pytest.approx(1796637601.5)
    assert stories == 2


def test_a_story_counts_at_its_earliest_alert():
    first, stories = first_processed([alert("a", "2026-12-07T10:00:05Z"), alert("b", "2026-12-07T10:00:02Z"),
                                      alert("a", "2026-12-07T10:00:02Z", rule="other")])
    assert first == pytest.approx(1796637602.0) and stories == 2


def test_no_alert_says_so():
    with pytest.raises(SystemExit):
        first_processed([])


def test_the_cpu_from_a_start_between_samples_is_interpolated_per_process():
    samples = [(10.0, {1: 1.0}, {9: 0.5}),
               (11.0, {1: 3.0}, {9: 1.5}),
               (12.0, {1: 4.0, 2: 0.25}, {9: 2.0}),  # process 2 first seen here
               (14.0, {1: 8.0, 2: 1.25}, {9: 4.0})]
    engine, broker = cpu_between(samples, 10.5)
    assert engine == pytest.approx(8.0 - 2.0 + 1.25)  # process 1 at 10.5: halfway from 1.0 to 3.0
    assert broker == pytest.approx(4.0 - 1.0)
    engine, _ = cpu_between(samples, 12.0)  # a start on a sample reads that sample
    assert engine == pytest.approx(8.0 - 4.0 + 1.25 - 0.25)
    assert cpu_between(samples, 14.0) == (0.0, 0.0)


def test_the_stories_read_come_from_the_counter_line_only():
    page = ("# HELP wirewatch_stories_in_total Stories read from Kafka\n# TYPE wirewatch_stories_in_total counter\n"
            "wirewatch_stories_in_total 1234.0\nwirewatch_stories_in_created 1.7e9\n")
    assert stories_in(page) == 1234
    assert stories_in("wirewatch_stories_out_total 5.0\n") == 0
