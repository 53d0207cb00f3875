"""Bounded runs (replay of saved files, enrich of JSONL): wiring only. Two engines run the same step bodies
(transforms/steps.py): Beam's FnApiRunner, or any runner ``--runner`` names, and the in-process loop of
pipelines/local.py, which starts without importing Beam. ``choose_engine`` says which a command gets."""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from wirewatch.connectors.archive.layout import SUFFIX as ARCHIVE_SUFFIX
from wirewatch.connectors.files.read import expand_paths
from wirewatch.connectors.files.readtally import ReadTally
from wirewatch.transforms.dedupe import story_order
from wirewatch.records import Alert, DeadLetter, EnrichedStory, Story
from wirewatch.transforms.rules import WatchList

if TYPE_CHECKING:
    import apache_beam as beam

    from wirewatch.transforms.ptransforms import Carried
    from wirewatch.transforms.steps import Read
    from apache_beam.options.pipeline_options import PipelineOptions

ENGINES = ("auto", "local", "beam")


class EngineError(ValueError):
    """An engine asked for that cannot run the inputs or options given. Not retriable: change the command."""

    retriable = False
BOUNDED_RUNNER = "FnApiRunner"  # named explicitly: the default DirectRunner tries to download Prism first


@dataclass(frozen=True)
class Outputs:
    stories: Path
    alerts: Path
    deadletter: Path
    archive: Path | None = None
    archive_format: str = "parquet"  # or "jsonl": the text archive (connectors/sinks/files.py)


def options(pipeline_args: Sequence[str] = ()) -> PipelineOptions:
    """Beam options for a bounded run: ``pipeline_args`` as given on the command line (``--runner=...`` and
    any other Beam option), on top of the default runner."""
    from wirewatch.pipelines.beamoptions import ViewsOnce

    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    return ViewsOnce([f"--runner={BOUNDED_RUNNER}", *pipeline_args])


def alert_key(alert: Alert) -> tuple[str, str]:
    return (alert.rule, alert.id)


def dead_key(dead: DeadLetter) -> tuple:
    """File, then line as a number (``a.jsonl:10`` after ``a.jsonl:9``), then stage and reason."""
    return (dead.origin.sort_key(), dead.stage, dead.reason)


def _enriched_by_time(e: EnrichedStory) -> tuple:
    return story_order(e.story)


def _enriched_by_input(e: EnrichedStory) -> tuple:
    origin = e.story.origin
    return (origin.sort_key() if origin else ("", -1, 0), e.id)


def enriched_order(keep_input_order: bool) -> Callable[[EnrichedStory], tuple]:
    """The order the stories file is written in: as read (enrich), else by time (replay)."""
    return _enriched_by_input if keep_input_order else _enriched_by_time


def choose_engine(requested: str, files: Sequence[str], pipeline_args: Sequence[str] = ()) -> str:
    """``local`` or ``beam`` for a bounded run over ``files``. ``auto`` (the commands' default) is Beam when
    any Beam option is given (``--runner``, ``--direct_num_workers``, ...: only Beam can honour them) or an
    input is a Parquet archive file (read by Beam's archive reader), and the in-process loop otherwise:
    one worker either way, and the loop skips Beam's import and per-run set-up."""
    if requested not in ENGINES:
        raise EngineError(f"engine {requested!r}: one of {', '.join(ENGINES)}")
    needs_beam = [*pipeline_args[:1], *[f for f in files if f.endswith(ARCHIVE_SUFFIX)][:1]]
    if requested == "local" and needs_beam:
        raise EngineError(f"the local engine cannot take {needs_beam[0]} (Beam options and archive files need "
                          "--engine beam or auto)")
    if requested != "auto":
        return requested
    return "beam" if needs_beam else "local"


@functools.lru_cache(maxsize=1)
def loaded_gazetteer() -> Any:
    """The gazetteer from the compiled cache (pipelines/warmstart.py), loaded once per process: Beam sets its
    steps up again for every pipeline a process runs, and the local engine runs once per pipeline too."""
    from wirewatch.pipelines import warmstart

    return warmstart.gazetteer()


def run(paths: list[str], outputs: Outputs, watchlist: WatchList, *, keep_input_order: bool = False,
        pipeline_args: Sequence[str] = (), tally: ReadTally | None = None, engine: str = "beam") -> None:
    """Read ``paths``, enrich, and write the outputs named in ``outputs``; returns when the run is done.
    ``tally`` counts the files and stories read, for a progress line (pipelines/progress.py). ``engine``:
    see ``choose_engine``; both write the same bytes."""
    files = expand_paths(paths)
    if choose_engine(engine, files, pipeline_args) == "local":
        from wirewatch.pipelines import local

        local.run(files, outputs, watchlist, keep_input_order=keep_input_order, tally=tally)
        return
    _run_beam(files, outputs, watchlist, keep_input_order=keep_input_order, pipeline_args=pipeline_args,
              tally=tally)


READ_BATCH = 250  # stories per element between reading and the gather (see connectors/files/beamio.ReadBatches)


@functools.lru_cache(maxsize=4)
def loaded_reader(watchlist: Carried | Here | None) -> Callable[[Story], Read | DeadLetter]:
    """steps.read_alone with the gazetteer from the compiled cache and ``watchlist``'s matcher, made once per
    process for each watch list (ptransforms.Reader): Beam sets its steps up again for every pipeline a
    process runs, and a matcher made anew would also start with an empty word table (the compiled core
    keeps one per matcher, filled as it matches)."""
    from wirewatch.transforms.steps import read_alone

    if isinstance(watchlist, Here):
        watchlist = _HERE[watchlist.digest]
    return read_alone(loaded_gazetteer(), watchlist.value() if watchlist is not None else None)


def carried(watchlist: WatchList) -> Carried:
    """``watchlist`` as the per-story step's DoFn carries it, made once per process for each watch list:
    pickling a watch list's query trees, every term expanded to its inflections, is a large part of a
    run's set-up."""
    try:
        return _carried(watchlist)
    except TypeError:  # a watch list that cannot be hashed (a list in a rule's fields) is carried afresh
        from wirewatch.transforms.ptransforms import Carried

        return Carried(watchlist)


@functools.lru_cache(maxsize=4)
def _carried(watchlist: WatchList) -> Carried:
    from wirewatch.transforms.ptransforms import Carried

    return Carried(watchlist)


@dataclass(frozen=True)
class Here:
    """A carried watch list named by its digest, for a step whose workers run in this process (one worker, in
    memory): the runner pickles each step and compresses the pickle (bz2, at its slowest level) several
    times a run, and a step that names the watch list is a few bytes where one that carries it holds its
    whole compressed pickle. ``loaded_reader`` finds it again in ``_HERE``."""

    digest: bytes


_HERE: dict[bytes, Carried] = {}  # the watch lists named by a Here in this process (the last few)


def carried_here(watchlist: WatchList) -> Here:
    """``watchlist``'s carried form (``carried``) kept in this process, named by its digest."""
    found = carried(watchlist)
    digest = hashlib.blake2b(found.data, digest_size=16).digest()
    _HERE[digest] = _HERE.pop(digest, found)
    while len(_HERE) > 4:
        del _HERE[next(iter(_HERE))]
    return Here(digest)


def in_this_process(chosen: PipelineOptions) -> bool:
    """Whether the options run a pipeline on one worker in this process (``one_worker``, not in a process of
    its own)."""
    from apache_beam.options.pipeline_options import DirectOptions

    return one_worker(chosen) and chosen.view_as(DirectOptions).direct_running_mode != "multi_processing"


def _run_beam(files: list[str], outputs: Outputs, watchlist: WatchList, *, keep_input_order: bool,
              pipeline_args: Sequence[str], tally: ReadTally | None) -> None:
    """Read, each story read alone where it is, then one gather where the clusters are settled and the
    outputs written (``write_outputs``, as the local engine writes them)."""
    import apache_beam as beam

    from wirewatch.transforms.ptransforms import FinishBoundedInput

    from wirewatch.connectors.files.beamio import StoryBatch, keyed_batch, keyed_files
    from wirewatch.pipelines.beamoptions import bundles_end_promptly, dofn_specs_once

    write = functools.partial(write_outputs, outputs, keep_input_order=keep_input_order)
    chosen = options(pipeline_args)
    # the gather's bundle lasts as long as the run's work: it ends promptly, not up to 200 ms after it
    with bundles_end_promptly(), dofn_specs_once(), beam.Pipeline(options=chosen) as p:
        alone = one_worker(chosen)
        if alone and not any(f.endswith(ARCHIVE_SUFFIX) for f in files):
            # nothing to share the stories out to: the files themselves are read after the gather, in the
            # step that reads each story, so no story crosses a step
            read = p | "Start" >> beam.Impulse() | "ListFiles" >> beam.Map(keyed_files, files, tally)
        elif alone:  # an archive's stories come one per element: each is read after the gather
            read = read_inputs(p, files, tally) | "KeyStories" >> beam.Map(keyed_batch).with_output_types(
                tuple[Any, StoryBatch])
        else:
            read = read_inputs(p, files, tally)
        # the workers keep the per-story step, its gazetteer loaded from the compiled cache as the local
        # engine's is, from one run to the next
        _ = read | "EnrichAndWrite" >> FinishBoundedInput(
            watchlist, write, reader=loaded_reader, carry=carried_here if in_this_process(chosen) else carried,
            read_after_gather=alone)


def one_worker(chosen: PipelineOptions) -> bool:
    """Whether the options run a pipeline on one worker: the default runner (in this process) and its
    default of one worker."""
    from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

    return (chosen.view_as(StandardOptions).runner == BOUNDED_RUNNER
            and chosen.view_as(DirectOptions).direct_num_workers == 1)


def write_outputs(outputs: Outputs, enriched: list[EnrichedStory], alerts: list[Alert], dead: list[DeadLetter],
                  *, keep_input_order: bool = False) -> None:
    """A bounded run's files, each in its order (the same bytes whichever engine computed the records), each
    durable when this returns; the three JSON Lines files wait for the disk together (``write_atomic_all``)."""
    from wirewatch.connectors.sinks.files import jsonl_bytes, write_archive, write_atomic_all

    write_atomic_all([(outputs.stories, jsonl_bytes(sorted(enriched, key=enriched_order(keep_input_order)))),
                      (outputs.alerts, jsonl_bytes(sorted(alerts, key=alert_key))),
                      (outputs.deadletter, jsonl_bytes(sorted(dead, key=dead_key)))])
    if outputs.archive is not None and outputs.archive_format == "jsonl":
        write_archive(outputs.archive, enriched)
    elif outputs.archive is not None:
        from wirewatch.connectors.archive.writer import ParquetArchive, input_order  # pyarrow: only when asked

        ParquetArchive(outputs.archive).write(sorted(enriched, key=input_order))


def read_inputs(p: beam.Pipeline, files: list[str], tally: ReadTally | None = None) -> beam.PCollection:
    """The stories and dead letters of saved files, as ``ReadBatches`` gives them (batches of one file's
    items; an empty batch first); Parquet archive files (a folder given to replay) are read as the stories
    they archived, one per element, dead letters beside them, so a new watch list can run over history."""
    import apache_beam as beam

    from wirewatch.connectors.archive.beamio import ReadArchivedStories
    from wirewatch.connectors.files.beamio import ReadBatches

    archived = [f for f in files if f.endswith(ARCHIVE_SUFFIX)]
    read = p | "ReadStories" >> ReadBatches([f for f in files if not f.endswith(ARCHIVE_SUFFIX)], tally,
                                            batch=READ_BATCH)
    if not archived:
        return read
    old, dead_old = p | "ReadArchive" >> ReadArchivedStories(archived, tally)
    return (read, old, dead_old) | "FlattenRead" >> beam.Flatten()
