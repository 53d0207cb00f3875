"""The console in a real headless Chromium: live alerts arrive without a reload, the story page highlights
the seed's evidence, hostile story text stays text, and a console off 127.0.0.1 refuses requests without its
token. With $WIREWATCH_SCREENSHOTS set, each page is saved there (docs/ holds the README's)."""

from __future__ import annotations

import dataclasses
import time

import httpx2 as httpx
import orjson
import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from wirewatch.connectors.health.web import WebServer
from wirewatch.connectors.kafka.topics import Publisher, ensure_topics, topic_specs
from wirewatch.pipelines.console import cli as console_cli
from wirewatch.pipelines.console.app import build_app
from wirewatch.pipelines.console.health import Health
from wirewatch.pipelines.console.security import Access
from tests.pipelines.console import demo
from tests.pipelines.console.browser import chromium, screenshot
from tests.pipelines.console.conftest import TOKEN, make_console


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def healthy() -> Health:
    return Health(True, lag={"0": 0, "1": 2, "2": 1},
                  latency={"ingest": {"p50": 0.004, "p95": 0.012, "p99": 0.03},
                           "pipeline": {"p50": 0.049, "p95": 0.19, "p99": 0.41}},
                  observed={"ingest": 39, "pipeline": 39}, dead_letters={"decode": 1, "parse": 2},
                  faults={"kafka": 0}, totals={"stories_in": 39, "stories_out": 39})


@pytest.fixture
def local_console(demo_archive):
    console = make_console(demo_archive[0], healthy)
    server = WebServer(build_app(console, Access("127.0.0.1")), "127.0.0.1", 0)
    yield console, server.url
    server.shutdown()


def alert_json(alert) -> dict:
    return orjson.loads(orjson.dumps(alert.to_dict()))


def no_dialog(driver) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


@pytest.mark.kafka
def test_a_new_alert_shows_within_2_s_of_reaching_kafka_without_a_reload(browser, demo_archive, fresh_topics, topics):
    ensure_topics(fresh_topics, topic_specs(3, topics))
    server = console_cli.serve(str(demo_archive[0]), "127.0.0.1", 0, token=None, health=healthy,
                               watchlist=lambda: None, bootstrap=fresh_topics, alerts_topic=topics.alerts)
    alerts = sorted(demo_archive[2], key=lambda a: a.published)
    with Publisher(fresh_topics, topics=topics) as publisher:
        try:
            for alert in alerts[:-1]:
                publisher.alert(alert)
            publisher.flush()
            browser.get(server.url + "/")
            WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "status").text == "live")
            WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#alerts tr")) == len(alerts) - 1)
            browser.execute_script("window.stillTheSamePage = true")
            newest = dataclasses.replace(alerts[-1], title="Breaking: a new alert from Kafka")
            sent = time.monotonic()
            publisher.alert(newest)
            publisher.flush()
            row = f'#alerts tr[data-id="{newest.id}"]'
            WebDriverWait(browser, 2.0, poll_frequency=0.05).until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
            took = time.monotonic() - sent
            first = browser.find_element(By.CSS_SELECTOR, "#alerts tr")
            assert first.get_attribute("data-id") == newest.id  # newest first
            print(f"alert on the page {took * 1000:.0f} ms after it was produced")
            assert "Breaking: a new alert from Kafka" in first.text and took <= 2.0
            assert browser.execute_script("return window.stillTheSamePage") is True  # no reload
            screenshot(browser, "console-live")
        finally:
            server.shutdown()


def test_the_story_page_highlights_the_seeds_icbm_span(browser, local_console):
    _, url = local_console
    browser.get(f"{url}/story?id={demo.seed_id()}")
    marks = [(m.text, m.get_attribute("title")) for m in browser.find_elements(By.CSS_SELECTOR, "article .body mark.rule")]
    assert any("intercontinental ballistic missile" in text and "icbm" in rules.split(", ") for text, rules in marks)
    assert "FIRED icbm" in browser.find_element(By.CSS_SELECTOR, "pre.explain").text
    outlets = browser.find_elements(By.CSS_SELECTOR, "table.cluster tbody tr")
    assert len(outlets) == 2
    screenshot(browser, "console-story", height=2000)


def test_a_story_with_script_in_its_title_shows_as_text(browser, local_console, demo_archive):
    console, url = local_console
    for alert in demo_archive[2]:
        console.hub.publish(alert_json(alert))
    browser.get(f"{url}/story?id=xss-1")
    title = browser.find_element(By.CSS_SELECTOR, "h1.title").text
    assert title == demo.XSS_TITLE
    assert browser.title != "pwned" and no_dialog(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "article img, article b, article script")
    browser.get(f"{url}/")
    assert demo.XSS_TITLE in browser.find_element(By.ID, "alerts").text and browser.title != "pwned"


def test_the_live_list_filters_and_the_other_pages(browser, local_console, demo_archive):
    console, url = local_console
    for alert in sorted(demo_archive[2], key=lambda a: a.published):
        console.hub.publish(alert_json(alert))
    browser.get(f"{url}/")
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "status").text == "live")
    screenshot(browser, "console-live")
    browser.get(f"{url}/?rule=icbm")
    rules = {r.text for r in browser.find_elements(By.CSS_SELECTOR, "#alerts td.rule")}
    assert rules == {"icbm"}
    browser.get(f"{url}/overview?window=day")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")) > 5
    screenshot(browser, "console-overview")
    browser.get(f"{url}/search?text=missile")
    assert "page 1 of" in browser.find_element(By.CSS_SELECTOR, "p.paging").text
    screenshot(browser, "console-search")
    browser.get(f"{url}/preview")
    browser.find_element(By.NAME, "rules").send_keys(
        "rules:\n  - id: drone-strike\n    query: drone NEAR/5 (strike OR attack)\n"
        "  - id: icbm\n    query: '\"ballistic missile\" OR case:ICBM'\n")
    browser.find_element(By.CSS_SELECTOR, "form.preview button").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "preview-summary"))
    screenshot(browser, "console-preview")
    browser.find_element(By.NAME, "rules").clear()
    browser.find_element(By.NAME, "rules").send_keys("rules:\n  - id: broken\n    query: 'a AND (b'\n")
    browser.find_element(By.CSS_SELECTOR, "form.preview button").click()
    error = WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "rule-error"))[0].text
    assert error.startswith("pasted.yaml:3:")


def test_off_127_0_0_1_a_request_without_the_token_is_refused(browser, demo_archive):
    """Bound to 127.0.0.2 (another address, still on this machine), the console wants its token."""
    console = make_console(demo_archive[0], healthy)
    server = WebServer(build_app(console, Access("127.0.0.2", TOKEN)), "127.0.0.2", 0)
    try:
        url = server.url
        for path in ("/", "/events", f"/story?id={demo.seed_id()}", "/search?text=missile", "/overview"):
            response = httpx.get(url + path, timeout=10)
            assert response.status_code == 401 and "missile" not in response.text.lower(), path
        assert httpx.post(url + "/preview", data={"rules": "rules: []"}, timeout=10).status_code == 401
        assert httpx.get(url + "/", headers={"Authorization": "Bearer wrong-token-of-enough-length"}).status_code == 401
        assert httpx.get(url + "/", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).status_code == 200
        browser.delete_all_cookies()
        browser.get(url + "/search?text=missile")
        assert browser.find_elements(By.NAME, "token") and not browser.find_elements(By.CSS_SELECTOR, "table.results")
        screenshot(browser, "console-login", height=600)
        browser.find_element(By.NAME, "token").send_keys("not the token at all")
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        error = WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.error"))[0]
        assert "not the console's" in error.text
        browser.find_element(By.NAME, "token").send_keys(TOKEN)
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.results"))
        assert browser.current_url.endswith("/search?text=missile")
    finally:
        server.shutdown()
