"""Spreading events in subscribers' routing: the cluster's own outlet count and regions feed escalations of
a subscriber who follows the cluster, each once; a subscriber who selects spreading events gets them."""

from __future__ import annotations

from datetime import timedelta

from tests.transforms.subscriptions.test_route import T0, Subscriber, alert
from wirewatch.records import Spread
from wirewatch.transforms.subscriptions.clusters import ClusterState
from wirewatch.transforms.subscriptions.model import Escalation, Policy, Selector


def spreading(outlets: int, threshold: str, regions=("Eastern Asia",), cluster: str = "c1"):
    return alert(99, f"spreading:{threshold}", cluster=cluster, regions=regions,
                 spread=Spread(outlets, tuple(regions), (), 0.0, 0, (threshold,)))


def test_a_spreading_event_escalates_a_followed_cluster_once_per_threshold():
    sub = Subscriber(Policy("s", Selector(("icbm",)), escalation=Escalation(outlets=(5, 10), new_region=True)))
    sub.alert(alert(1), T0)  # the subscriber now follows c1
    sub.alert(spreading(5, "outlets>=5"), T0 + timedelta(minutes=1))
    sub.alert(spreading(7, "growth>=4"), T0 + timedelta(minutes=2))
    sub.alert(spreading(10, "outlets>=10", regions=("Eastern Asia", "Western Europe")), T0 + timedelta(minutes=3))
    sub.alert(spreading(20, "outlets>=20"), T0 + timedelta(minutes=4))
    assert [n.id for n in sub.sent] == [
        "alert:c1-icbm", "escalation:c1:outlets>=5", "escalation:c1:outlets>=10",
        "escalation:c1:region:Western Europe"]
    assert sub.clusters["c1"].rules == {"icbm"} and sub.clusters["c1"].spread_outlets == 20


def test_a_cluster_nobody_follows_sends_nothing_unless_spreading_is_selected():
    quiet = Subscriber(Policy("q", Selector(("icbm",)), escalation=Escalation(outlets=(5,))))
    quiet.alert(spreading(5, "outlets>=5", cluster="c9"), T0)
    assert quiet.sent == []
    keen = Subscriber(Policy("k", Selector(("spreading:*",)), escalation=Escalation(outlets=(5,))))
    keen.alert(spreading(5, "outlets>=5", cluster="c9"), T0)
    assert [n.id for n in keen.sent] == ["alert:c9-spreading:outlets>=5", "escalation:c9:outlets>=5"]


def test_old_cluster_state_without_the_spread_count_still_reads():
    data = ClusterState(frozenset({"icbm"}), frozenset(), frozenset(), frozenset(), frozenset(), T0).to_dict()
    del data["spread_outlets"]
    assert ClusterState.from_dict(data).spread_outlets == 0
