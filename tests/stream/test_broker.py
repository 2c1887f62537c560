"""The embedded brokers start, serve Kafka clients, stop cleanly and fail loudly.

Kafka tests use the session's node (one JVM per session) or a fake ``java``; the last
test is the one smoke test of the Tansu option."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.broker import BrokerError, KafkaBroker, TansuBroker, port_is_free
from pipeline.config import Settings
from pipeline.topics import ensure_topics
from tests.brokerkit import fresh

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


def fake_java(tmp_path: Path, script: str) -> str:
    """An executable shell script standing in for ``java``: the storage format succeeds
    (without writing anything), the broker runs ``script``."""
    path = tmp_path / "fake-java"
    path.write_text('#!/bin/sh\ncase "$*" in *StorageTool*) exit 0;; esac\n' + script + "\n")
    path.chmod(0o755)
    return str(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def produce(bootstrap: str, topic: str, n: int) -> None:
    """``n`` values on partition 0 of ``topic``, created first: the embedded broker
    creates no topic on first use (as in production, see pipeline.topics)."""
    ensure_topics(Settings(broker=bootstrap), [topic], partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for i in range(n):
        producer.send(topic, f"m{i}".encode(), partition=0)
    producer.flush()
    producer.close()


def consume(bootstrap: str, topic: str, n: int, timeout: float = 30.0) -> list[bytes]:
    """The first ``n`` values of partition 0 (waiting: a restarted broker may take a
    moment to lead its partitions again)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            values.extend(r.value for r in records)
    consumer.close()
    return values[:n]


def test_produce_and_consume_round_trip(broker, unique_name):
    topic = unique_name("roundtrip")
    produce(broker.bootstrap, topic, 10)
    assert consume(broker.bootstrap, topic, 10) == [f"m{i}".encode() for i in range(10)]


def test_bootstrap_is_loopback_host_and_port(broker):
    host, port = broker.bootstrap.rsplit(":", 1)
    assert host == "127.0.0.1"
    assert broker.port == int(port)
    assert not port_is_free(broker.port)
    assert broker.kind == "kafka" and broker.durable
    assert broker.log_path.is_file() and "Kafka Server started" in broker.log_path.read_text()
    assert (broker.data_dir / "kafka-logs" / "meta.properties").is_file()


def test_stop_frees_the_port_and_a_restart_keeps_the_data(kafka_node, unique_name):
    topic = unique_name("durable")
    with fresh(kafka_node, empty=False) as node:
        produce(node.bootstrap, topic, 5)
        port, pid = node.port, node.pid
        assert pid is not None
        node.stop()
        assert not node.running and not pid_alive(pid) and port_is_free(port)
        with pytest.raises(BrokerError, match="not running"):
            _ = node.bootstrap
        node.stop()  # idempotent
        node.start()
        assert node.port == port and node.pid != pid
        assert consume(node.bootstrap, topic, 5) == [f"m{i}".encode() for i in range(5)]


def test_sigkill_and_restart_on_the_same_data_dir(kafka_node, unique_name):
    topic = unique_name("killed")
    with fresh(kafka_node, empty=False) as node:
        produce(node.bootstrap, topic, 5)  # acks=all: on disk (page cache) before the ack
        node.kill()
        assert not node.running
        node.restart()
        assert consume(node.bootstrap, topic, 5) == [f"m{i}".encode() for i in range(5)]


def test_port_already_in_use_is_a_clear_error(broker, tmp_path):
    with pytest.raises(BrokerError, match="already in use"):
        KafkaBroker(tmp_path / "second", port=broker.port).start()


def test_missing_java_is_a_clear_error(tmp_path):
    with pytest.raises(BrokerError, match="cannot run"):
        KafkaBroker(tmp_path / "k", java=tmp_path / "no-such-java").start()


def test_missing_java_on_path_names_what_to_install(tmp_path, monkeypatch):
    from pipeline.broker import kafka

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(BrokerError, match="java not found: install a Java runtime, 17"):
        kafka.java_binary()
    monkeypatch.setenv("WIRES_KAFKA_JARS", str(tmp_path / "no-jars"))
    with pytest.raises(BrokerError, match="java not found"):
        kafka.ensure_jars()


def test_jvm_that_dies_reports_exit_code_and_log(tmp_path):
    java = fake_java(tmp_path, 'echo "Address already in use" >&2; exit 3')
    broker = KafkaBroker(tmp_path / "k", java=java)
    with pytest.raises(BrokerError, match=r"exited with code 3(.|\n)*Address already in use"):
        broker.start()
    assert not broker.running


def test_jvm_that_never_answers_times_out_and_is_killed(tmp_path):
    java = fake_java(tmp_path, "echo started; exec sleep 60")
    broker = KafkaBroker(tmp_path / "k", java=java, ready_timeout=1.0, stop_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(BrokerError, match=r"not ready after 1 s(.|\n)*started"):
        broker.start()
    assert time.monotonic() - started < 10
    assert not broker.running


def run_foreground(tmp_path: Path, *args: str) -> tuple[str, str]:
    """``python -m pipeline broker ARGS`` until its first lines, then SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "broker", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        head = ""
        while first.startswith("broker ready") and "Ctrl-C to stop" not in head:
            line = proc.stdout.readline()
            if not line:
                break
            head += line
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, first + head + out
    return first, head + out


def test_broker_command_runs_kafka_on_a_data_dir_and_stops_on_sigterm(tmp_path):
    from pipeline.broker import free_port

    port = free_port()
    first, rest = run_foreground(tmp_path, "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert first.strip() == f"broker ready: 127.0.0.1:{port}", rest
    assert "Apache Kafka, data in" in rest and "broker stopped" in rest
    assert (tmp_path / "d" / "kafka-logs" / "meta.properties").is_file()
    assert port_is_free(port)


def test_tansu_option_smoke(tmp_path, unique_name):
    """The lightweight option: serves clients, says it is not durable, stops."""
    with TansuBroker(log_path=tmp_path / "tansu.log") as tansu:
        assert tansu.kind == "tansu" and not tansu.durable
        topic = unique_name("tansu")
        produce(tansu.bootstrap, topic, 3)
        assert consume(tansu.bootstrap, topic, 3) == [b"m0", b"m1", b"m2"]
        port = tansu.port
    assert port_is_free(port)
    from pipeline.broker import free_port

    port = free_port()
    first, rest = run_foreground(tmp_path, "--kind", "tansu", "--port", str(port))
    assert first.strip() == f"broker ready: 127.0.0.1:{port}"
    assert "NOT durable" in rest
