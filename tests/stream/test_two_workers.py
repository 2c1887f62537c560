"""Two workers started together split the partitions and together enrich every story
exactly as one worker (and the offline command) does."""

from __future__ import annotations

import re
import time
import urllib.request

import pytest

from pipeline.broker import free_port
from pipeline.config import TOPIC_ENRICHED
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]

LAG_LINE = re.compile(r'^wires_consumer_lag\{partition="(\d+)"\}', re.M)
RECEIVED = re.compile(r"^wires_stories_received_total ([0-9.e+]+)$", re.M)


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_two_workers_share_the_work(kafka_node, tmp_path):
    with fresh(kafka_node) as broker:
        ports = [free_port(), free_port()]
        workers = [
            harness.Worker(broker.bootstrap, tmp_path, name=f"w{i}", metrics_port=port)
            for i, port in enumerate(ports)
        ]
        for worker in workers:
            worker.start()
        try:
            harness.wait_group(broker.bootstrap, harness.settings(broker.bootstrap).group, 2)
            harness.feed_files(broker.bootstrap, harness.FILES)
            events = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(harness.FILES))
            # Partitions each worker owns, from its lag gauge (updated every 5 s).
            deadline = time.monotonic() + 30
            owned: list[set[str]] = [set(), set()]
            while time.monotonic() < deadline:
                pages = [scrape(port) for port in ports]
                owned = [set(LAG_LINE.findall(page)) for page in pages]
                if all(owned) and len(owned[0] | owned[1]) == 8:
                    break
                time.sleep(1)
            received = [float(RECEIVED.search(page).group(1)) for page in pages]
        finally:
            for worker in workers:
                worker.stop()
    assert owned[0] and owned[1], (owned, workers[0].log(), workers[1].log())
    assert not owned[0] & owned[1]
    assert owned[0] | owned[1] == {str(p) for p in range(8)}
    assert all(n > 0 for n in received) and sum(received) >= len(harness.FILES)
    by_path = {e["source"]["path"]: e for e in events}
    for path, expected in harness.offline(harness.FILES).items():
        assert harness.without_volatile(by_path[path]) == harness.without_volatile(expected)
