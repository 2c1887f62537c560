"""Issue 15 (2): committed offsets that no longer fit the log are detected, said loudly
and handled by the documented policy: read again from the earliest retained offset.

A broker that came back empty, a recreated topic or an offset reset left the group's
committed offsets past the end of ``wires.raw``. Faust then drops, without a word,
every message below its read offset (the committed one), so every story sent until
the log grew past the old offsets was never enriched."""

from __future__ import annotations

import re
import shutil
import signal
import urllib.request

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from pipeline import topics
from pipeline.broker import free_port
from pipeline.config import TOPIC_ENRICHED, TOPIC_RAW
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]

RESETS = re.compile(
    r'^wires_offsets_reset_total\{partition="(\d+)",topic="wires.raw",why="past_end"\} (\S+)$',
    re.M,
)


def commit_past_the_end(bootstrap: str, group: str, ahead: int) -> dict[int, int]:
    """As an empty broker or a reset leaves them: committed offsets ``ahead`` of the end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(TOPIC_RAW, p) for p in consumer.partitions_for_topic(TOPIC_RAW)]
        consumer.assign(tps)
        ends = consumer.end_offsets(tps)
        consumer.commit({tp: OffsetAndMetadata(ends[tp] + ahead, "", -1) for tp in tps})
        return {tp.partition: ends[tp] + ahead for tp in tps}
    finally:
        consumer.close()


def test_offsets_past_the_end_are_read_again_from_the_start_and_said(kafka_node, tmp_path):
    with fresh(kafka_node) as broker:
        group = harness.settings(broker.bootstrap).group
        first = harness.SAMPLES[:6]
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        try:
            harness.feed_files(broker.bootstrap, first)
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(first))
        finally:
            worker.stop()
        commit_past_the_end(broker.bootstrap, group, ahead=1000)
        later = harness.CORPUS[:5]
        harness.feed_files(broker.bootstrap, later)

        port = free_port()
        worker = harness.Worker(broker.bootstrap, tmp_path, name="again", metrics_port=port)
        worker.env["WIRES_LOG_LEVEL"] = "info"
        worker.start()
        try:
            wanted = {p.name for p in later}
            events = harness.read_until(
                broker.bootstrap,
                TOPIC_ENRICHED,
                lambda es: wanted <= {e["source"]["original_id"] for e in es},
                timeout=90,
            )
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                page = r.read().decode()
        finally:
            worker.stop()
    assert wanted <= {e["source"]["original_id"] for e in events}, worker.log()
    # Read again from the start: the first stories come back, flagged as repeats.
    again = [
        e for e in events[len(first) :] if e["source"]["original_id"] in {p.name for p in first}
    ]
    assert again and all(e["duplicate"] for e in again)
    assert "past the end" in worker.log()
    assert sum(float(n) for _, n in RESETS.findall(page)) >= 1, page


def test_a_table_read_past_its_changelog_end_is_read_again_not_fatal(kafka_node, tmp_path):
    """Issue 15 (2): after the broker came back empty, the next rebalance crashed a
    worker whose table had recovered from the old changelog (a restarted worker), on
    Faust's ``ConsistencyError``: it had read the changelog past the new end. Now the
    changelog is read again from its start, the table keeps what it holds, and the
    worker goes on."""
    with fresh(kafka_node) as broker:
        settings = harness.settings(broker.bootstrap)
        first = harness.FILES[:24]
        before = harness.Worker(broker.bootstrap, tmp_path, name="before").start()
        worker = harness.Worker(broker.bootstrap, tmp_path, name="after")
        worker.env["WIRES_LOG_LEVEL"] = "info"
        try:
            harness.feed_files(broker.bootstrap, first)
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(first))
        finally:
            before.stop()
        worker.start()  # recovers the tables from their changelogs
        assert worker.proc is not None
        try:
            harness.wait_group(broker.bootstrap, settings.group, 1, timeout=90)
            # The broker back empty, its topics made again before the worker rejoins
            # (frozen meanwhile), so its table partitions stay assigned through it.
            worker.proc.send_signal(signal.SIGSTOP)
            broker.kill()
            shutil.rmtree(broker.node.log_dir)
            broker.start()
            topics.ensure_topics(settings)
            worker.proc.send_signal(signal.SIGCONT)
            later = harness.SAMPLES[:4]
            harness.feed_files(broker.bootstrap, later, received_at="2024-06-02T12:00:00.000Z")
            wanted = {p.name for p in later}
            events = harness.read_until(
                broker.bootstrap,
                TOPIC_ENRICHED,
                lambda es: wanted <= {e["source"]["original_id"] for e in es},
                timeout=120,
            )
            assert worker.proc.poll() is None, worker.log()
        finally:
            worker.stop()
    log = worker.log_path.read_text()
    assert wanted <= {e["source"]["original_id"] for e in events}, worker.log()
    assert "ConsistencyError" not in log
    # Loudly: the changelog read again ("past its end"), or, when the rebalance came
    # before the worker made the changelog topics again (they start empty then, with
    # nothing to read past), the raw offsets read again from the new log's start.
    assert "past its end" in log or "is past the end of the log" in log, worker.log()
