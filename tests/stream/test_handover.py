"""A worker stopped in the middle of a backlog hands its partitions to the other
worker of the group, and no story is lost."""

from __future__ import annotations

import signal

import pytest

from pipeline.config import TOPIC_ENRICHED
from tests.brokerkit import fresh
from tests.stream import harness
from tests.stream.test_restart import BACKLOG, feed_backlog

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_partitions_move_to_the_remaining_worker(kafka_node, sig, tmp_path):
    with fresh(kafka_node) as broker:
        ids = feed_backlog(broker.bootstrap, "h")
        first = harness.Worker(broker.bootstrap, tmp_path, name="first").start()
        second = harness.Worker(broker.bootstrap, tmp_path, name="second").start()
        try:
            harness.read_until(
                broker.bootstrap,
                TOPIC_ENRICHED,
                lambda events: len(events) >= BACKLOG // 4,
                timeout=120,
            )
            first.stop(sig)
            events = harness.read_until(
                broker.bootstrap,
                TOPIC_ENRICHED,
                harness.until_all(ids),
                timeout=150,
            )
        finally:
            first.stop()
            second.stop()
    seen = [e["source"]["original_id"] for e in events]
    assert set(ids) - set(seen) == set(), (first.log(), second.log())
    print(
        f"{signal.Signals(sig).name}: {len(seen) - len(set(seen))} repeats, "
        f"{sum(e['duplicate'] for e in events)} marked duplicate"
    )
