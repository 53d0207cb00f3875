"""The architecture as the code must keep it: the import rules (pipelines -> connectors, transforms -> base,
checked by import-linter from pyproject.toml), and one installed import name, ``wirewatch``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT)], cwd=where, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"})


def test_the_import_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_forbidden_import_breaks_the_contracts(tmp_path):
    """The check can fail: a connector that imports a transform is caught, and so is base importing up."""
    shutil.copytree(ROOT / "wirewatch", tmp_path / "wirewatch", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    planted = tmp_path / "wirewatch" / "connectors" / "http" / "retryafter.py"
    planted.write_text(planted.read_text() + "\nfrom wirewatch.transforms import normalize  # noqa\n")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "wirewatch.connectors.http.retryafter -> wirewatch.transforms.normalize" in done.stdout

    planted.write_text(planted.read_text().replace("from wirewatch.transforms import normalize  # noqa\n", ""))
    base = tmp_path / "wirewatch" / "text.py"
    base.write_text(base.read_text() + "\nfrom wirewatch.pipelines import logs  # noqa\n")
    done = lint(tmp_path)
    assert done.returncode != 0 and "wirewatch.text -> wirewatch.pipelines.logs" in done.stdout


def test_the_wheel_installs_one_import_name(tmp_path):
    """`pip install .` puts only `wirewatch` into site-packages: no top-level connectors/transforms/pipelines
    to collide with other packages; the folders are there as wirewatch.connectors and so on, as files."""
    source = tmp_path / "source"  # a copy: building writes build/ and egg-info beside the sources
    for name in ("wirewatch", "connectors", "transforms", "pipelines"):
        shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True, timeout=600)
    wheel = next((tmp_path / "dist").glob("wirewatch-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"wirewatch"}
    assert "wirewatch/connectors/kafka/topics.py" in names and "wirewatch/transforms/data/watchlist.yaml" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    check = (
        "import importlib.util as u, sys\n"
        f"sys.path[:0] = [{str(target)!r}]\n"
        "assert all(u.find_spec(n) is None for n in ('connectors', 'transforms', 'pipelines'))\n"
        "assert u.find_spec('wirewatch.connectors.kafka.topics') and u.find_spec('wirewatch.pipelines.cli')\n"
        "print('ok')\n"
    )
    # The base interpreter without site-packages: nothing but the unpacked wheel and the standard library.
    done = subprocess.run([sys._base_executable, "-I", "-S", "-c", check], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.stdout.strip() == "ok", done.stderr
