"""Faults and hostile input on the real broker: a broker that is not there yet, a
worker killed again and again under load, and every malformed shape of message."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_RAW
from tests.brokerkit import fresh
from tests.stream import harness
from tests.stream.test_restart import TEMPLATE

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]


def test_worker_waits_for_a_broker_that_is_not_there_yet(kafka_node, tmp_path):
    with fresh(kafka_node):
        kafka_node.stop()  # the session's node, back on the same port below
        worker = harness.Worker(f"127.0.0.1:{kafka_node.port}", tmp_path).start()
        worker.env["WIRES_LOG_LEVEL"] = "info"
        try:
            time.sleep(4)  # a few attempts against nothing
            assert worker.proc is not None and worker.proc.poll() is None, worker.log()
            # the worker's own line (kafka-python's connection noise is silenced in workers)
            assert "not reachable yet" in worker.log() and "retrying in" in worker.log()
            broker = kafka_node.start()
            try:
                harness.feed_files(broker.bootstrap, harness.SAMPLES[:3])
                events = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 3, timeout=120)
                assert len(events) == 3
            finally:
                worker.stop()  # before the broker goes: a worker without one stops slowly
        finally:
            worker.stop()


def test_worker_killed_ten_times_under_steady_load_loses_nothing(kafka_node, tmp_path):
    rate, kills = 100, 10
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        sent: list[str] = []
        stop = threading.Event()

        def steady_feed() -> None:
            producer = harness.producer(broker.bootstrap)
            started = time.monotonic()
            while not stop.is_set():
                i = len(sent)
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                original_id = f"load-{i}"
                harness.send_raw(producer, TEMPLATE.format(i=original_id).encode(), original_id)
                sent.append(original_id)
            producer.flush()
            producer.close()

        feeder = threading.Thread(target=steady_feed)
        feeder.start()
        try:
            for _ in range(kills):
                time.sleep(3)
                worker.stop(signal.SIGKILL)
                worker.start()
        finally:
            stop.set()
            feeder.join()
        try:
            events = harness.read_until(
                broker.bootstrap,
                TOPIC_ENRICHED,
                harness.until_all(sent),
                timeout=120,
            )
        finally:
            worker.stop()
    seen = [e["source"]["original_id"] for e in events]
    lost = set(sent) - set(seen)
    print(
        f"{len(sent)} sent over {kills} kills: {len(lost)} lost, "
        f"{len(seen) - len(set(seen))} repeats, {sum(e['duplicate'] for e in events)} marked"
    )
    assert not lost


GOOD = harness.SAMPLES[0].read_bytes()
MALFORMED = [
    ("bad JSON", b'{"text": "unterminated', "application/json", "malformed_envelope"),
    (
        "wrong types",
        b'{"text": ["a", "list"], "feed": 5}',
        "application/json",
        "malformed_envelope",
    ),
    ("not an object", b'["text"]', "application/json", "malformed_envelope"),
    ("empty", b"", None, "empty"),
    ("only spaces", b" \n\t\n ", None, "empty"),
    ("binary", bytes(range(256)) * 4, None, "undecodable"),
    ("invalid UTF-8", "Bogotá".encode()[:-1] + b"\x81\x8d\x90 more", None, "undecodable"),
    ("oversize", b"x" * 20_001, None, "too_large"),
    ("10,000 lines", b"a line\n" * 10_000, None, "too_large"),
    ("10,000 short lines", b"l\n" * 10_000, None, "too_many_lines"),
    ("only chrome", b"Skip to content\nShare this:\nBack to top button", None, "empty"),
]


def test_every_malformed_shape_is_dead_lettered_while_the_partition_flows(kafka_node, tmp_path):
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path)
        worker.env["WIRES_MAX_STORY_BYTES"] = "20000"
        worker.start()
        try:
            producer = harness.producer(broker.bootstrap)
            key = b"one-partition"  # all on one partition: the bad must not block the good
            for i, (name, value, content_type, _) in enumerate(MALFORMED):
                headers = [("wires-id", name.encode())]
                if content_type:
                    headers.append(("content-type", content_type.encode()))
                producer.send(TOPIC_RAW, value, key=key, headers=headers)
                producer.send(
                    TOPIC_RAW,
                    GOOD + f"\nGood story {i}.".encode(),
                    key=key,
                    headers=[("wires-id", f"good-{i}".encode())],
                )
            producer.flush()
            producer.close()
            dead = harness.count_in(broker.bootstrap, TOPIC_DEADLETTER, len(MALFORMED))
            good = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(MALFORMED))
        finally:
            worker.stop()
    reasons = {d["headers"]["wires-id"]: d["reason"] for d in dead}
    assert reasons == {name: reason for name, _, _, reason in MALFORMED}
    assert {e["source"]["original_id"] for e in good} == {
        f"good-{i}" for i in range(len(MALFORMED))
    }
    assert all(d["error"] and d["partition"] is not None for d in dead)
    letters = {d["headers"]["wires-id"]: d for d in dead}
    # A message over the story limit is not copied into its letter (the letter must fit
    # on the topic); the letter says so and where the original is.
    too_big = letters["10,000 lines"]
    assert too_big["payload_omitted"] and too_big["payload_bytes"] == len(b"a line\n" * 10_000)
    assert too_big["topic"] == TOPIC_RAW and isinstance(too_big["offset"], int)
    assert not letters["binary"]["payload_omitted"] and letters["binary"]["payload_base64"]


def test_a_story_with_huge_headers_or_key_is_dead_lettered_and_the_worker_goes_on(
    kafka_node, tmp_path
):
    """Issue 15 (1): one 2 KB story with a 3.5 MB ``wires-id`` header made its event and
    its dead letter too large to publish, and the worker stopped on it, again after
    every restart. Now it is a dead letter that names the header it left out."""
    huge = b"x" * 3_500_000
    poison = [
        ("huge header", [("wires-id", huge)], b"one-partition"),
        ("many headers", [(f"x-{n}", b"1") for n in range(40)], b"one-partition"),
        ("huge key", [], b"k" * 100_000),
    ]
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        try:
            producer = harness.producer(broker.bootstrap)
            producer.config["max_request_size"] = 8_000_000
            for i, (name, headers, key) in enumerate(poison):
                story = GOOD + f"\nPoisoned story {i}.".encode()
                producer.send(
                    TOPIC_RAW, story, key=key, headers=[("x-name", name.encode()), *headers]
                )
                good = GOOD + f"\nGood story {i}.".encode()
                producer.send(
                    TOPIC_RAW,
                    good,
                    key=b"one-partition",
                    headers=[("wires-id", f"good-{i}".encode())],
                )
            producer.flush()
            producer.close()
            dead = harness.count_in(broker.bootstrap, TOPIC_DEADLETTER, len(poison))
            good = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(poison))
            assert worker.proc is not None and worker.proc.poll() is None, worker.log()
        finally:
            worker.stop()
    assert {e["source"]["original_id"] for e in good} == {f"good-{i}" for i in range(3)}
    letters = {d["headers"].get("x-name"): d for d in dead}
    assert set(letters) == {"huge header", "many headers", "huge key"}, dead
    header = letters["huge header"]
    assert header["reason"] == "headers_too_large"
    assert header["headers_omitted"] == [f"wires-id ({len(huge) + 8} bytes)"]
    assert header["payload_base64"] and header["offset"] is not None
    assert letters["many headers"]["reason"] == "headers_too_large"
    assert len(letters["many headers"]["headers"]) == 32  # what fits is kept
    key = letters["huge key"]
    assert key["reason"] == "key_too_large" and key["key_omitted"] and key["key"] is None


def test_a_worker_whose_broker_goes_away_neither_spins_nor_floods_its_log(kafka_node, tmp_path):
    """Issue 15 (8): without its broker a worker retried metadata with no pause and
    wrote ~3,800 lines a second (Kafka 4.4); now a pause after each failed update and
    one line per kind of retry every 10 s. It carries on when the broker is back."""
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        try:
            harness.wait_group(broker.bootstrap, harness.settings(broker.bootstrap).group, 1)
            harness.feed_files(broker.bootstrap, harness.SAMPLES[:1])
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 1)
            before = len(worker.log_path.read_bytes().splitlines())
            kafka_node.stop()
            time.sleep(10)
            during = worker.log_path.read_bytes().splitlines()[before:]
            kafka_node.start()
            harness.feed_files(broker.bootstrap, harness.SAMPLES[1:2])
            events = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 2, timeout=120)
        finally:
            worker.stop()
    assert len(during) < 60, b"\n".join(during[-40:]).decode(errors="replace")
    assert len(events) >= 2
