"""Issue 15 (4): a second consumer group on the same broker (a staging copy, a
replay) gets the whole stream once, and does not multiply the first group's output.

Both groups shared the internal ``wires.stories`` topic, so each group's version agent
read the other's hand-over too: 2,000 stories became 8,000 enriched events, 4,000 of
them ``duplicate: false``. The hand-over topic is now named per group, as Faust names
its changelogs."""

from __future__ import annotations

import collections
import time

import pytest

from pipeline.config import TOPIC_ENRICHED
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]

GROUPS = ("wires-enricher", "wires-staging")


def test_two_groups_each_enrich_every_story_once(kafka_node, tmp_path):
    with fresh(kafka_node) as broker:
        workers = [harness.Worker(broker.bootstrap, tmp_path, name=g) for g in GROUPS]
        for worker, group in zip(workers, GROUPS, strict=True):
            worker.env["WIRES_GROUP"] = group
            worker.start()
        try:
            for group in GROUPS:
                harness.wait_group(broker.bootstrap, group, 1)
            sent = harness.feed_files(broker.bootstrap, harness.FILES)
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 2 * sent)
            time.sleep(5)  # anything multiplied would follow within this
            events = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 4 * sent, timeout=5)
        finally:
            for worker in workers:
                worker.stop()
    copies = collections.Counter(e["id"] for e in events)
    assert len(events) == 2 * sent, (len(events), sent, workers[1].log())
    assert set(copies.values()) == {2}  # one event per story from each group
    assert not [e for e in events if e["duplicate"]]
