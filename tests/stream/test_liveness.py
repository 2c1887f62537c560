"""Issue 15 (3): a hung worker no longer looks alive. Metrics are served from their own
thread, so ``/metrics`` answering and ``wires_worker_up 1`` said nothing about the
agents; ``/healthz`` (the k8s liveness probe) and ``wires_worker_up`` now follow the
event loop's heartbeat and the progress through the backlog."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from pipeline.broker import free_port
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]

APP = Path(__file__).with_name("stall_app.py")


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while (result := check()) is None or result is False:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)
    return result


def test_a_worker_whose_loop_hangs_says_so_on_healthz_and_worker_up(kafka_node, tmp_path):
    with fresh(kafka_node) as broker:
        port = free_port()
        worker = harness.Worker(broker.bootstrap, tmp_path, metrics_port=port)
        log = worker.log_path.open("ab")
        proc = subprocess.Popen(
            [sys.executable, str(APP)],
            env={**worker.env, "STALL_AFTER": "3"},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=harness.ROOT,
        )
        log.close()
        try:
            harness.wait_group(broker.bootstrap, harness.settings(broker.bootstrap).group, 1)
            harness.feed_files(broker.bootstrap, harness.SAMPLES[:2])
            harness.count_in(broker.bootstrap, "wires.enriched", 2)
            status, body = get(port, "/healthz")
            assert status == 200, body
            assert orjson.loads(body)["status"] == "ok"
            assert b"wires_worker_up 1.0" in get(port, "/metrics")[1]

            producer = harness.producer(broker.bootstrap)
            harness.send_raw(producer, b"Madrid, 1 jun (EFE).- STALL-HERE una historia.", "stall")
            producer.flush()
            producer.close()

            def stalled() -> dict | None:
                code, raw = get(port, "/healthz")
                return orjson.loads(raw) if code == 503 else None

            verdict = wait_for(stalled, 60, "/healthz to answer 503")
            assert verdict["status"] == "stalled"
            assert verdict["reason"].startswith("event loop stalled")
            assert verdict["loop_heartbeat_age_seconds"] > 3
            page = get(port, "/metrics")[1].decode()
            assert "wires_worker_up 0.0" in page, page[-1500:]
            assert "wires_loop_heartbeat_age_seconds" in page
        finally:
            proc.kill()
            proc.wait(30)
