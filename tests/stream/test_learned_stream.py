"""Learned chrome through the real broker: workers learn each feed's chrome from the
stories they read, keep it across a restart (the table's changelog), and two workers
sharing the partitions learn what one does (and what offline learning does).

The invented sites are those of tests/text/test_learned.py: six sentence-shaped
chrome lines of their own above, inside and below every story. Raw messages are
keyed by feed, so a feed's stories share a partition and its memory (see the
README, "Learned chrome in the stream").
"""

from __future__ import annotations

import uuid

import orjson
import pytest

from pipeline import feed
from pipeline.broker import free_port
from pipeline.config import TOPIC_ENRICHED, TOPIC_RAW
from pipeline.text import learned
from pipeline.text.story import Meta
from tests.stream import harness
from tests.text.test_learned import SITES, site_stories

pytestmark = pytest.mark.broker

N = 40  # stories per site; the first 20 are the warm-up


def worker(broker, tmp_path, group: str, name: str, metrics_port: int = 0) -> harness.Worker:
    w = harness.Worker(broker.bootstrap, tmp_path, name=name, metrics_port=metrics_port)
    w.env["WIRES_GROUP"] = group  # its own group, tables and changelogs on the shared broker
    return w


def send(broker, run: str, ks: range) -> list[str]:
    """Stories ``ks`` of every site, interleaved, keyed by feed; their original ids."""
    producer = harness.producer(broker.bootstrap)
    ids = []
    for k in ks:
        for site in SITES:
            original_id = f"{run}:{site}:{k}"
            producer.send(
                TOPIC_RAW,
                site_stories(site, N)[k].raw.encode(),
                key=site.encode(),
                headers=feed.headers(
                    feed=site, received_at=harness.RECEIVED_AT, path=None, original_id=original_id
                ),
            )
            ids.append(original_id)
    producer.flush()
    producer.close()
    return ids


def received(broker, ids: list[str]) -> dict[str, dict]:
    events = harness.read_until(broker.bootstrap, TOPIC_ENRICHED, harness.until_all(ids), 60)
    wanted = set(ids)
    return {e["source"]["original_id"]: e for e in events if e["source"]["original_id"] in wanted}


def expected() -> dict[tuple[str, int], dict]:
    """What offline learning reads (learned.read per feed, in order): the event dicts."""
    memories = learned.Memories()
    out = {}
    for site in SITES:
        for k, s in enumerate(site_stories(site, N)):
            story = learned.read(s.raw, Meta(received_at=harness.RECEIVED_AT, feed=site), memories)
            out[site, k] = orjson.loads(orjson.dumps(story))
    return out


def check(events: dict[str, dict], run: str) -> None:
    """After 20 stories per feed: >= 95% without chrome, >= 98% keep every paragraph;
    and every story reads exactly as offline learning reads it."""
    offline = expected()
    after, clean, kept = 0, 0, 0
    for site in SITES:
        stories = site_stories(site, N)
        for k in range(N):
            event = events[f"{run}:{site}:{k}"]
            assert event["body"] == offline[site, k]["body"], (site, k)
            assert event["blocks"] == offline[site, k]["blocks"], (site, k)
            if k >= 20:
                after += 1
                clean += not any(line in event["body"] for line in stories[k].chrome)
                kept += all(p in event["body"] for p in stories[k].body)
    assert clean / after >= 0.95, clean / after
    assert kept / after >= 0.98, kept / after
    last = events[f"{run}:{SITES[0]}:{N - 1}"]
    assert "learned" in {b.get("why") for b in last["blocks"]}


@pytest.mark.timeout(120)
def test_workers_learn_each_feeds_chrome_and_a_restart_keeps_it(fresh_broker, tmp_path):
    broker = fresh_broker  # an empty wires.raw: no story of another test teaches first
    run, group = uuid.uuid4().hex[:8], f"learned-{uuid.uuid4().hex[:8]}"
    first = worker(broker, tmp_path, group, "first").start()
    try:
        ids = send(broker, run, range(20))
        events = received(broker, ids)
    finally:
        first.stop()
    assert len(events) == 20 * len(SITES), first.log()
    second = worker(broker, tmp_path, group, "second").start()  # no local state: changelog
    try:
        ids = send(broker, run, range(20, N))
        events |= received(broker, ids)
    finally:
        second.stop()
    assert len(events) == N * len(SITES), second.log()
    check(events, run)


@pytest.mark.timeout(120)
def test_two_workers_sharing_the_partitions_learn_what_one_does(fresh_broker, tmp_path):
    broker = fresh_broker  # an empty wires.raw: no story of another test teaches first
    run, group = uuid.uuid4().hex[:8], f"learned-{uuid.uuid4().hex[:8]}"
    ports = [free_port(), free_port()]
    workers = [worker(broker, tmp_path, group, f"w{i}", p) for i, p in enumerate(ports)]
    for w in workers:
        w.start()
    try:
        # Both in the group before any story: a story sent before the second joins is
        # read again after the rebalance, by a memory that has learned meanwhile.
        harness.wait_group(broker.bootstrap, group, 2)
        events = received(broker, send(broker, run, range(N)))
    finally:
        for w in workers:
            w.stop()
    check(events, run)
