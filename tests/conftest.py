"""Shared fixtures: one embedded broker per test session, and unique topic names.

Tests that take the ``broker`` fixture are marked ``@pytest.mark.broker`` so the fast
tier runs alone with ``pytest -m "not broker"``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.broker import EmbeddedBroker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """A Tansu broker on a free loopback port, shared by the whole session."""
    log_path = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log_path) as running:
        yield running


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Factory of topic / group names no other test uses.

    The session shares one broker, and topics are not cleaned up between tests:
    DeleteTopics works on Tansu, but any client still holding the name re-creates
    the topic (with 4 partitions) on its next metadata request.
    """
    test = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name)[:60].strip("-")

    def make(prefix: str = "t") -> str:
        return f"{prefix}.{test}.{uuid.uuid4().hex[:8]}"

    return make


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Gold stories and samples copied into the repository (tests/data)."""
    return Path(__file__).parent / "data"
