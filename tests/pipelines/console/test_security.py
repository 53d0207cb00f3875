"""Who may use the console: the bind address decides whether a token is needed; forms from other sites and
other Host names are refused."""

from __future__ import annotations

import pytest

from wirewatch.pipelines.console.security import COOKIE, Access, ConsoleConfigError
from wirewatch.pipelines.console.views import safe_next, safe_url
from tests.pipelines.console.conftest import TOKEN, client


def test_a_token_is_needed_anywhere_but_this_machine():
    for host in ("127.0.0.1", "::1", "localhost"):
        assert Access(host).local
    for host in ("0.0.0.0", "127.0.0.2", "192.0.2.10"):
        with pytest.raises(ConsoleConfigError, match="needs a token"):
            Access(host)
    with pytest.raises(ConsoleConfigError, match="at least 16"):
        Access("0.0.0.0", "short")
    assert TOKEN not in Access("0.0.0.0", TOKEN).session


def test_with_a_token_every_page_wants_it_and_the_cookie_works(console):
    web = client(console, "127.0.0.2", TOKEN, follow_redirects=False)
    assert web.get("/search", headers={"Accept": "text/html"}).status_code == 401
    assert web.get("/static/console.css").status_code == 200 and web.get("/login").status_code == 200
    signed = web.post("/login", data={"token": TOKEN, "next": "//evil.example/"})
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert "httponly" in signed.headers["set-cookie"].lower() and "samesite=strict" in signed.headers["set-cookie"].lower()
    assert web.get("/search").status_code == 200  # the cookie the login set
    for value, status in ((Access("127.0.0.2", TOKEN).session, 200), ("0" * 64, 401), (TOKEN, 401)):
        fresh = client(console, "127.0.0.2", TOKEN)
        fresh.cookies.set(COOKIE, value)
        assert fresh.get("/search").status_code == status


def test_forms_from_other_sites_and_foreign_host_names_are_refused(console):
    web = client(console)
    refused = web.post("/preview", data={"rules": "rules: []"}, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert web.post("/preview", data={"rules": "rules: []"}, headers={"Origin": "http://127.0.0.1"}).status_code == 200
    assert web.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_links_and_redirects_stay_safe():
    assert safe_url("javascript:alert(1)") is None and safe_url("https://voanews.com/a") == "https://voanews.com/a"
    assert safe_next("/search?x=1") == "/search?x=1"
    assert safe_next("//evil.example") == safe_next("https://evil.example") == safe_next("/\\evil") == "/"
