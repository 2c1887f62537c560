"""Agency formats through a real worker: a news message of three items (one empty)
and a ninjs batch on wires.raw give one enriched event per readable item (and its
ninjs 2.2 on wires.ninjs) and one ``malformed_item`` dead letter per unreadable one,
as the offline reading."""

from __future__ import annotations

import io

import orjson
import pytest

from pipeline import enrich_files
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_NINJS
from tests.brokerkit import fresh
from tests.formats.conftest import SAMPLES, SHARED
from tests.formats.test_ninjs import ninjs_validator
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
            ninjs = harness.count_in(broker.bootstrap, TOPIC_NINJS, 4)
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
    # wires.ninjs: the same stories, same keys, each valid ninjs 2.2
    assert sorted(o["_key"] for o in ninjs) == sorted(e["_key"] for e in enriched)
    assert {o["headlines"][0]["value"] for o in ninjs} == set(headlines)
    if SHARED.exists():
        check = ninjs_validator()
        for obj in ninjs:
            check.validate({k: v for k, v in obj.items() if k != "_key"})
