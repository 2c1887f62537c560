"""A worker's /metrics after a known set of stories: counters equal what was fed."""

from __future__ import annotations

import time
import urllib.request
from collections import Counter

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from pipeline.broker import free_port
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_RAW
from pipeline.metrics import PipelineMetrics
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]


def samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def by_name(values: dict, name: str) -> dict[tuple, float]:
    return {labels: v for (n, labels), v in values.items() if n == name}


@pytest.fixture(scope="module")
def scraped(kafka_node, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("metrics")
    port = free_port()
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, workdir, metrics_port=port).start()
        try:
            harness.feed_files(broker.bootstrap, harness.FILES)
            producer = harness.producer(broker.bootstrap)
            producer.send(TOPIC_RAW, b"\x00\x01 not a story")
            producer.flush()
            producer.close()
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(harness.FILES))
            harness.count_in(broker.bootstrap, TOPIC_DEADLETTER, 1)
            deadline = time.monotonic() + 20
            values = samples(port)
            while time.monotonic() < deadline and not by_name(values, "wires_consumer_lag"):
                time.sleep(1)  # lag is reported every few seconds
                values = samples(port)
        finally:
            worker.stop()
    return values


def test_enriched_counts_by_agency_and_section(scraped):
    expected = Counter(
        (e["agency"] or "unknown", e["section"]["label"] or "unknown")
        for e in harness.offline(harness.FILES).values()
    )
    got = {
        (dict(labels)["agency"], dict(labels)["section"]): value
        for labels, value in by_name(scraped, "wires_stories_enriched_total").items()
    }
    assert got == {key: float(n) for key, n in expected.items()}


def test_received_dead_lettered_and_bytes(scraped):
    assert scraped[("wires_stories_received_total", ())] == len(harness.FILES) + 1
    assert by_name(scraped, "wires_stories_deadlettered_total") == {
        (("reason", "undecodable"),): 1.0
    }
    size = sum(f.stat().st_size for f in harness.FILES) + len(b"\x00\x01 not a story")
    assert scraped[("wires_bytes_in_total", ())] == size
    assert scraped[("wires_bytes_out_total", ())] > size


def test_blocks_stripped_by_kind(scraped):
    expected = Counter(
        b["kind"]
        for e in harness.offline(harness.FILES).values()
        for b in e["blocks"]
        if b["kind"] != "body"
    )
    got = {
        dict(labels)["kind"]: v
        for labels, v in by_name(scraped, "wires_blocks_stripped_total").items()
    }
    assert got == {kind: float(n) for kind, n in expected.items()}


def test_latency_and_engine_histograms_are_populated(scraped):
    for name in ("wires_latency_seconds_count", "wires_engine_seconds_count"):
        assert scraped[(name, ())] == len(harness.FILES)
    assert scraped[("wires_engine_seconds_sum", ())] > 0
    buckets = by_name(scraped, "wires_latency_seconds_bucket")
    assert buckets[(("le", "+Inf"),)] == len(harness.FILES)


def test_lag_worker_up_and_info(scraped):
    lag = by_name(scraped, "wires_consumer_lag")
    assert {dict(labels)["partition"] for labels in lag} == {str(p) for p in range(8)}
    assert all(value == 0 for value in lag.values())
    assert scraped[("wires_worker_up", ())] == 1
    (info,) = by_name(scraped, "wires_worker_info")
    assert dict(info)["version"] and dict(info)["group"] == "wires-enricher"


def test_metric_names_follow_prometheus_conventions():
    registry = CollectorRegistry()
    PipelineMetrics(registry, worker="w", group="g")
    for family in registry.collect():
        assert family.name.startswith("wires_")
        if family.type == "counter":
            assert not family.name.endswith("_total")  # the client adds _total
        if family.type == "histogram":
            assert family.name.endswith("_seconds")
