from tests.connectors.http.conftest import server  # noqa: F401 (the local HTTP server fixture)
