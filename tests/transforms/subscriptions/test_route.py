"""Routing decisions as pure functions of (policy, state, alert, now)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from wirewatch.records import Alert
from wirewatch.transforms.subscriptions.calendar import next_digest, quiet_now
from wirewatch.transforms.subscriptions.clusters import ClusterState
from wirewatch.transforms.subscriptions.model import (
    Escalation, Filters, Policy, QuietHours, RateLimit, Schedule, Selector,
)
from wirewatch.transforms.subscriptions.pacing import Pacing, due, release
from wirewatch.transforms.subscriptions.route import route

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


def alert(n: int = 0, rule: str = "icbm", cluster: str = "c1", severity: str = "high", regions=("Eastern Asia",),
          **more) -> Alert:
    return Alert(id=f"{cluster}-{rule}", rule=rule, story_id=f"s{n}", cluster_id=cluster, title=f"story {n}",
                 severity=severity, score=more.pop("score", 2.0), regions=tuple(regions), **more)


class Subscriber:
    """Drives route/due/release as the delivery step does, keeping the state and the held list in memory."""

    def __init__(self, policy: Policy) -> None:
        self.policy, self.pacing = policy, Pacing()
        self.clusters: dict[str, ClusterState] = {}
        self.held: list = []
        self.sent: list = []

    def alert(self, a: Alert, now: datetime) -> None:
        self.tick(now)
        routed = route(self.policy, self.clusters.get(a.cluster_id), self.pacing, a, now)
        if routed.cluster is not None:
            self.clusters[a.cluster_id] = ClusterState.from_dict(routed.cluster.to_dict())  # survives JSON
        self.pacing = Pacing.from_dict(routed.pacing.to_dict())
        self.sent += routed.send
        self.held += routed.hold

    def tick(self, now: datetime) -> None:
        if due(self.policy, self.pacing, now):
            self.pacing, notice = release(self.policy, self.pacing, self.held, now)
            self.held = []
            self.sent.append(notice)


def test_selection_by_rule_glob_severity_and_filters():
    policy = Policy("s", Selector(("nuclear-*", "icbm"), "high"),
                    Filters(countries=frozenset({"KP"}), sources=("reu*",), min_score=1.5))
    good = alert(rule="nuclear-test", countries=("KP", "KR"), credit="Reuters")
    assert policy.wants(good)
    assert not policy.wants(alert(rule="troops", countries=("KP",), credit="Reuters"))
    assert not policy.wants(alert(rule="icbm", severity="medium", countries=("KP",), credit="Reuters"))
    assert not policy.wants(alert(rule="icbm", countries=("US",), credit="Reuters"))
    assert not policy.wants(alert(rule="icbm", countries=("KP",), credit="AP"))
    assert not policy.wants(alert(rule="icbm", countries=("KP",), credit="Reuters", score=1.0))
    assert Policy("any").wants(alert(severity="low"))


def test_one_alert_per_rule_and_cluster_then_each_escalation_once():
    sub = Subscriber(Policy("s", escalation=Escalation(stories=(5, 20), new_region=True)))
    for n in range(10_000):
        rule = ("icbm", "troops")[n % 2]
        regions = ("Eastern Asia",) if n < 5000 else ("Eastern Asia", "Eastern Europe")
        sub.alert(alert(n, rule, regions=regions), T0 + timedelta(milliseconds=6 * n))
    assert [(n.kind, n.id) for n in sub.sent] == [
        ("alert", "alert:c1-icbm"), ("alert", "alert:c1-troops"),
        ("escalation", "escalation:c1:stories>=5"), ("escalation", "escalation:c1:stories>=20"),
        ("escalation", "escalation:c1:region:Eastern Europe"),
    ]
    assert sub.sent[2].alert.story_id == "s4" and "5 stories" in sub.sent[2].reason
    assert len(sub.clusters["c1"].stories) == 20  # remembered up to the top threshold only
    sub.alert(alert(1, "icbm", cluster="c2"), T0 + timedelta(minutes=2))
    assert sub.sent[-1].id == "alert:c2-icbm"


def test_outlets_count_distinct_publishers():
    sub = Subscriber(Policy("s", escalation=Escalation(outlets=(3,))))
    for n, publisher in enumerate(["VOA", "voa", "BBC", "BBC", "AP"]):
        sub.alert(alert(n, publisher=publisher), T0)
    assert [n.id for n in sub.sent] == ["alert:c1-icbm", "escalation:c1:outlets>=3"]
    assert sub.sent[1].alert.publisher == "AP"


def test_a_rate_limit_holds_the_rest_and_sends_one_summary_when_the_window_ends():
    sub = Subscriber(Policy("s", rate=RateLimit(3, timedelta(minutes=10))))
    for n in range(40):
        sub.alert(alert(n, cluster=f"c{n}"), T0 + timedelta(seconds=n))
    assert [n.kind for n in sub.sent] == ["alert"] * 3 and len(sub.held) == 37
    sub.tick(T0 + timedelta(minutes=9, seconds=59))
    assert len(sub.sent) == 3
    sub.tick(T0 + timedelta(minutes=10))
    summary = sub.sent[-1]
    assert summary.kind == "summary" and summary.count == 37 and summary.reason.startswith("37 more alert(s)")
    assert len(summary.entries) == 37 and summary.entries[0].alert.cluster_id == "c3"
    sub.alert(alert(99, cluster="c99"), T0 + timedelta(minutes=11))  # a new window: sent at once
    assert sub.sent[-1].id == "alert:c99-icbm"


def test_a_digest_lists_the_first_ones_and_counts_the_rest():
    policy = Policy("s", schedule=Schedule("daily", time(8, 0), BERLIN), listed=5)
    sub = Subscriber(policy)
    for n in range(12):
        sub.alert(alert(n, cluster=f"c{n}"), T0 + timedelta(minutes=n))  # 10:00 in Berlin, after the 08:00 digest
    assert sub.sent == [] and sub.pacing.next_digest == datetime(2026, 3, 3, 7, 0, tzinfo=timezone.utc)
    sub.tick(datetime(2026, 3, 3, 6, 59, tzinfo=timezone.utc))
    assert sub.sent == []
    sub.tick(datetime(2026, 3, 3, 7, 0, tzinfo=timezone.utc))
    (digest,) = sub.sent
    assert (digest.kind, len(digest.entries), digest.more, digest.count) == ("digest", 5, 7, 12)
    assert sub.pacing.next_digest == datetime(2026, 3, 4, 7, 0, tzinfo=timezone.utc)
    sub.tick(datetime(2026, 3, 4, 7, 0, tzinfo=timezone.utc))
    assert len(sub.sent) == 1  # nothing held: no empty digest


def test_quiet_hours_defer_to_a_digest_but_critical_breaks_through():
    quiet = QuietHours(time(22, 0), time(7, 0), BERLIN, except_severity="critical")
    sub = Subscriber(Policy("s", quiet=quiet))
    night = datetime(2026, 3, 2, 22, 30, tzinfo=timezone.utc)  # 23:30 in Berlin
    sub.alert(alert(1, cluster="a"), night)
    sub.alert(alert(2, cluster="b", severity="critical"), night)
    assert [n.id for n in sub.sent] == ["alert:b-icbm"]
    sub.tick(datetime(2026, 3, 3, 5, 59, tzinfo=timezone.utc))
    assert len(sub.sent) == 1
    sub.tick(datetime(2026, 3, 3, 6, 0, tzinfo=timezone.utc))  # 07:00 in Berlin
    assert sub.sent[-1].kind == "digest" and sub.sent[-1].reason == "held during quiet hours"
    assert [e.id for e in sub.sent[-1].entries] == ["alert:a-icbm"]


def test_calendar_across_clock_changes_and_midnight():
    hourly = Schedule("hourly", time(0, 15), BERLIN)
    assert next_digest(hourly, T0) == datetime(2026, 3, 2, 9, 15, tzinfo=timezone.utc)
    assert next_digest(hourly, T0.replace(minute=15)) == datetime(2026, 3, 2, 10, 15, tzinfo=timezone.utc)
    daily = Schedule("daily", time(8, 0), BERLIN)
    # Berlin moves to summer time on 29 March 2026: 08:00 is 07:00 UTC before, 06:00 UTC after
    assert next_digest(daily, datetime(2026, 3, 28, 8, 0, tzinfo=timezone.utc)) == datetime(
        2026, 3, 29, 6, 0, tzinfo=timezone.utc)
    quiet = QuietHours(time(22, 0), time(7, 0), BERLIN)
    assert quiet_now(quiet, datetime(2026, 3, 2, 21, 0, tzinfo=timezone.utc))
    assert not quiet_now(quiet, datetime(2026, 3, 2, 20, 59, tzinfo=timezone.utc))
    assert not quiet_now(QuietHours(time(1, 0), time(2, 0)), datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
