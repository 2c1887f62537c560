"""Shared fixtures: one real Kafka node per test session, a clean slate on it for the
tests that use the pipeline's fixed topic names, and unique topic names.

Tests that take a broker fixture are marked ``@pytest.mark.broker`` so the fast tier
runs alone with ``pytest -m "not broker"``. The session's node is started on first use
and stopped at the end (SIGTERM, SIGKILL fallback; the JVM also dies with pytest).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.broker import KafkaBroker
from tests.brokerkit import reset


@pytest.fixture(scope="session")
def kafka_node() -> Iterator[KafkaBroker]:
    """The session's single Kafka KRaft node.

    Its data lives in its own temporary directory (removed at stop), not under pytest's
    ``/tmp/pytest-of-USER``: pytest keeps only the newest three session directories
    there, so a second pytest run by the same user (another checkout) deleted a
    running node's log directory (seen: partitions offline, tests starved)."""
    root = tempfile.mkdtemp(prefix="wires-kafka-session-")
    node = KafkaBroker(root)  # a given directory survives stop(): tests restart on it
    node.start()
    try:
        yield node
    finally:
        node.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def broker(kafka_node: KafkaBroker) -> KafkaBroker:
    """The session's Kafka node, shared: use :func:`unique_name` topics, or take
    :func:`fresh_broker`. A test that stops or kills it does so inside
    ``tests.brokerkit.fresh``, which starts it again."""
    return kafka_node


@pytest.fixture
def fresh_broker(broker: KafkaBroker) -> KafkaBroker:
    """The session's node with no topics and no consumer groups left by earlier tests,
    for tests of the pipeline's fixed topics (``wires.raw`` ...) and group.

    Cheaper than a broker per test (a JVM start costs ~5 s here): deleting a topic
    also deletes the offsets committed for it."""
    reset(broker.bootstrap)
    return broker


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Factory of topic / group names no other test uses (the session shares one
    broker, and topics are not cleaned up between tests that use these names)."""
    test = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name)[:60].strip("-")

    def make(prefix: str = "t") -> str:
        return f"{prefix}.{test}.{uuid.uuid4().hex[:8]}"

    return make


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Gold stories and samples copied into the repository (tests/data)."""
    return Path(__file__).parent / "data"
