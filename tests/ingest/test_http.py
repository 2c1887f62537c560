"""The HTTP contract with a fake publisher: status codes, headers, bodies, logging."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import jsonschema
import orjson
import pytest

from pipeline.events import parse_raw
from pipeline.ingest.server import openapi_document
from tests.ingest.helpers import (
    FEED_A,
    FEED_B,
    STORY,
    TOKEN_A,
    TOKEN_B,
    FakePublisher,
    ServerThread,
    envelope,
    ndjson,
    post,
    request,
    settings,
)

MAX = 1000  # WIRES_MAX_STORY_BYTES of these servers


@pytest.fixture(scope="module")
def fake() -> FakePublisher:
    return FakePublisher()


@pytest.fixture(scope="module")
def url(fake: FakePublisher) -> Iterator[str]:
    with ServerThread(settings(max_story_bytes=MAX, ingest_rate=1e6), fake) as server:
        yield server.url


def document() -> dict:
    return json.loads(openapi_document())


def validate(reply_json: object, schema_name: str) -> None:
    schema = {**document(), "$ref": f"#/components/schemas/{schema_name}"}
    jsonschema.Draft202012Validator(schema).validate(reply_json)


# -- accepted ----------------------------------------------------------------------------


def test_plain_text_is_accepted(url, fake):
    reply = post(url, STORY, headers={"X-Wires-Id": "EFE-7"})
    assert reply.status == 202, reply.body
    body = reply.json()
    validate(body, "Accepted")
    assert body["accepted"] == 1 and body["feed"] == FEED_A
    assert body["stories"][0]["id"] == "EFE-7"
    record = fake.records[body["stories"][0]["offset"]]
    assert record.value == STORY
    raw = parse_raw(record.value, record.headers)
    assert (raw.meta.feed, raw.meta.original_id) == (FEED_A, "EFE-7")


def test_each_token_files_under_its_own_feed(url, fake):
    reply = post(url, envelope(feed=FEED_A), "application/json; charset=utf-8", token=TOKEN_B)
    assert reply.status == 202 and reply.json()["feed"] == FEED_B
    record = fake.records[reply.json()["stories"][0]["offset"]]
    assert orjson.loads(record.value)["feed"] == FEED_B


def test_ndjson_is_accepted_with_a_result_per_line(url, fake):
    reply = post(url, ndjson(envelope(id="a"), b"", envelope(id="b")), "application/x-ndjson")
    assert reply.status == 202, reply.body
    body = reply.json()
    validate(body, "Accepted")
    assert [(s["id"], s["line"]) for s in body["stories"]] == [("a", 1), ("b", 3)]


# -- refused -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": f"Basic {TOKEN_A}"}],
)
def test_no_token_is_401_with_www_authenticate(url, headers):
    reply = request(url, "POST", "/v1/wires", STORY, {"Content-Type": "text/plain", **headers})
    assert reply.status == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")
    validate(reply.json(), "Error")


@pytest.mark.parametrize("token", ["wrong-token-0123456789", TOKEN_A + "x", TOKEN_A[1:]])
def test_unknown_token_is_403(url, token):
    reply = post(url, STORY, token=token)
    assert reply.status == 403 and reply.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/html",
        "application/xml",
        "application/json; charset=latin-1",
        "multipart/form-data",
    ],
)
def test_other_content_types_are_415(url, content_type):
    reply = post(url, STORY, content_type)
    assert reply.status == 415 and reply.json()["error"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "text/plain"),
        (b"{nope", "application/json"),
        (b"[]", "application/json"),
        (b'{"text": null}', "application/json"),
        (b'{"text": "x", "received_at": "soon"}', "application/json"),
        (b"\n\n", "application/x-ndjson"),
    ],
)
def test_malformed_bodies_are_400(url, body, content_type):
    reply = post(url, body, content_type)
    assert reply.status == 400, reply.body
    validate(reply.json(), "Error")


def test_ndjson_with_a_bad_line_sends_nothing(url, fake):
    before = len(fake.records)
    reply = post(
        url,
        ndjson(envelope(id="ok"), b'{"id": "no text"}', envelope(id="ok2")),
        "application/x-ndjson",
    )
    assert reply.status == 400
    body = reply.json()
    validate(body, "Error")
    assert body["accepted"] == 0
    assert [line["status"] for line in body["lines"]] == ["valid", "rejected", "valid"]
    assert len(fake.records) == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"x" * (MAX + 1), "text/plain"),
        (envelope("x" * MAX), "application/json"),
        (envelope("x" * (MAX - 60)), "application/json"),  # fits, but not with received_at
        (ndjson(envelope("x"), envelope("x" * MAX)), "application/x-ndjson"),
        (ndjson(*[envelope("x" * 500)] * 200), "application/x-ndjson"),  # body above MAX * 100
    ],
)
def test_too_large_is_413(url, fake, body, content_type):
    before = len(fake.records)
    reply = post(url, body, content_type)
    assert reply.status == 413, reply.body
    assert len(fake.records) == before


def test_story_of_exactly_the_limit_is_accepted(url):
    assert post(url, b"x" * MAX).status == 202


def test_x_wires_id_above_1024_characters_or_not_utf8_is_400(url):
    assert post(url, STORY, headers={"X-Wires-Id": "i" * 1025}).status == 400
    assert post(url, STORY, headers={"X-Wires-Id": "caf\xe9"}).status == 400  # latin-1 byte
    assert post(url, STORY, headers={"X-Wires-Id": "café".encode().decode("latin-1")}).status == 202


def test_rate_limit_is_429_with_retry_after_per_token():
    with ServerThread(settings(ingest_rate=0.01, ingest_burst=3), FakePublisher()) as server:
        assert (
            post(server.url, ndjson(envelope(), envelope()), "application/x-ndjson").status == 202
        )
        assert post(server.url, STORY).status == 202
        refused = post(server.url, STORY)
        assert refused.status == 429
        assert int(refused.headers["retry-after"]) == 100  # one story at 0.01/s
        validate(refused.json(), "Error")
        assert post(server.url, STORY, token=TOKEN_B).status == 202  # its own bucket
        many = post(server.url, ndjson(*[envelope()] * 4), "application/x-ndjson", token=TOKEN_B)
        assert many.status == 413 and many.json()["error"] == "too_many_stories"
        two = post(
            server.url, ndjson(envelope(), envelope()), "application/x-ndjson", token=TOKEN_B
        )
        assert two.status == 202
        third = post(
            server.url, ndjson(envelope(), envelope()), "application/x-ndjson", token=TOKEN_B
        )
        assert third.status == 429 and int(third.headers["retry-after"]) == 100


def test_broker_failure_is_503_with_retry_after_and_refunds_the_rate():
    fake = FakePublisher(fail=lambda records: True)
    with ServerThread(settings(ingest_rate=0.01, ingest_burst=1), fake) as server:
        for _ in range(3):  # refunded: the 1-story burst is never used up
            reply = post(server.url, STORY)
            assert reply.status == 503
            assert int(reply.headers["retry-after"]) >= 1
            assert reply.json()["accepted"] == 0
        fake.fail = None
        assert post(server.url, STORY).status == 202


# -- other endpoints, headers, logs --------------------------------------------------------


def test_healthz_and_openapi(url):
    health = request(url, "GET", "/healthz")
    assert health.status == 200 and health.json() == {"status": "ok", "broker": "connected"}
    spec = request(url, "GET", "/v1/openapi.json")
    assert spec.status == 200 and spec.headers["content-type"].startswith("application/json")
    assert spec.json()["openapi"].startswith("3.1")
    assert set(spec.json()["paths"]) == {"/v1/wires", "/healthz", "/v1/openapi.json"}
    assert health.headers["x-content-type-options"] == "nosniff"
    assert request(url, "GET", "/v1/wires").status == 405
    assert request(url, "GET", "/nope").status == 404


def test_openapi_document_is_valid_openapi_3_1():
    from jsonschema.validators import validator_for

    spec = document()
    assert spec["openapi"] == "3.1.0"
    for schema in spec["components"]["schemas"].values():
        validator_for(schema).check_schema(schema)
    responses = spec["paths"]["/v1/wires"]["post"]["responses"]
    assert set(responses) == {"202", "400", "401", "403", "408", "413", "415", "429", "503"}


def test_tokens_never_reach_the_logs(caplog):
    caplog.set_level(logging.DEBUG)
    with ServerThread(settings(), FakePublisher(fail=lambda r: len(r) > 1)) as server:
        post(server.url, STORY)
        post(server.url, STORY, token="guess-" + TOKEN_A)
        post(server.url, ndjson(envelope(), envelope()), "application/x-ndjson", token=TOKEN_B)
    assert FEED_A in caplog.text and "unknown token" in caplog.text
    for secret in (TOKEN_A, TOKEN_B):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"a line\n" * 120, "text/plain", "too_many_lines"),
        (bytes(range(256)) * 3, "text/plain", "undecodable"),
        (b"Back to top\nShare this\nRelated Articles\n", "text/plain", "empty"),
        (b"kk-cae/jgb/lap/mc", "text/plain", "empty"),
        (envelope("Back to top\nShare this"), "application/json", "empty"),
        (b"<nitf><body><body.content><p>cut off", "text/plain", "malformed_item"),
        (
            envelope('<!DOCTYPE nitf [<!ENTITY e "x">]><nitf/>'),
            "application/json",
            "malformed_item",
        ),
    ],
)
def test_what_the_worker_would_dead_letter_is_400_with_its_reason(fake, body, content_type, reason):
    """Issue 15 (6): ingest answered 202 for a 10,026-line story, random bytes and a page
    of nothing but chrome, all of which the worker then dead-lettered."""
    with ServerThread(settings(max_story_bytes=MAX, max_story_lines=100), fake) as server:
        before = len(fake.records)
        reply = post(server.url, body, content_type)
        assert reply.status == 400, reply.body
        assert reply.json()["error"] == reason
        validate(reply.json(), "Error")
        assert len(fake.records) == before
        assert post(server.url, STORY).status == 202  # a readable story still goes in


def test_the_server_header_names_no_library_or_version(url):
    """Issue 15 (8): ``Server`` said which aiohttp version answered."""
    for reply in (request(url, "GET", "/healthz"), post(url, STORY)):
        assert reply.headers.get("server") == "wires-ingest", reply.headers


def test_a_document_with_one_readable_item_is_accepted(url, fake):
    """The worker reads the good item and dead-letters the other: ingest takes it."""
    g2 = b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>'
    good = b'<newsItem guid="urn:t:1"><contentMeta><headline>Bridge reopens</headline>'
    good += b"</contentMeta><contentSet><inlineData>The bridge reopened on Monday after "
    good += b"repairs, the city said.</inlineData></contentSet></newsItem>"
    empty = b'<newsItem guid="urn:t:2"><contentMeta/></newsItem>'
    reply = post(url, g2 + good + empty + b"</itemSet></newsMessage>")
    assert reply.status == 202, reply.body
