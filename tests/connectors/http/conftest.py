from __future__ import annotations

from typing import Iterator

import pytest

from tests.connectors.http.servers import LocalServer


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv
