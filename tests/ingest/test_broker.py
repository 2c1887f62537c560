"""The ingest on the real embedded broker: what a 202 promises is on ``wires.raw``, and a
broker that is down (or goes down) gives 503 + Retry-After until it is back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import orjson
import pytest

from pipeline import events
from pipeline.broker import KafkaBroker
from pipeline.config import TOPIC_RAW
from pipeline.events import normalise_time, parse_raw
from pipeline.topics import ensure_topics
from tests.brokerkit import fresh
from tests.ingest.helpers import (
    FEED_A,
    FEED_B,
    STORY,
    TOKEN_B,
    ServerThread,
    envelope,
    header,
    ndjson,
    post,
    read_all,
    read_at,
    request,
    settings,
    wait_connected,
)

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def url(broker: KafkaBroker) -> Iterator[str]:
    with ServerThread(settings(broker=broker.bootstrap)) as server:
        wait_connected(server.url)
        yield server.url


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_plain_text_lands_as_its_exact_bytes_with_headers(broker, url):
    story_id = unique("plain")
    body = STORY + "Ñandú café — “quoted”\r\n".encode() + b"bytes kept as sent"
    reply = post(url, body, "text/plain; charset=utf-8", headers={"X-Wires-Id": story_id})
    assert reply.status == 202, reply.body
    story = reply.json()["stories"][0]
    assert story["id"] == story_id and story["topic"] == TOPIC_RAW
    (record,) = read_at(broker.bootstrap, [story])
    assert record.value == body
    assert record.key == story_id.encode()
    assert header(record, events.HEADER_FEED) == FEED_A
    assert header(record, events.HEADER_ID) == story_id
    assert header(record, events.HEADER_CONTENT_TYPE) == "text/plain"
    received = header(record, events.HEADER_RECEIVED_AT)
    assert received == normalise_time(received) and received.endswith("Z")
    assert parse_raw(record.value, record.headers).text == body


def test_json_envelope_lands_reencoded_with_the_tokens_feed(broker, url):
    story_id = unique("json")
    body = (
        b'{\n  "text": "Caf\\u00e9 story",  "feed": "spoofed",\n  "id": "%s",  "path": "a/b.txt"}'
    )
    reply = post(url, body % story_id.encode(), "application/json", token=TOKEN_B)
    assert reply.status == 202, reply.body
    (record,) = read_at(broker.bootstrap, reply.json()["stories"])
    sent = orjson.loads(record.value)
    assert record.value == orjson.dumps(sent)  # compact orjson, not the client's bytes
    assert sent["feed"] == FEED_B and sent["id"] == story_id and sent["path"] == "a/b.txt"
    assert sent["text"] == "Café story"
    assert sent["received_at"] == normalise_time(sent["received_at"])
    assert header(record, events.HEADER_CONTENT_TYPE) == "application/json"
    raw = parse_raw(record.value, record.headers)
    assert (raw.meta.feed, raw.meta.original_id) == (FEED_B, story_id)


def test_ndjson_lands_story_by_story(broker, url):
    ids = [unique("nd") for _ in range(3)]
    body = ndjson(
        envelope("one", id=ids[0]),
        envelope("two", id=ids[1], received_at="2021-06-04T09:30:00"),
        envelope("three", id=ids[2], feed="other"),
    )
    reply = post(url, body, "application/x-ndjson")
    assert reply.status == 202, reply.body
    stories = reply.json()["stories"]
    assert [s["id"] for s in stories] == ids and reply.json()["accepted"] == 3
    records = read_at(broker.bootstrap, stories)
    sent = [orjson.loads(r.value) for r in records]
    assert [s["text"] for s in sent] == ["one", "two", "three"]
    assert {s["feed"] for s in sent} == {FEED_A}
    assert sent[1]["received_at"] == "2021-06-04T09:30:00.000Z"


def test_ndjson_with_one_bad_line_puts_nothing_on_the_topic(broker, url):
    ids = [unique("bad") for _ in range(3)]
    body = ndjson(
        envelope(id=ids[0]), envelope(id=ids[1], received_at="never"), envelope(id=ids[2])
    )
    reply = post(url, body, "application/x-ndjson")
    assert reply.status == 400
    assert [line["status"] for line in reply.json()["lines"]] == ["valid", "rejected", "valid"]
    marker = post(url, STORY, headers={"X-Wires-Id": unique("marker")})
    assert marker.status == 202
    records = read_all(broker.bootstrap)
    seen = {header(r, events.HEADER_ID) for r in records}
    seen |= {orjson.loads(r.value).get("id") for r in records if r.value[:1] == b"{"}
    assert marker.json()["stories"][0]["id"] in seen
    assert not seen & set(ids)


def _post_until(url: str, status: int, timeout: float) -> tuple:
    deadline = time.monotonic() + timeout
    while True:
        started = time.monotonic()
        reply = post(url, STORY, headers={"X-Wires-Id": unique("down")})
        if reply.status == status or time.monotonic() > deadline:
            return reply, time.monotonic() - started
        time.sleep(0.2)


def test_broker_down_is_503_and_the_service_recovers(kafka_node):
    with fresh(kafka_node, empty=False):
        config = settings(broker=f"127.0.0.1:{kafka_node.port}")
        ensure_topics(config)  # the topic job, while the broker is up
        kafka_node.stop()  # the session's node, started again on its port below
        ack_timeout = 2.0
        with ServerThread(config, ack_timeout=ack_timeout, topic_job=False) as server:
            # 1. No broker at all: 503 at once, with Retry-After.
            reply, took = _post_until(server.url, 503, 0)
            assert reply.status == 503 and int(reply.headers["retry-after"]) >= 1
            assert reply.json()["accepted"] == 0 and took < ack_timeout + 1
            assert request(server.url, "GET", "/healthz").json()["broker"] != "connected"

            # 2. The broker starts: accepted, and on the topic.
            broker = kafka_node.start()
            reply, _ = _post_until(server.url, 202, 30)
            assert reply.status == 202, reply.body
            first = reply.json()["stories"]
            assert read_at(broker.bootstrap, first)[0].value == STORY
            broker.stop()

            # 3. The broker goes away under a connected producer: 503 within the ack timeout.
            reply, took = _post_until(server.url, 503, 0)
            assert reply.status == 503, reply.body
            assert int(reply.headers["retry-after"]) >= 1 and took < ack_timeout + 2

            # 4. It comes back (Kafka: with what it had): accepted again.
            broker = kafka_node.start()
            reply, _ = _post_until(server.url, 202, 45)
            assert reply.status == 202, reply.body
            assert read_at(broker.bootstrap, reply.json()["stories"])[0].value == STORY
            assert read_at(broker.bootstrap, first)[0].value == STORY  # still there
            assert request(server.url, "GET", "/healthz").json()["broker"] == "connected"
