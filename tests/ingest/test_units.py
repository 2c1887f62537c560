"""The ingest's pure parts: tokens, rate limit and bodies into records (no server, no broker)."""

from __future__ import annotations

import hmac
from unittest import mock

import orjson
import pytest

from pipeline import events
from pipeline.events import parse_raw
from pipeline.ingest import auth
from pipeline.ingest.auth import TokenTable, bearer_token
from pipeline.ingest.ratelimit import RateLimiter, retry_after
from pipeline.ingest.stories import (
    Rejected,
    envelope_record,
    json_record,
    ndjson_records,
    plain_record,
)
from tests.ingest.helpers import FEED_A, FEED_B, STORY, TOKEN_A, TOKEN_B, envelope, settings

NOW = "2024-06-01T12:00:00.000Z"
COMMON = {"feed_name": FEED_A, "received_at": NOW, "max_bytes": 1000}

# -- tokens ------------------------------------------------------------------------------


def test_tokens_map_to_their_feeds():
    table = TokenTable(settings().ingest_feeds)
    assert table.caller(TOKEN_A).feed == FEED_A
    assert table.caller(TOKEN_B).feed == FEED_B
    assert table.caller(TOKEN_A).key != table.caller(TOKEN_B).key
    for wrong in ("", TOKEN_A[:-1], TOKEN_A + "x", TOKEN_A.upper(), "é" * 20):
        assert table.caller(wrong) is None


@pytest.mark.parametrize("presented", [TOKEN_A, TOKEN_B, "no-such-token-at-all"])
def test_every_token_is_compared_in_constant_time_without_early_exit(presented):
    table = TokenTable(settings().ingest_feeds)
    with mock.patch.object(auth.hmac, "compare_digest", wraps=hmac.compare_digest) as compare:
        table.caller(presented)
    assert compare.call_count == len(table) == 2  # also when the first token matches
    assert all(call.args[0] == presented.encode() for call in compare.call_args_list)


def test_bearer_header_parsing():
    assert bearer_token(f"Bearer {TOKEN_A}") == TOKEN_A
    assert bearer_token(f"bearer   {TOKEN_A} ") == TOKEN_A
    for header in (None, "", "Bearer", "Bearer   ", f"Basic {TOKEN_A}", TOKEN_A):
        assert bearer_token(header) is None


# -- rate limit --------------------------------------------------------------------------


def test_token_bucket_allows_the_burst_then_the_rate():
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.take(0, 1) for _ in range(3)] == [0, 0, 0]
    assert limiter.take(0, 1) == pytest.approx(0.5)  # refused: one story needs 0.5 s
    assert limiter.take(1, 3) == 0  # another token has its own bucket
    now[0] = 0.5
    assert limiter.take(0, 1) == 0
    assert limiter.wait(0, 2) == pytest.approx(1.0)
    limiter.refund(0, 2)
    assert limiter.take(0, 2) == 0
    now[0] = 100.0
    assert limiter.wait(0, 3) == 0 and limiter.wait(0, 4) == 0  # capped at the burst
    assert retry_after(0.01) == "1" and retry_after(1.2) == "2"


# -- bodies into records -----------------------------------------------------------------


def test_plain_story_keeps_its_bytes_and_gets_headers():
    record = plain_record(STORY, original_id="EFE-1", **COMMON)
    assert record.value == STORY and record.key == b"EFE-1"
    raw = parse_raw(record.value, record.headers)
    assert (raw.text, raw.meta.feed, raw.meta.original_id, raw.meta.received_at) == (
        STORY,
        FEED_A,
        "EFE-1",
        NOW,
    )
    assert dict(record.headers)["content-type"] == b"text/plain"


def test_plain_story_that_looks_like_json_stays_text():
    body = b'{"text": "not an envelope, a story that starts with a brace"}'
    record = plain_record(body, original_id=None, **COMMON)
    assert parse_raw(record.value, record.headers).text == body


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [(b"", 400, "empty"), (b" \n\t", 400, "empty"), (b"x" * 1001, 413, "too_large")],
)
def test_plain_story_rejections(body, status, error):
    with pytest.raises(Rejected) as caught:
        plain_record(body, original_id=None, **COMMON)
    assert (caught.value.status, caught.value.error) == (status, error)


def test_envelope_is_reencoded_with_the_tokens_feed():
    body = b'{ "text" : "A story",\n "feed": "someone-else", "id": "X-1", "extra": [1, 2],'
    body += b' "received_at": "2021-06-04T11:30:00+02:00", "path": null }'
    record = json_record(body, **COMMON)
    assert orjson.loads(record.value) == {
        "id": "X-1",
        "feed": FEED_A,
        "received_at": "2021-06-04T09:30:00.000Z",
        "text": "A story",
    }
    assert record.value == orjson.dumps(orjson.loads(record.value))  # compact orjson
    assert record.key == b"X-1"
    assert dict(record.headers)["content-type"] == b"application/json"
    assert parse_raw(record.value, record.headers).meta.feed == FEED_A


def test_envelope_without_received_at_gets_now():
    record = json_record(envelope("A story"), **COMMON)
    assert orjson.loads(record.value)["received_at"] == NOW
    assert record.key is None


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{", "malformed_envelope"),
        (b"[1, 2]", "malformed_envelope"),
        (b'"text"', "malformed_envelope"),
        (b'{"id": "1"}', "malformed_envelope"),
        (b'{"text": 5}', "malformed_envelope"),
        (b'{"text": "x", "feed": 5}', "malformed_envelope"),
        (b'{"text": "x", "received_at": "yesterday"}', "malformed_envelope"),
        (b'{"text": "x", "received_at": "0001-01-01T00:00:00+01:00"}', "malformed_envelope"),
        (b'{"text": "  \\n "}', "empty"),
        (b"", "empty"),
        (b"\xff\xfe{}", "malformed_envelope"),
    ],
)
def test_bad_envelopes_are_400(body, error):
    with pytest.raises(Rejected) as caught:
        json_record(body, **COMMON)
    assert (caught.value.status, caught.value.error) == (400, error)


def test_envelope_size_is_checked_after_reencoding():
    text = "x" * (1000 - len(envelope("")) - 5)
    assert len(envelope(text)) <= 1000  # the body fits ...
    with pytest.raises(events.BadMessage) as caught:  # ... the message with received_at not
        envelope_record(envelope(text), **COMMON)
    assert caught.value.reason == events.TOO_LARGE


def test_ndjson_reports_every_line_and_rejects_all_for_one_bad_line():
    body = b'{"text": "a"}\n\n{"text": 1}\r\n{"text": "c"}\n' + envelope("x" * 2000) + b"\n"
    with pytest.raises(Rejected) as caught:
        ndjson_records(body, max_stories=10, **COMMON)
    rejected = caught.value
    assert rejected.status == 413  # a line above the limit wins over a malformed one
    assert [(r["line"], r["status"]) for r in rejected.lines] == [
        (1, "valid"),
        (3, "rejected"),
        (4, "valid"),
        (5, "rejected"),
    ]
    assert [r.get("error") for r in rejected.lines] == [
        None,
        "malformed_envelope",
        None,
        "too_large",
    ]


def test_ndjson_limits():
    records = ndjson_records(b'{"text": "a"}\r\n\n{"text": "b"}', max_stories=2, **COMMON)
    assert [r.line for r in records] == [1, 3]
    with pytest.raises(Rejected) as caught:
        ndjson_records(b'{"text": "a"}\n' * 3, max_stories=2, **COMMON)
    assert (caught.value.status, caught.value.error) == (413, "too_many_stories")
    with pytest.raises(Rejected) as caught:
        ndjson_records(b"\n \n", max_stories=2, **COMMON)
    assert (caught.value.status, caught.value.error) == (400, "empty")
