"""Secrets never reach logs or printed settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.brokerkit import fresh
from tests.stream import harness

SECRET = "hunter2-very-secret"
TOKEN = "efe:" + "t0ken" * 5


def test_config_command_masks_secrets():
    env = {**os.environ, "WIRES_SASL_PASSWORD": SECRET, "WIRES_INGEST_TOKENS": TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "sasl_password = ********" in result.stdout
    assert SECRET not in result.stdout and "t0ken" not in result.stdout


@pytest.mark.broker
@pytest.mark.timeout(120)
def test_worker_with_sasl_settings_logs_no_secret(kafka_node, tmp_path):
    """A worker configured for SASL (refused by the plaintext embedded broker) logs at
    debug level while it retries: the password must appear nowhere."""
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path)
        worker.env.update(
            {
                "WIRES_LOG_LEVEL": "debug",
                "WIRES_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "WIRES_SASL_MECHANISM": "PLAIN",
                "WIRES_SASL_USERNAME": "wires",
                "WIRES_SASL_PASSWORD": SECRET,
            }
        )
        worker.start()
        try:
            time.sleep(8)
        finally:
            worker.stop()
    log = worker.log_path.read_text(errors="replace")
    assert "SASL" in log or "sasl" in log or "broker" in log  # it did try and say so
    assert SECRET not in log
