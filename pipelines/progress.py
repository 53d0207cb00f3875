"""A progress line on stderr for bounded runs (replay, enrich, backtest): files read of the total, and the
stories in them. Shown only when stderr is a terminal, and only once a run has lasted ``DELAY_S``."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

from wirewatch.connectors.files.readtally import ReadTally

DELAY_S = 3.0  # a run shorter than this prints nothing
REFRESH_S = 0.25


@contextmanager
def read_progress(total_files: int, label: str, stream: TextIO | None = None) -> Iterator[ReadTally | None]:
    """Yields the tally to hand to the run's reading step (None, and no line at all, when ``stream``,
    stderr by default, is not a terminal). The line counts files as the reading step finishes them; the
    stages fused after reading run alongside, and the last ones (writing the outputs) after it reaches the
    total, while the elapsed time keeps counting."""
    stream = stream if stream is not None else sys.stderr
    if not _is_terminal(stream):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="wirewatch-progress-") as folder:
        sized = _columns(stream) > 0  # a terminal that reports no size (some ptys) gets a fixed width
        bar = tqdm(total=total_files, desc=label, unit="file", file=stream, delay=DELAY_S,
                   dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24)
        stop = threading.Event()

        def show() -> None:
            files, stories = ReadTally.counts(folder)
            after = ", processing" if files >= total_files else ""  # the stages after reading are still running
            bar.set_postfix_str(f"{stories:,} stories{after}", refresh=False)
            moved = min(files, total_files) - bar.n
            if moved:
                bar.update(moved)
            elif bar.format_dict["elapsed"] >= DELAY_S:
                bar.refresh()  # nothing read since: keep the elapsed time honest

        def follow() -> None:
            while not stop.wait(REFRESH_S):
                show()

        thread = threading.Thread(target=follow, name="progress", daemon=True)
        thread.start()
        try:
            yield ReadTally(folder)
        finally:
            stop.set()
            thread.join()
            show()
            bar.close()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):  # io.UnsupportedOperation is an OSError
        return 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
