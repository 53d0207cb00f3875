"""The Beam engine of bounded runs (pipelines/bounded.py) hands stories over between its steps cheaply. The
runner estimates the size of a gathered list at every operation it passes and sizes a record by pickling
it, so a record in a gather used to be pickled many times per run. Now a story is pickled once (its hand-over
to the one gather, which settles clusters and writes the outputs, either archive included), read stories
travel in batches the runner sizes without pickling them, and no enriched story crosses a step at all."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from tests.conftest import DATA
from wirewatch.pipelines import bounded
from wirewatch.records import EnrichedStory, Story
from wirewatch.transforms.rules import default_watchlist

STORIES = 300


def _pickles(tmp_path: Path, monkeypatch, archive: dict) -> Counter[str]:
    """How many times a Beam bounded run over STORIES stories pickled a Story and an EnrichedStory."""
    rows = [orjson.loads(line) for line in (DATA / "geotag" / "multilingual.jsonl").read_bytes().splitlines()]
    source = tmp_path / "stories.jsonl"
    source.write_bytes(b"".join(orjson.dumps({**rows[i % len(rows)], "id": f"s{i}"}) + b"\n"
                                for i in range(STORIES)))
    pickled: Counter[str] = Counter()
    for cls in (Story, EnrichedStory):
        def counted(self, state=cls.__getstate__, name=cls.__name__):
            pickled[name] += 1
            return state(self)

        monkeypatch.setattr(cls, "__getstate__", counted)
    outputs = bounded.Outputs(tmp_path / "s.jsonl", tmp_path / "a.jsonl", tmp_path / "d.jsonl", **archive)
    bounded.run([str(source)], outputs, default_watchlist(), engine="beam")
    assert len(outputs.stories.read_bytes().splitlines()) == STORIES
    return pickled


def test_a_story_is_pickled_about_once(tmp_path, monkeypatch) -> None:
    pickled = _pickles(tmp_path, monkeypatch, {})
    assert pickled["Story"] <= STORIES * 1.1  # was 14 times each, then 1.3
    assert pickled["EnrichedStory"] <= STORIES / 10  # was 7 times each, then 48 of 300


def test_with_one_worker_no_story_is_pickled(tmp_path, monkeypatch) -> None:
    """The default runner's one worker: the files are read after the gather, in the step that reads each
    story, so no story crosses a step (the gather carries the file names)."""
    assert _pickles(tmp_path, monkeypatch, {})["Story"] == 0


@pytest.mark.parametrize("args", [[], ["--direct_num_workers=2"]])
def test_a_beam_run_counts_the_files_and_stories_it_reads(tmp_path, args) -> None:
    from wirewatch.connectors.files.readtally import ReadTally

    source, folder = _story_file(tmp_path, 7), tmp_path / "tally"
    folder.mkdir()
    outputs = bounded.Outputs(tmp_path / "s.jsonl", tmp_path / "a.jsonl", tmp_path / "d.jsonl")
    bounded.run([str(source)], outputs, default_watchlist(), engine="beam", pipeline_args=args,
                tally=ReadTally(folder))
    assert ReadTally.counts(folder) == (1, 7)


def test_the_text_archive_pickles_an_enriched_story_about_once(tmp_path, monkeypatch) -> None:
    pickled = _pickles(tmp_path, monkeypatch, {"archive": tmp_path / "archive", "archive_format": "jsonl"})
    assert len(list((tmp_path / "archive").rglob("*.jsonl"))) > 0
    assert pickled["Story"] <= STORIES * 1.1
    assert pickled["EnrichedStory"] <= STORIES / 10  # was 8 times each, then 1.1


def test_the_parquet_archive_pickles_an_enriched_story_about_once(tmp_path, monkeypatch) -> None:
    pickled = _pickles(tmp_path, monkeypatch, {"archive": tmp_path / "archive"})
    assert len(list((tmp_path / "archive").rglob("*.parquet"))) > 0
    assert pickled["Story"] <= STORIES * 1.1
    assert pickled["EnrichedStory"] <= STORIES / 10  # was 8 times each, then 1.2


def _story_file(tmp_path: Path, count: int) -> Path:
    source = tmp_path / "few.jsonl"
    source.write_bytes(b"".join(orjson.dumps({"id": f"s{i}", "body": f"Strikes in Paris, day {i}."}) + b"\n"
                                for i in range(count)) + b"not json\n")
    return source


def test_a_run_is_two_stages_and_the_per_story_step_is_made_once_per_process(tmp_path, monkeypatch) -> None:
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    from wirewatch.transforms import steps

    bundles, made = [], []
    execute, read_alone = fn_runner.FnApiRunner._execute_bundle, steps.read_alone

    def counted_bundle(self, *args, **kwargs):
        bundles.append(1)
        return execute(self, *args, **kwargs)

    def counted_step(*args, **kwargs):
        made.append(1)
        return read_alone(*args, **kwargs)

    monkeypatch.setattr(fn_runner.FnApiRunner, "_execute_bundle", counted_bundle)
    monkeypatch.setattr(steps, "read_alone", counted_step)
    bounded.loaded_reader.cache_clear()
    bounded._carried.cache_clear()
    source, watchlist = _story_file(tmp_path, 5), default_watchlist()
    for run in range(2):
        outputs = bounded.Outputs(tmp_path / f"s{run}.jsonl", tmp_path / f"a{run}.jsonl", tmp_path / f"d{run}.jsonl")
        bounded.run([str(source)], outputs, watchlist, engine="beam")
        assert len(outputs.stories.read_bytes().splitlines()) == 5
        assert len(outputs.deadletter.read_bytes().splitlines()) == 1
    assert len(bundles) == 4  # read each story, then settle and write; was five stages a run
    assert len(made) == 1  # the second run's workers kept the first one's step (its matcher's word table)
    assert bounded._carried.cache_info().misses == 1  # and the second run's DoFn the watch list's pickle


def test_the_options_make_each_view_once_and_every_view_sees_a_change() -> None:
    from apache_beam.options.pipeline_options import DebugOptions, StandardOptions

    made = bounded.options(["--direct_num_workers=2"])
    assert made.view_as(StandardOptions) is made.view_as(StandardOptions)
    made.view_as(DebugOptions).experiments = ["x"]
    assert made.view_as(StandardOptions).runner == bounded.BOUNDED_RUNNER
    assert made.get_all_options()["experiments"] == ["x"]
    assert made.get_all_options()["direct_num_workers"] == 2


@pytest.mark.parametrize("args, one", [([], True), (["--direct_num_workers=2"], False),
                                       (["--runner=PrismRunner"], False)])
def test_one_worker_is_the_default_runner_with_its_default_worker(args, one) -> None:
    assert bounded.one_worker(bounded.options(args)) is one


@pytest.mark.parametrize("args, here", [([], True), (["--direct_running_mode=multi_threading"], True),
                                        (["--direct_running_mode=multi_processing"], False),
                                        (["--direct_num_workers=2"], False), (["--runner=PrismRunner"], False)])
def test_in_this_process_is_one_worker_not_in_a_process_of_its_own(args, here) -> None:
    assert bounded.in_this_process(bounded.options(args)) is here


def test_a_step_in_this_process_names_the_watch_list_rather_than_carry_it(tmp_path, monkeypatch) -> None:
    """The runner compresses each step's pickle; with the one worker in this process no step holds the watch
    list's (about 30 KB compressed), and the run still matches with it."""
    import bz2

    compressed, compress = [], bz2.compress

    def noted(data, *args, **kwargs):
        compressed.append(len(data))
        return compress(data, *args, **kwargs)

    monkeypatch.setattr(bz2, "compress", noted)
    watchlist = default_watchlist()
    assert len(bounded.carried(watchlist).data) > 20_000
    source = tmp_path / "s.jsonl"
    body = "North Korea launched an intercontinental ballistic missile on Friday."
    source.write_bytes(orjson.dumps({"id": "x", "body": body, "title": "Missile launch"}) + b"\n")
    outputs = bounded.Outputs(tmp_path / "s.jsonl.out", tmp_path / "a.jsonl", tmp_path / "d.jsonl")
    bounded.run([str(source)], outputs, watchlist, engine="beam")
    assert compressed and max(compressed) < 20_000
    assert orjson.loads(outputs.stories.read_bytes())["matches"]


def test_stories_read_before_or_after_the_gather_give_the_same_bytes(tmp_path) -> None:
    """With one worker each story is read after the gather; with more, where it is, before the gather."""
    from wirewatch.transforms import ptransforms

    source, watchlist = _story_file(tmp_path, 30), default_watchlist()
    got, plans = {}, []
    real = ptransforms.FinishBoundedInput.expand

    def noted(self, read):
        plans.append(self.read_after_gather)
        return real(self, read)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ptransforms.FinishBoundedInput, "expand", noted)
        for engine, args in (("local", []), ("beam", []), ("beam", ["--direct_num_workers=2"])):
            folder = tmp_path / f"{engine}{len(args)}"
            outputs = bounded.Outputs(folder / "s.jsonl", folder / "a.jsonl", folder / "d.jsonl")
            bounded.run([str(source)], outputs, watchlist, engine=engine, pipeline_args=args)
            got[folder.name] = [p.read_bytes() for p in (outputs.stories, outputs.alerts, outputs.deadletter)]
    assert plans == [True, False]
    assert got["local0"] == got["beam0"] == got["beam1"]
    assert len(got["local0"][0].splitlines()) == 30 and len(got["local0"][2].splitlines()) == 1


def test_a_beam_run_samples_its_bundles_often_so_they_end_promptly(tmp_path, monkeypatch) -> None:
    """Each bundle's sampling thread is joined when the bundle ends; at Beam's 200 ms it kept the gather's
    bundle waiting up to that long after its last element. The run's bundles sample at most every
    BUNDLE_SAMPLING_MS; Beam's own default is back after the run, for other pipelines of the process."""
    from apache_beam.runners.worker import bundle_processor, statesampler

    from wirewatch.pipelines.beamoptions import BUNDLE_SAMPLING_MS

    periods, made = [], bundle_processor.BundleProcessor.__init__

    def noted(self, *args, **kwargs):
        made(self, *args, **kwargs)
        periods.append(self.state_sampler.sampling_period_ms)

    monkeypatch.setattr(bundle_processor.BundleProcessor, "__init__", noted)
    source = _story_file(tmp_path, 3)
    outputs = bounded.Outputs(tmp_path / "s.jsonl", tmp_path / "a.jsonl", tmp_path / "d.jsonl")
    bounded.run([str(source)], outputs, default_watchlist(), engine="beam")
    assert len(outputs.stories.read_bytes().splitlines()) == 3
    assert periods and set(periods) == {BUNDLE_SAMPLING_MS} and BUNDLE_SAMPLING_MS <= 20
    assert statesampler.StateSampler("after", None).sampling_period_ms == statesampler.DEFAULT_SAMPLING_PERIOD_MS


def test_a_beam_run_reads_each_dofns_signatures_once(tmp_path, monkeypatch) -> None:
    """Beam asks for a DoFn's state and timer parameters many times a run, each ask an inspect.signature of
    every method: inside a bounded run each DoFn object's are read once, and Beam's function is back after."""
    from apache_beam.transforms import userstate

    read, asked = userstate.get_dofn_specs, Counter()

    def counted(dofn):
        asked[id(dofn)] += 1
        return read(dofn)

    monkeypatch.setattr(userstate, "get_dofn_specs", counted)
    source = _story_file(tmp_path, 3)
    outputs = bounded.Outputs(tmp_path / "s.jsonl", tmp_path / "a.jsonl", tmp_path / "d.jsonl")
    bounded.run([str(source)], outputs, default_watchlist(), engine="beam")
    assert len(outputs.stories.read_bytes().splitlines()) == 3
    assert asked and set(asked.values()) == {1}  # each DoFn object was asked for 2-6 times before
    assert userstate.get_dofn_specs is counted


def test_signatures_read_once_are_beams_answer_for_a_stateful_dofn() -> None:
    import apache_beam as beam
    from apache_beam.coders import VarIntCoder
    from apache_beam.transforms import userstate

    from wirewatch.pipelines.beamoptions import dofn_specs_once

    class Counting(beam.DoFn):
        COUNT = userstate.ReadModifyWriteStateSpec("count", VarIntCoder())

        def process(self, element, count=beam.DoFn.StateParam(COUNT)):
            yield element

    dofn, plain = Counting(), beam.DoFn()
    with dofn_specs_once():
        twice = [userstate.get_dofn_specs(dofn), userstate.get_dofn_specs(dofn), userstate.get_dofn_specs(plain)]
    expected = userstate.get_dofn_specs(dofn)
    assert twice[0] == twice[1] == expected and {s.name for s in expected[0]} == {"count"}
    assert twice[2] == userstate.get_dofn_specs(plain) == (set(), set())
