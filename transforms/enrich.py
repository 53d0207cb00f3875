"""The whole enrichment chain as plain functions, for in-process use and as the reference the Beam
transforms must agree with: normalize, fingerprint, cluster, classify, match, alert."""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from typing import Iterable

from wirewatch.transforms.alerts import alerts_for, first_alert
from wirewatch.transforms.dedupe import Fingerprint, cluster_in_order, fingerprint
from wirewatch.transforms.gazetteer import Gazetteer, default_gazetteer
from wirewatch.transforms.geotag import classify
from wirewatch.transforms.match import Matcher
from wirewatch.transforms.normalize import normalize
from wirewatch.records import Alert, Cluster, CountryTag, EnrichedStory, RuleMatch, Story
from wirewatch.transforms.rules import WatchList, default_watchlist
from wirewatch.transforms.spread import trace_batch, uses_spread
from wirewatch.transforms.tokens import StoryWords


# How many stories ``enrich_batch`` takes through its steps a step at a time: over 3,000 Reuters-21578 stories
# the steps from the fingerprint to the rules took 157 against 184 us a story when each story went through all
# of them in turn (median of 4 alternating rounds); no more than this many stories' words are held at once.
TOGETHER = 1024


@dataclass
class Enricher:
    """Holds what is built once (gazetteer, compiled rules) and enriches one story at a time."""

    gazetteer: Gazetteer
    matcher: Matcher

    @classmethod
    def create(cls, watchlist: WatchList | None = None) -> "Enricher":
        return cls(default_gazetteer(), Matcher(watchlist or default_watchlist()))

    def enrich(self, story: Story, cluster: Cluster | None, words: StoryWords | None = None) -> EnrichedStory:
        """``words``: the story's shared word form, when the caller made it for the fingerprint too."""
        return EnrichedStory(story, *self.places_and_matches(story, cluster, words), cluster=cluster)

    def places_and_matches(self, story: Story, cluster: Cluster | None = None, words: StoryWords | None = None
                           ) -> tuple[tuple[CountryTag, ...], tuple[str, ...], tuple[RuleMatch, ...]]:
        """The story's countries, regions and rule matches (the fields enrich fills), without the record."""
        words = words or StoryWords(story)
        countries, regions = classify(story, self.gazetteer, words)
        placed = EnrichedStory(story, countries, regions, (), cluster)  # rules may ask for country/region
        return countries, regions, self.matcher.match(placed, words)

    def places_and_matches_of(self, stories: list[Story], words: list[StoryWords]
                              ) -> list[tuple[tuple[CountryTag, ...], tuple[str, ...], tuple[RuleMatch, ...]]]:
        """``places_and_matches`` of each story (with its words), every story placed before any is matched."""
        placed = [classify(story, self.gazetteer, w) for story, w in zip(stories, words)]
        return [(countries, regions, self.matcher.match(EnrichedStory(story, countries, regions, (), None), w))
                for story, w, (countries, regions) in zip(stories, words, placed)]


def enrich_batch(stories: Iterable[Story], enricher: Enricher) -> tuple[list[EnrichedStory], list[Alert]]:
    """Bounded mode in one process: the same results as the Beam replay pipeline, in input order.

    Each story's words are made once and read by its fingerprint, its places and its rules. The steps run
    a step at a time over runs of up to ``TOGETHER`` stories (all normalized, then all fingerprinted, placed,
    matched), which keeps each step's code and tables in the processor's caches; countries and rule matches
    do not depend on the cluster, so a run's words are let go once it is matched, and the cluster (which
    needs the whole batch) is filled in afterwards."""
    normalized = [normalize(s) for s in stories]
    prints: list[tuple[Story, Fingerprint]] = []
    found = []
    for start in range(0, len(normalized), TOGETHER):
        run = normalized[start:start + TOGETHER]
        words = [StoryWords(story) for story in run]
        prints.extend(zip(run, map(fingerprint, run, words)))
        found.extend(enricher.places_and_matches_of(run, words))
    clusters = cluster_in_order(prints)
    enriched = [EnrichedStory(s, *fields, cluster=clusters[s.id]) for (s, _), fields in zip(prints, found)]
    enriched = trace_batch(enriched)  # a wire item's versions joined; each cluster's lineage and spread
    if uses_spread(rule.query for rule in enricher.matcher.watchlist.rules):  # rules that test the spread
        enriched = [dataclasses.replace(e, matches=enricher.matcher.match(e)) for e in enriched]
    by_id: dict[str, list[Alert]] = {}
    for e in enriched:
        for alert in alerts_for(e, enricher.matcher.watchlist):
            by_id.setdefault(alert.id, []).append(alert)
    alerts = sorted((first_alert(group) for group in by_id.values()), key=lambda a: (a.rule, a.id))
    return enriched, alerts
