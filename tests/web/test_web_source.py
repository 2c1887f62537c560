"""The topic follower: where it starts, and that it survives a broker restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer

from pipeline.broker import KafkaBroker
from pipeline.config import TOPIC_ENRICHED, Settings
from pipeline.topics import ensure_topics
from pipeline.web.source import CONNECTED, DISCONNECTED, StorySource, start_offset


def test_start_offset() -> None:
    assert start_offset(0, 100, None, 10) == 90  # the recent window
    assert start_offset(0, 5, None, 10) == 0
    assert start_offset(50, 60, None, 100) == 50  # not before the log start
    assert start_offset(0, 100, 40, 10) == 40  # resume where we stopped
    assert start_offset(30, 100, 10, 10) == 30  # that part of the log is gone
    assert start_offset(0, 7, 40, 10) == 0  # the log restarted below us: all of it


class Collector:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, events: list[dict[str, Any]]) -> None:
        with self.lock:
            self.ids.extend(e["id"] for e in events)

    def has(self, *ids: str) -> bool:
        with self.lock:
            return set(ids) <= set(self.ids)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def produce(bootstrap: str, ids: list[str]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for story_id in ids:
            producer.send(
                TOPIC_ENRICHED, key=story_id.encode(), value=orjson.dumps({"id": story_id})
            )
        producer.flush(30)
    finally:
        producer.close(5)


@pytest.mark.broker
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "rebuild_after",
    [
        30.0,
        0.5,
    ],
    ids=["same-consumer", "new-consumer"],
)
def test_follower_starts_near_the_end_and_survives_a_broker_restart(
    broker: KafkaBroker, broker_settings: Settings, rebuild_after: float
) -> None:
    old = [f"old-{n}" for n in range(40)]
    produce(broker.bootstrap, old)
    collected = Collector()
    source = StorySource(
        broker_settings, collected, backlog=8, probe_interval=0.5, rebuild_after=rebuild_after
    )
    source.start()
    try:
        wait_until(lambda: source.status == CONNECTED, 30, "the first connection")
        wait_until(lambda: len(collected.ids) >= 8, 30, "the recent window")
        time.sleep(0.5)  # nothing older may follow
        assert 8 <= len(collected.ids) <= 8 + 3  # ceil(8 / 4 partitions) each, at most
        assert set(collected.ids) <= set(old)

        produce(broker.bootstrap, ["live-1", "live-2"])
        wait_until(lambda: collected.has("live-1", "live-2"), 30, "live stories")

        broker.stop()
        wait_until(lambda: source.status != CONNECTED, 30, "the outage to be noticed")
        assert source.status == DISCONNECTED or rebuild_after < 1
        # Kafka comes back on its data directory and port: topics and offsets kept.
        broker.start()
        ensure_topics(Settings(broker=broker.bootstrap, partitions=4))
        produce(broker.bootstrap, ["after-1", "after-2", "after-3"])
        wait_until(
            lambda: collected.has("after-1", "after-2", "after-3"),
            60,
            "stories sent after the restart",
        )
        assert source.status == CONNECTED
    finally:
        source.stop()
    assert not source.alive
