"""Fixtures for the dashboard tests: child processes that are always stopped, and the
embedded broker. Every process is started by a fixture whose finalizer stops it, so a
failing test leaves nothing running."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_processes import Child

from pipeline.broker import KafkaBroker
from pipeline.config import Settings
from pipeline.topics import ensure_topics
from tests.brokerkit import fresh

PARTITIONS = 4
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WAIT_MS = 60_000  # generous: a loaded 2-core machine, a worker that must join its group


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A page of Debian's headless Chromium at 1400 x 900, every wait up to WAIT_MS."""
    import playwright.sync_api as playwright_api  # only the browser tests need it

    expect = playwright_api.expect
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        # Not a skip: a browser test that silently does not run proves nothing.
        pytest.fail("needs Debian's Chromium: run `make browser` (apt-get install -y chromium)")
    expect.set_options(timeout=WAIT_MS)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(WAIT_MS)
            yield context.new_page()
        finally:
            browser.close()
            expect.set_options(timeout=5_000)  # Playwright's default


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
