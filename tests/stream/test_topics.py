"""ensure_topics creates what is missing, keeps what exists and waits for the broker."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from kafka import KafkaAdminClient

from pipeline import tail
from pipeline.broker import free_port
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_RAW, Settings
from pipeline.topics import TopicError, ensure_topics
from pipeline.web.source import open_consumer
from tests.brokerkit import fresh

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


def partitions_on_broker(bootstrap: str, names: list[str]) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
    finally:
        admin.close()


def test_creates_missing_topics_with_the_settings_partition_count(broker, unique_name):
    names = [unique_name("raw"), unique_name("enriched")]
    settings = Settings(broker=broker.bootstrap, partitions=3)

    assert ensure_topics(settings, names) == {names[0]: 3, names[1]: 3}
    assert partitions_on_broker(broker.bootstrap, names) == {names[0]: 3, names[1]: 3}


def test_explicit_partitions_win_over_settings(broker, unique_name):
    name = unique_name("explicit")
    settings = Settings(broker=broker.bootstrap, partitions=3)
    assert ensure_topics(settings, [name], partitions=2) == {name: 2}


def test_existing_topic_with_other_count_is_kept_and_reported(broker, unique_name, caplog):
    old, new = unique_name("old"), unique_name("new")
    settings = Settings(broker=broker.bootstrap, partitions=2)
    ensure_topics(settings, [old])

    with caplog.at_level(logging.INFO, logger="pipeline.topics"):
        counts = ensure_topics(settings, [old, new], partitions=5)

    assert counts == {old: 2, new: 5}
    assert partitions_on_broker(broker.bootstrap, [old]) == {old: 2}
    assert f"topic {old} already exists with 2 partitions (wanted 5); keeping it" in caplog.text
    assert f"created topic {new} with 5 partitions" in caplog.text


def test_second_call_is_a_no_op(broker, unique_name, caplog):
    name = unique_name("twice")
    settings = Settings(broker=broker.bootstrap, partitions=2)
    ensure_topics(settings, [name])
    with caplog.at_level(logging.INFO, logger="pipeline.topics"):
        assert ensure_topics(settings, [name]) == {name: 2}
    assert [r.getMessage() for r in caplog.records if r.name == "pipeline.topics"] == []


def test_waits_for_a_broker_that_starts_late(kafka_node, caplog):
    with fresh(kafka_node):
        kafka_node.stop()  # the session's node, started again on its port by the timer
        port = kafka_node.port
        timer = threading.Timer(2.5, kafka_node.start)
        timer.start()
        try:
            with caplog.at_level(logging.WARNING, logger="pipeline.topics"):
                settings = Settings(broker=f"127.0.0.1:{port}", partitions=1)
                counts = ensure_topics(settings, timeout=30)
            # By default: the pipeline's topics (and whatever else the workers need).
            assert {TOPIC_RAW, TOPIC_ENRICHED, TOPIC_DEADLETTER} <= counts.keys()
            assert set(counts.values()) == {1}
            assert "not reachable yet" in caplog.text
        finally:
            timer.join()


def test_unreachable_broker_gives_up_after_timeout():
    settings = Settings(broker=f"127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(TopicError, match="not reachable after"):
        ensure_topics(settings, timeout=3)
    assert time.monotonic() - started < 10


def topic_names(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def test_a_reader_waits_for_its_topic_and_never_creates_it(broker, unique_name):
    """Issue 15 (5): the dashboard, reconnecting before any worker after a broker restart,
    made ``wires.enriched`` itself, with the broker's default partitions and none of the
    topic settings the workers set. Readers wait; only workers (or ``ensure_topics``)
    create topics, even on a broker that auto-creates them (Kafka's default)."""
    name = unique_name("enriched")
    settings = Settings(broker=broker.bootstrap, partitions=3)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=f"topic {name} not found"):
        tail.assign_all(settings, name, wait=2.0)
    assert time.monotonic() - started >= 2.0
    with pytest.raises(TimeoutError):
        open_consumer(settings, name, backlog=8, wait=2.0)
    assert name not in topic_names(broker.bootstrap)

    ensure_topics(settings, [name])  # as a worker does
    consumer, partitions = tail.assign_all(settings, name, wait=5.0)
    consumer.close()
    assert len(partitions) == 3


def test_a_security_setting_the_broker_does_not_speak_is_named_not_taken_for_absence(broker):
    """Issue 15 (8): a wrong SASL or TLS setting read as "broker not reachable"."""
    for protocol, mechanism in (("SASL_PLAINTEXT", "PLAIN"), ("SSL", "")):
        settings = Settings(
            broker=broker.bootstrap,
            security_protocol=protocol,
            sasl_mechanism=mechanism,
            sasl_username="desk",
            sasl_password="not-the-password",
        )
        with pytest.raises(TopicError) as error:
            ensure_topics(settings, timeout=3)
        text = str(error.value)
        assert "Kafka handshake fails" in text and f"WIRES_SECURITY_PROTOCOL={protocol}" in text
        assert "not-the-password" not in text
    with pytest.raises(TopicError, match="not reachable after"):
        ensure_topics(Settings(broker=f"127.0.0.1:{free_port()}"), timeout=1)


def test_a_running_worker_creates_a_deleted_topic_again_and_says_so(fresh_broker, tmp_path):
    """Issue 15 (2, 5): a topic that vanishes under a running worker (deleted, or a
    broker back empty) is made again by the worker's topic watch, with the pipeline's
    partitions, loudly: an error line and ``wires_topics_recreated_total``."""
    from urllib.request import urlopen

    from tests.stream import harness

    bootstrap = fresh_broker.bootstrap
    wanted = Settings(broker=bootstrap).partitions
    port = free_port()
    worker = harness.Worker(bootstrap, tmp_path, metrics_port=port).start()
    try:
        harness.wait_group(bootstrap, harness.settings(bootstrap).group, 1, timeout=90)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            admin.delete_topics([TOPIC_DEADLETTER], timeout_ms=10_000)
        finally:
            admin.close()
        deadline = time.monotonic() + 60
        metric = f'wires_topics_recreated_total{{topic="{TOPIC_DEADLETTER}"}} 1.0'
        page = ""
        while time.monotonic() < deadline:
            page = urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            if metric in page:
                break
            time.sleep(0.5)
        assert metric in page, worker.log()
        assert partitions_on_broker(bootstrap, [TOPIC_DEADLETTER]) == {TOPIC_DEADLETTER: wanted}
        assert f"topic {TOPIC_DEADLETTER} was missing" in worker.log()
    finally:
        worker.stop()
