"""The console's pages through Starlette's test client: what each shows, escaping of story text, search and
paging, the watch-list preview's errors."""

from __future__ import annotations

import html
import re

import orjson

from wirewatch.pipelines.console.health import Health
from tests.pipelines.console import demo
from tests.pipelines.console.conftest import client, make_console

HTML = {"Accept": "text/html"}


def test_the_live_list_shows_the_newest_alerts_first_with_their_clusters_outlets(console, demo_archive):
    _, _, alerts = demo_archive
    for alert in sorted(alerts, key=lambda a: a.published):
        console.hub.publish(orjson.loads(orjson.dumps(alert.to_dict())))
    page = client(console).get("/", headers=HTML).text
    rows = re.findall(r'<tr class="alert sev-(\w*)" data-id="([^"]+)">', page)
    assert [i for _, i in rows] == [a["id"] for a in console.hub.recent()[1]]
    seed = next(a for a in alerts if a.story_id == demo.seed_id() and a.rule == "icbm")
    row = page[page.index(f'data-id="{seed.id}"'):].split("</tr>")[0]
    assert '<td class="outlets">2</td>' in row and "KP" in row  # the seed and its Reuters copy


def test_live_filters(console, demo_archive):
    alerts = [orjson.loads(orjson.dumps(a.to_dict())) for a in demo_archive[2]]
    for alert in alerts:
        console.hub.publish(alert)

    def shown(query: str) -> set[str]:
        return set(re.findall(r'<tr class="alert[^"]*" data-id="([^"]+)"', client(console).get("/" + query, headers=HTML).text))

    def expected(keep) -> set[str]:
        return {a["id"] for a in alerts if keep(a)}

    assert shown("") == expected(lambda a: True)
    assert shown("?rule=icbm") == expected(lambda a: a["rule"] == "icbm") != set()
    high = expected(lambda a: a["severity"] in ("high", "critical"))
    assert shown("?severity=high") == high and 0 < len(high) < len(alerts)
    assert shown("?severity=low") == expected(lambda a: True)
    assert shown("?country=kp") == expected(lambda a: "KP" in a["countries"]) != set()
    assert shown("?region=Eastern+Asia") == expected(lambda a: "Eastern Asia" in a["regions"]) != set()
    assert shown("?country=ZZ") == set()
    assert shown("?subscriber=nobody") == set()  # a subscriber that does not exist wants nothing


def test_the_subscriber_filter_uses_the_subscribers_selection(demo_archive):
    wants_icbm = {"desk": lambda alert: alert["rule"] == "icbm"}
    console = make_console(demo_archive[0], subscribers=wants_icbm)
    for alert in demo_archive[2]:
        console.hub.publish(orjson.loads(orjson.dumps(alert.to_dict())))
    page = client(console).get("/?subscriber=desk", headers=HTML).text
    assert set(re.findall(r'<td class="rule">([^<]+)</td>', page)) == {"icbm"} and "<option selected>desk</option>" in page


def test_story_text_is_escaped_everywhere(console, demo_archive):
    """The XSS story's headline and body show as text: no tag of theirs reaches a page as markup."""
    xss = next(s for s in demo_archive[1] if s.id == "xss-1")
    alerts = [a for a in demo_archive[2] if a.story_id == "xss-1"]
    for alert in alerts:
        console.hub.publish(orjson.loads(orjson.dumps(alert.to_dict())))
    web = client(console)
    pages = [web.get("/", headers=HTML).text, web.get("/story?id=xss-1", headers=HTML).text,
             web.get("/search?text=missile", headers=HTML).text]
    for page in pages:
        assert "<script>document" not in page and "<img src=x" not in page
        assert html.escape(demo.XSS_TITLE, quote=False).split(">")[0] in page.replace("&#34;", '"').replace("&#39;", "'")
    story = pages[1]
    assert "&lt;script&gt;document.title=" in story and "javascript:" not in story  # the link is not offered
    assert xss.story.url.startswith("javascript:")


def test_the_story_page_highlights_evidence_and_explains_and_lists_the_cluster(console):
    page = client(console).get(f"/story?id={demo.seed_id()}", headers=HTML).text
    marks = re.findall(r'<mark class="([^"]*)" title="([^"]*)">([^<]*)</mark>', page)
    assert any("intercontinental ballistic missile" in text and "icbm" in labels.split(", ")
               for kinds, labels, text in marks if "rule" in kinds.split())
    assert any(text.startswith("North Korea") and "KP" in labels.split(", ")
               for kinds, labels, text in marks if "country" in kinds.split())
    assert "FIRED icbm: fired" in page  # what `wirewatch explain` prints
    cluster = page[page.index('<table class="cluster">'):]
    assert cluster.count("<tr") == 3 and "Reuters" in cluster and "VOA" in cluster  # head row + two outlets


def test_a_missing_story_is_404(console):
    response = client(console).get("/story?id=nope%3Cb%3E", headers=HTML)
    assert response.status_code == 404 and "nope&lt;b&gt;" in response.text


def test_search_pages_through_the_archive(console, demo_archive):
    web = client(console)
    first = web.get("/search?source=demo-feed", headers=HTML).text
    assert "36 stories · page 1 of 2" in first and 'rel="next" href="?source=demo-feed&amp;page=2"' in first
    second = web.get("/search?source=demo-feed&page=2", headers=HTML).text
    ids = lambda page: re.findall(r'href="/story\?id=(demo-\d+)"', page)
    assert len(ids(first)) == 25 and len(ids(second)) == 11 and not set(ids(first)) & set(ids(second))
    assert "page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    bad = web.get("/search?since=yesterday", headers=HTML).text
    assert 'class="error"' in bad and "is not a time" in bad


def test_the_overview_charts_counts_and_health(demo_archive):
    health = lambda: Health(True, lag={"0": 3, "1": 4}, latency={"pipeline": {"p50": 0.05, "p95": 0.2, "p99": None}},
                            observed={"pipeline": 12}, dead_letters={"decode": 2}, faults={"kafka": 1})
    page = client(make_console(demo_archive[0], health)).get("/overview?window=day", headers=HTML).text
    assert page.count('class="bar"') > 5 and ">Eastern Asia<" in page and ">icbm<" in page
    assert '<p class="big">7</p>' in page and "50 ms" in page and "200 ms" in page and "retrying kafka" in page
    hour = client(make_console(demo_archive[0])).get("/overview", headers=HTML).text
    assert hour.count('class="bar"') < page.count('class="bar"') and "no metrics in this test" in hour


def test_the_preview_runs_a_pasted_list_over_the_archive(console):
    rules = ("rules:\n  - id: drones\n    query: drone\n  - id: icbm\n    query: '\"ballistic missile\"'\n"
             "  - id: nothing\n    query: zyzzyva\n")
    page = client(console).post("/preview", data={"rules": rules, "days": "7"}, headers=HTML).text
    assert re.search(r"3 rules from pasted.yaml over \d+ archived stories", page)
    row = lambda rule: re.search(rf'<td class="rule">{rule}</td><td>(\d+)</td><td>(\d+)</td>', page).groups()
    assert int(row("drones")[0]) >= 1 and row("drones")[1] == "0"  # a new rule: everything it finds is gained
    assert int(row("icbm")[0]) >= 2 and int(row("icbm")[1]) >= 2
    assert row("nothing") == ("0", "0")  # a rule that finds nothing is listed too


def test_the_preview_shows_where_a_list_is_wrong(console):
    web = client(console)
    page = web.post("/preview", headers=HTML, data={"days": "7"},
                    files={"file": ("../../evil<b>.yaml", b"rules:\n  - id: x\n    query: 'a AND (b'\n")}).text
    error = re.search(r'<pre class="error" id="rule-error">([^<]*)</pre>', page).group(1)
    assert re.match(r"evil_b_\.yaml:3:\d+: ", html.unescape(error)), error


def test_security_headers(console):
    response = client(console).get("/", headers=HTML)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
