"""Agency formats through a real worker: a news message of three items (one empty)
and a ninjs batch on wires.raw give one enriched event per readable item and one
``malformed_item`` dead letter per unreadable one, as the offline reading."""

from __future__ import annotations

import io

import orjson
import pytest

from pipeline import enrich_files
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED
from tests.brokerkit import fresh
from tests.formats.conftest import SAMPLES
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]

FILES = [SAMPLES / "message-three-items.newsml-g2.xml", SAMPLES / "three-objects.ninjs2.json"]


def test_one_outcome_per_item_through_the_worker(kafka_node, tmp_path):
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        try:
            harness.feed_files(broker.bootstrap, FILES)
            enriched = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 4)
            dead = harness.count_in(broker.bootstrap, TOPIC_DEADLETTER, 2)
        finally:
            worker.stop()
    assert len(enriched) == 4, worker.log()
    headlines = sorted(e["headline"] for e in enriched)
    assert headlines[0] == "Island ferry adds a night crossing for hospital staff"
    assert {e["item"]["format"] for e in enriched} == {"newsml-g2", "ninjs-2"}
    assert {d["reason"] for d in dead} == {"malformed_item"}
    assert sorted(d["error"][:11] for d in dead) == ["item 2 of 3", "item 2 of 3"]
    out = io.BytesIO()
    enrich_files.run(
        [str(f) for f in FILES], out=out, err=io.StringIO(), received_at=harness.RECEIVED_AT
    )
    offline = [orjson.loads(line) for line in out.getvalue().splitlines()]
    by_id = {e["id"]: harness.without_volatile(e) for e in offline}
    assert {e["id"]: harness.without_volatile(e) for e in enriched} == by_id
