"""Per subscriber and story cluster: one notice per rule, then an escalation each time the cluster crosses
one of the subscriber's thresholds (each once). The state is small and JSON-able, kept by the delivery step.

The cluster's size is counted from the alerts the delivery step sees, and from the pipeline's ``spreading``
events (alerts that carry the cluster's spread): their count of independent outlets and their regions feed
the same escalations, for a subscriber who follows the cluster whether or not it selects spreading events."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from wirewatch.notices import Notice
from wirewatch.records import Alert, parse_time
from wirewatch.transforms.subscriptions.model import Escalation, Policy


@dataclass(frozen=True, slots=True)
class ClusterState:
    rules: frozenset[str]
    stories: frozenset[str]  # distinct story ids, kept up to the top threshold
    outlets: frozenset[str]  # distinct outlets (publisher, else source), likewise
    regions: frozenset[str]
    steps: frozenset[str]  # escalations already sent
    seen: datetime  # the last alert's time, so that old clusters can be forgotten
    spread_outlets: int = 0  # the independent outlets the last spreading event counted

    def to_dict(self) -> dict[str, Any]:
        return {"rules": sorted(self.rules), "stories": sorted(self.stories), "outlets": sorted(self.outlets),
                "regions": sorted(self.regions), "steps": sorted(self.steps), "seen": self.seen.isoformat(),
                "spread_outlets": self.spread_outlets}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ClusterState":
        seen = parse_time(data["seen"])
        assert seen is not None
        return cls(*(frozenset(data[k]) for k in ("rules", "stories", "outlets", "regions", "steps")), seen=seen,
                   spread_outlets=int(data.get("spread_outlets") or 0))

    @property
    def outlet_count(self) -> int:
        return max(len(self.outlets), self.spread_outlets)


def outlet(alert: Alert) -> str:
    return (alert.publisher or alert.source or alert.story_id).strip().lower()


def _capped(values: frozenset[str], value: str, keep: int) -> frozenset[str]:
    return values if value in values or len(values) >= keep else values | {value}


def escalations(escalation: Escalation, state: ClusterState, new_regions: list[str]) -> list[tuple[str, str]]:
    """The (step, reason) pairs the cluster has reached and not yet sent, thresholds before regions."""
    out = []
    for counted, thresholds, noun in ((len(state.stories), escalation.stories, "stories"),
                                      (state.outlet_count, escalation.outlets, "outlets")):
        for threshold in thresholds:
            step = f"{noun}>={threshold}"
            if counted >= threshold and step not in state.steps:
                out.append((step, f"the story cluster now counts {threshold} {noun}"))
    if escalation.new_region:
        out.extend((f"region:{r}", f"the story cluster reached a new region: {r}") for r in new_regions
                   if f"region:{r}" not in state.steps)
    return out


def observe(policy: Policy, state: ClusterState | None, alert: Alert, now: datetime) -> tuple[ClusterState, list[Notice]]:
    """The cluster's state after ``alert`` (one the subscriber wants), and the notices it gives: the alert
    when its rule is new for the cluster, and any escalation it makes the cluster reach."""
    keep = policy.escalation.keep
    if alert.spread is not None:
        return _spreading(policy, state, alert, now)
    if state is None:
        first = ClusterState(frozenset({alert.rule}), _capped(frozenset(), alert.story_id, keep),
                             _capped(frozenset(), outlet(alert), keep), frozenset(alert.regions), frozenset(), now)
        return first, [Notice(f"alert:{alert.id}", "alert", policy.subscriber, now, alert)]
    notices = []
    if alert.rule not in state.rules:
        notices.append(Notice(f"alert:{alert.id}", "alert", policy.subscriber, now, alert))
    new_regions = [r for r in alert.regions if r not in state.regions]
    grown = replace(state, rules=state.rules | {alert.rule}, stories=_capped(state.stories, alert.story_id, keep),
                    outlets=_capped(state.outlets, outlet(alert), keep), regions=state.regions | set(new_regions),
                    seen=now)
    steps = escalations(policy.escalation, grown, new_regions)
    for step, reason in steps:
        notices.append(Notice(f"escalation:{alert.cluster_id}:{step}", "escalation", policy.subscriber, now, alert,
                              reason))
    return replace(grown, steps=grown.steps | {s for s, _ in steps}), notices


def _spreading(policy: Policy, state: ClusterState | None, alert: Alert, now: datetime) -> tuple[ClusterState, list[Notice]]:
    """A spreading event: the cluster's own outlet count and regions grow the state (its stories and rules do
    not: the event is no story of its own), and give any escalation reached; the event itself is a notice only
    to a subscriber whose rules select it."""
    spread = alert.spread
    assert spread is not None
    notices = []
    if policy.selector.rules and policy.selector.wants(alert):
        notices.append(Notice(f"alert:{alert.id}", "alert", policy.subscriber, now, alert))
    if state is None:
        state = ClusterState(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), now)
    new_regions = [r for r in spread.regions if r not in state.regions]
    grown = replace(state, regions=state.regions | set(new_regions), seen=now,
                    spread_outlets=max(state.spread_outlets, spread.outlets))
    steps = escalations(policy.escalation, grown, new_regions)
    for step, reason in steps:
        notices.append(Notice(f"escalation:{alert.cluster_id}:{step}", "escalation", policy.subscriber, now, alert,
                              reason))
    return replace(grown, steps=grown.steps | {s for s, _ in steps}), notices
