"""Fixtures for the dashboard tests: child processes that are always stopped, and the
embedded broker. Every process is started by a fixture whose finalizer stops it, so a
failing test leaves nothing running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_processes import Child

from pipeline.broker import KafkaBroker
from pipeline.config import Settings
from pipeline.topics import ensure_topics
from tests.brokerkit import fresh

PARTITIONS = 4


@pytest.fixture
def children(tmp_path: Path) -> Iterator[list[Child]]:
    """Register children here; all are stopped at teardown, last started first."""
    started: list[Child] = []
    yield started
    for child in reversed(started):
        code = child.stop()
        # Captured: pytest shows it only when the test failed.
        print(f"--- {child.name} (exit code {code}) ---\n{child.output()[-4000:]}")


@pytest.fixture
def broker(kafka_node: KafkaBroker) -> Iterator[KafkaBroker]:
    """The session's Kafka node, emptied: the dashboard reads the pipeline's topics."""
    with fresh(kafka_node) as running:
        yield running


@pytest.fixture
def broker_settings(broker: KafkaBroker) -> Settings:
    settings = Settings(broker=broker.bootstrap, partitions=PARTITIONS)
    ensure_topics(settings)
    return settings
