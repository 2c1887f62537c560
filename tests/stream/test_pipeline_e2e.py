"""The pipeline end to end on the embedded broker: what goes in comes out, enriched
exactly as the offline ``enrich`` command reads the same bytes; bad input is
dead-lettered with its reason while the good stories around it still arrive."""

from __future__ import annotations

import base64

import pytest

from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_RAW
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]

FILES = harness.FILES
MALFORMED = b'{"id": "bad-1", "feed": "test", "text": 42}'
UNDECODABLE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary"


@pytest.fixture(scope="module")
def run(kafka_node, tmp_path_factory):
    """A fresh broker and one worker; the samples, the dev corpus and two bad
    messages fed in; everything read back."""
    workdir = tmp_path_factory.mktemp("e2e")
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, workdir).start()
        try:
            half = len(FILES) // 2
            harness.feed_files(broker.bootstrap, FILES[:half])
            producer = harness.producer(broker.bootstrap)
            producer.send(TOPIC_RAW, MALFORMED, headers=[("content-type", b"application/json")])
            producer.send(TOPIC_RAW, UNDECODABLE, headers=[("wires-id", b"bad-2")])
            producer.flush()
            producer.close()
            harness.feed_files(broker.bootstrap, FILES[half:])
            enriched = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, len(FILES))
            dead = harness.count_in(broker.bootstrap, TOPIC_DEADLETTER, 2)
        finally:
            worker.stop()
        yield enriched, dead, worker


def test_every_story_arrives_enriched_as_offline(run):
    enriched, _, worker = run
    by_path = {e["source"]["path"]: e for e in enriched}
    assert len(by_path) == len(FILES), worker.log()
    expected = harness.offline(FILES)
    for path, event in expected.items():
        assert harness.without_volatile(by_path[path]) == harness.without_volatile(event), path


def test_stream_events_carry_transport_metadata(run):
    enriched, _, _ = run
    event = enriched[0]
    assert event["received_at"] == harness.RECEIVED_AT
    assert event["source"]["original_id"] == event["source"]["path"].rsplit("/", 1)[-1]


def test_bad_messages_are_dead_lettered_with_reasons(run):
    _, dead, _ = run
    by_reason = {d["reason"]: d for d in dead}
    assert set(by_reason) == {"malformed_envelope", "undecodable"}
    malformed = by_reason["malformed_envelope"]
    assert "'text' must be a string" in malformed["error"]
    assert base64.b64decode(malformed["payload_base64"]) == MALFORMED
    undecodable = by_reason["undecodable"]
    assert "binary data" in undecodable["error"]
    assert base64.b64decode(undecodable["payload_base64"]) == UNDECODABLE
    assert undecodable["headers"]["wires-id"] == "bad-2"
    assert undecodable["topic"] == TOPIC_RAW and undecodable["offset"] is not None


def test_enriched_events_are_keyed_by_story_id(run):
    """Keyed by the id every version shares, so versions stay in order in one partition."""
    enriched, _, _ = run
    assert all(e["_key"] == e["story_id"].encode() for e in enriched)
    assert len({e["id"] for e in enriched}) == len(FILES)
