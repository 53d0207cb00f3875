"""One alert through one subscriber's policy: what is sent now, and what is held for later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wirewatch.notices import Notice
from wirewatch.records import Alert
from wirewatch.transforms.subscriptions.clusters import ClusterState, observe
from wirewatch.transforms.subscriptions.model import Policy
from wirewatch.transforms.subscriptions.pacing import Pacing, dispatch


@dataclass(frozen=True, slots=True)
class Routed:
    cluster: ClusterState | None  # None: the subscriber does not want the alert (the state is unchanged)
    pacing: Pacing
    send: tuple[Notice, ...] = ()
    hold: tuple[Notice, ...] = ()


def route(policy: Policy, cluster: ClusterState | None, pacing: Pacing, alert: Alert, now: datetime) -> Routed:
    follows = alert.spread is not None and cluster is not None and policy.filters.wants(alert)
    if not policy.wants(alert) and not follows:  # a spreading event reaches who follows its cluster
        return Routed(None, pacing)
    state, notices = observe(policy, cluster, alert, now)
    pacing, send, hold = dispatch(policy, pacing, notices, now)
    return Routed(state, pacing, tuple(send), tuple(hold))
