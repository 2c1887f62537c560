"""Issue 15 (2), for the readers: a topic deleted and created again (a wiped log
directory, a broker that came back empty) starts again at offset 0. A reader whose
position is below the new end fetched on from there without any error and skipped every
new story before it; one past the end jumped to the end. Both now read the new log from
its start (:class:`pipeline.tail.RecreatedTopic`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer

from pipeline import tail
from pipeline.config import Settings
from pipeline.topics import ensure_topics
from pipeline.web.source import StorySource

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


def produce(bootstrap: str, topic: str, ids: list[str]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for story_id in ids:
            producer.send(topic, value=orjson.dumps({"id": story_id}), partition=0)
        producer.flush(30)
    finally:
        producer.close(5)


def recreate(bootstrap: str, settings: Settings, topic: str) -> None:
    """Delete ``topic``, wait until the broker forgets it, create it again."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.delete_topics([topic], timeout_ms=10_000)
        deadline = time.monotonic() + 30
        while topic in admin.list_topics():
            assert time.monotonic() < deadline, f"{topic} still listed after deletion"
            time.sleep(0.2)
    finally:
        admin.close()
    ensure_topics(settings, [topic])


@pytest.fixture
def topic(broker, unique_name) -> tuple[str, Settings]:
    name = unique_name("emptied")
    settings = Settings(broker=broker.bootstrap, partitions=1)
    ensure_topics(settings, [name])
    return name, settings


def test_tail_reads_a_topic_created_again_from_its_start(broker, topic) -> None:
    name, settings = topic
    produce(broker.bootstrap, name, [f"old-{n}" for n in range(50)])
    consumer = tail.assigned_consumer(settings, name, from_beginning=True)
    events = tail.follow(consumer, idle_timeout=20)
    try:
        assert [next(events)["id"] for _ in range(50)] == [f"old-{n}" for n in range(50)]
        # The reader is paused at offset 50 while the topic is emptied and refilled
        # beyond that position: on main it went on from 50 and lost new-0 .. new-49.
        recreate(broker.bootstrap, settings, name)
        new = [f"new-{n}" for n in range(80)]
        produce(broker.bootstrap, name, new)
        seen: list[str] = []
        for event in events:
            seen.append(event["id"])
            if set(new) <= set(seen):
                break
    finally:
        consumer.close()
    assert set(new) - set(seen) == set(), f"skipped {len(set(new) - set(seen))} of {len(new)}"
    assert not any(s.startswith("old-") for s in seen)


def test_dashboard_follower_reads_a_topic_created_again_from_its_start(broker, topic) -> None:
    name, settings = topic
    produce(broker.bootstrap, name, [f"old-{n}" for n in range(30)])
    seen: list[str] = []
    lock = threading.Lock()

    def deliver(events: list[dict[str, Any]]) -> None:
        with lock:
            seen.extend(e["id"] for e in events)

    def wait_for(ids: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with lock:
                if ids <= set(seen):
                    return True
            time.sleep(0.1)
        return False

    source = StorySource(settings, deliver, topic=name, backlog=100, probe_interval=0.5)
    source.start()
    try:
        assert wait_for({f"old-{n}" for n in range(30)}, 30)
        recreate(broker.bootstrap, settings, name)
        new = [f"new-{n}" for n in range(60)]
        produce(broker.bootstrap, name, new)
        got_all = wait_for(set(new), 40)
    finally:
        source.stop()
    with lock:
        missing = set(new) - set(seen)
    assert got_all and not missing, f"skipped {len(missing)} of {len(new)}"
