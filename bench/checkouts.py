"""Running a bench function inside another checkout: a fresh process with that checkout first on sys.path,
so bench scripts can measure the code of an older commit (exported with ``git archive``) side by side with
this one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_in(checkout: Path, script: Path, function: str, *args: object) -> dict:
    """``function(*args)`` of ``script`` run in a fresh process with ``checkout`` first on sys.path; the
    last line it prints, read as JSON. The script is run from its path, so the other checkout needs no copy
    of it. Nothing is cached (``WIREWATCH_CACHE=off``)."""
    call = ", ".join(repr(a) for a in args)
    code = (f"import runpy, sys; sys.path.insert(0, {str(checkout)!r}); "
            f"runpy.run_path({str(script)!r})[{function!r}]({call})")
    env = dict(os.environ, PYTHONPATH="", WIREWATCH_CACHE="off")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=checkout)
    if out.returncode != 0:
        raise SystemExit(f"measurement failed in {checkout}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])
