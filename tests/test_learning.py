"""The worker's learned chrome without Kafka: processor + Learner over a dict table,
metrics by reason and by feed."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from pipeline import feed
from pipeline.learning import Learner, split_key, table_key
from pipeline.metrics import OTHER_FEEDS, PipelineMetrics
from pipeline.processor import Enriched, RawMessage, process
from tests.text.test_learned import SITES, clean, kept, site_stories


def message(value: str, site: str | None, partition: int = 0) -> RawMessage:
    headers = feed.headers(feed=site, received_at=None, path=None, original_id=None)
    return RawMessage(value=value.encode(), headers=headers, partition=partition)


def run(learner: Learner, site: str, stories, partition: int = 0) -> list[Enriched]:
    out = []
    for s in stories:
        outcome = process(message(s.raw, site, partition), max_bytes=1 << 20, learner=learner)
        assert isinstance(outcome, Enriched)
        out.append(outcome)
    return out


def test_the_worker_learns_per_feed_and_the_table_keeps_it():
    table: dict[bytes, dict] = {}
    learner = Learner(table, flush_stories=5, flush_seconds=1e9)
    stories = site_stories(SITES[0])
    outcomes = run(learner, SITES[0], stories[:20])
    assert {o.feed for o in outcomes} == {SITES[0]}
    assert list(table) == [table_key(0, SITES[0])]
    assert split_key(table_key(3, "a/b")) == (3, "a/b")
    # a new worker (same table, as recovered from the changelog) goes on learning
    restarted = Learner(dict(table), flush_stories=5, flush_seconds=1e9)
    after = run(restarted, SITES[0], stories[20:])
    assert all(clean(o.story, s) for o, s in zip(after, stories[20:], strict=True))
    assert all(kept(o.story, s) for o, s in zip(after, stories[20:], strict=True))
    # another partition learns from its own stories only
    other = run(restarted, SITES[0], stories[20:26], partition=1)
    assert not any(clean(o.story, s) for o, s in zip(other[:5], stories[20:25], strict=True))


def test_writes_are_throttled_and_revoked_partitions_forgotten():
    table: dict[bytes, dict] = {}
    now = [0.0]
    learner = Learner(table, flush_stories=10, flush_seconds=5.0, clock=lambda: now[0])
    stories = site_stories(SITES[1], 12)
    run(learner, SITES[1], stories[:9])
    assert not table  # 9 stories, no time passed
    run(learner, SITES[1], stories[9:10])
    written = table[table_key(0, SITES[1])]
    now[0] = 6.0
    run(learner, SITES[1], stories[10:11])
    assert table[table_key(0, SITES[1])] != written  # due by time
    learner.revoked([0])
    assert learner.memories(0).get(SITES[1]).stories == 11  # reloaded from the table


def test_the_feed_cap_deletes_forgotten_feeds_from_the_table():
    table: dict[bytes, dict] = {}
    learner = Learner(table, max_feeds=2, flush_stories=1)
    for site in SITES[:3]:
        run(learner, site, site_stories(site, 1))
    assert sorted(table) == sorted(table_key(0, s) for s in SITES[1:3])


def test_metrics_count_stripped_blocks_by_reason_and_learned_ones_by_feed():
    metrics = PipelineMetrics(CollectorRegistry(), worker="w", group="g")
    learner = Learner({})
    for site in SITES[:2]:
        for outcome in run(learner, site, site_stories(site, 25)):
            metrics.observe(outcome, 1)
    value = metrics.registry.get_sample_value
    assert value("wires_learned_stripped_total", {"feed": SITES[0]}) >= 6 * 15
    assert value("wires_blocks_stripped_by_reason_total", {"why": "learned"}) >= 2 * 6 * 15
    metrics._feed_labels = {f"feed-{i}" for i in range(256)}
    assert metrics._feed_label("new one") == OTHER_FEEDS
