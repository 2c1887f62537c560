"""The embedded broker starts, serves Kafka clients, stops cleanly and fails loudly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.broker import BrokerError, EmbeddedBroker, free_port, port_is_free

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]


def fake_binary(tmp_path: Path, script: str) -> str:
    """An executable shell script standing in for the Tansu binary."""
    path = tmp_path / "fake-tansu"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_produce_and_consume_round_trip(broker, unique_name):
    topic = unique_name("roundtrip")
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(10):
        producer.send(topic, f"m{i}".encode(), partition=0)
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=5000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    values = [record.value for _, record in zip(range(10), consumer, strict=False)]
    consumer.close()
    assert values == [f"m{i}".encode() for i in range(10)]


def test_bootstrap_is_loopback_host_and_port(broker):
    host, port = broker.bootstrap.rsplit(":", 1)
    assert host == "127.0.0.1"
    assert broker.port == int(port)
    assert not port_is_free(broker.port)


def test_stop_frees_the_port_for_a_new_broker():
    first = EmbeddedBroker().start()
    port, pid = first.port, first.pid
    assert pid is not None
    first.stop()
    assert not first.running
    assert not pid_alive(pid)
    assert port_is_free(port)
    with pytest.raises(BrokerError, match="not running"):
        _ = first.bootstrap
    # Tansu panics on a port that is still held: a restart on the same port must work.
    with EmbeddedBroker(port) as second:
        assert second.bootstrap == f"127.0.0.1:{port}"
    first.stop()  # idempotent


def test_port_already_in_use_is_a_clear_error(broker):
    with pytest.raises(BrokerError, match="already in use"):
        EmbeddedBroker(broker.port).start()


def test_missing_binary_is_a_clear_error(tmp_path):
    with pytest.raises(BrokerError, match="cannot run broker binary"):
        EmbeddedBroker(binary=tmp_path / "no-such-tansu").start()


def test_binary_that_dies_reports_exit_code_and_log(tmp_path):
    binary = fake_binary(tmp_path, 'echo "thread main panicked: Address in use" >&2; exit 3')
    broker = EmbeddedBroker(free_port(), binary=binary, log_path=tmp_path / "b.log")
    with pytest.raises(BrokerError, match=r"exited with code 3(.|\n)*panicked"):
        broker.start()
    assert not broker.running


def test_binary_that_never_answers_times_out_and_is_killed(tmp_path):
    binary = fake_binary(tmp_path, "echo started; exec sleep 60")
    broker = EmbeddedBroker(binary=binary, ready_timeout=1.0, stop_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(BrokerError, match=r"not ready after 1 s(.|\n)*started"):
        broker.start()
    assert time.monotonic() - started < 10
    assert not broker.running


def test_run_foreground_prints_address_and_stops_on_sigterm(tmp_path):
    port = free_port()
    code = f"from pipeline.broker import run_foreground; raise SystemExit(run_foreground({port}))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.strip() == f"broker ready: 127.0.0.1:{port}"
        assert not port_is_free(port)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "broker stopped" in out
    assert port_is_free(port)
