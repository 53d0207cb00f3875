"""The console's test archive (demo.py), built once per run, and a console app over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from wirewatch.connectors.archive.query import ArchiveQuery
from wirewatch.pipelines.console.app import Console, build_app
from wirewatch.pipelines.console.health import Health
from wirewatch.pipelines.console.live import AlertHub
from wirewatch.pipelines.console.security import Access
from wirewatch.transforms.rules import default_watchlist
from tests.pipelines.console import demo

TOKEN = "a-test-token-of-32-characters-xx"


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> tuple[Path, list, list]:
    root = tmp_path_factory.mktemp("console") / "archive"
    stories, alerts = demo.build(root)
    return root, stories, alerts


def make_console(root: Path, health=None, subscribers=None) -> Console:
    return Console(ArchiveQuery(root), AlertHub(), health or (lambda: Health(False, "no metrics in this test")),
                   default_watchlist, subscribers or {}, clock=lambda: demo.NOW)


@pytest.fixture
def console(demo_archive) -> Console:
    return make_console(demo_archive[0])


def client(console: Console, host: str = "127.0.0.1", token: str | None = None, **kwargs) -> TestClient:
    app = build_app(console, Access(host, token))
    return TestClient(app, base_url=f"http://{'[::1]' if host == '::1' else host}", **kwargs)
