"""Property-based fuzzing: the endpoint never answers a 5xx other than 503 and never dies,
and :func:`pipeline.events.parse_raw` never raises anything but BadMessage."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline import events, feed
from pipeline.events import BadMessage, normalise_time, parse_raw
from pipeline.ingest.stories import envelope_record
from pipeline.processor import DeadLettered, RawMessage, process_all
from tests.ingest.helpers import (
    FEED_A,
    FEED_B,
    TOKEN_A,
    TOKEN_B,
    FakePublisher,
    ServerThread,
    request,
)
from tests.ingest.helpers import settings as ingest_settings

MAX = 2000
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- strategies ----------------------------------------------------------------------------


def mostly(usual: st.SearchStrategy, other: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` three times in four, so most requests get past the first checks."""
    return st.integers(0, 3).flatmap(lambda n: other if n == 0 else usual)


header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    | st.characters(min_codepoint=0xA0, max_codepoint=0xFF),
    max_size=40,
)
zones = st.sampled_from(
    [
        None,
        dt.UTC,
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(-dt.timedelta(hours=11)),
    ]
)
# The years are kept inside 1900-2100: times at the very ends of the calendar make
# parse_raw raise OverflowError (see test_parse_raw_time_at_the_end_of_the_calendar).
times = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1), timezones=zones).map(
    lambda t: t.isoformat().replace("+00:00", "Z")
)
# A valid received time is not in the future (more than a day ahead is refused).
past_times = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2025, 1, 1), timezones=zones).map(
    lambda t: t.isoformat().replace("+00:00", "Z")
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
optional_text = st.none() | st.text(max_size=30)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=200) | json_values,
        "id": optional_text | json_values,
        "feed": optional_text,
        "received_at": st.none() | times | st.text(max_size=30) | json_values,
        "path": optional_text,
        "extra": json_values,
    },
)
valid_envelopes = st.fixed_dictionaries(
    {"text": st.text(min_size=1, max_size=300)},
    optional={
        "id": optional_text,
        "feed": optional_text,
        "received_at": st.none() | past_times,
        "path": optional_text,
    },
)
json_bodies = envelopes.map(orjson.dumps) | json_values.map(orjson.dumps)
ndjson_bodies = st.lists(json_bodies | st.binary(max_size=40), max_size=6).map(b"\n".join)
bodies = st.one_of(
    valid_envelopes.map(orjson.dumps),
    st.lists(valid_envelopes.map(orjson.dumps), min_size=1, max_size=5).map(b"\n".join),
    st.binary(max_size=MAX + 10),
    st.text(max_size=300).map(str.encode),
    json_bodies,
    ndjson_bodies,
    st.integers(MAX - 5, MAX + 5).map(lambda n: b"x" * n),
)
content_types = mostly(
    st.sampled_from(
        [
            "text/plain",
            "application/json",
            "application/x-ndjson",
            "text/plain; charset=utf-8",
            "application/json; charset=utf-8",
            "APPLICATION/X-NDJSON",
        ]
    ),
    st.none()
    | st.sampled_from(
        [
            "application/json; charset=latin-1",
            "application/octet-stream",
            "text/html",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
        ]
    )
    | header_text,
)
authorizations = mostly(
    st.sampled_from([f"Bearer {TOKEN_A}", f"Bearer {TOKEN_B}", f"bearer {TOKEN_A}"]),
    st.none() | st.just("Bearer") | header_text.map(lambda t: f"Bearer {t}") | header_text,
)
wires_ids = st.none() | header_text | st.integers(1020, 1030).map(lambda n: "i" * n)


def flaky(records) -> bool:
    """The fake broker fails on about one batch in five (deterministic for replays)."""
    return zlib.crc32(records[0].value) % 5 == 0


# -- the endpoint --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> FakePublisher:
    return FakePublisher(fail=flaky)


@pytest.fixture(scope="module")
def url(fake: FakePublisher) -> Iterator[str]:
    config = ingest_settings(max_story_bytes=MAX, ingest_rate=20, ingest_burst=10)
    with ServerThread(config, fake) as server:
        yield server.url
    assert server.code == 0  # it stopped cleanly


@FUZZ
@given(
    target=mostly(
        st.just(("POST", "/v1/wires")),
        st.tuples(
            st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
            st.sampled_from(["/v1/wires", "/healthz", "/v1/openapi.json", "/x"]),
        ),
    ),
    content_type=content_types,
    authorization=authorizations,
    wires_id=wires_ids,
    body=bodies,
)
def test_endpoint_never_fails_but_with_503(
    url, fake, target, content_type, authorization, wires_id, body
):
    method, path = target
    headers = {}
    for name, value in (
        ("Content-Type", content_type),
        ("Authorization", authorization),
        ("X-Wires-Id", wires_id),
    ):
        if value is not None:
            headers[name] = value
    before = len(fake.records)
    reply = request(url, method, path, body, headers)
    assert reply.status < 500 or reply.status == 503, (reply.status, reply.body)
    event(f"{method} {path} -> {reply.status}")  # --hypothesis-show-statistics
    if (method, path) != ("POST", "/v1/wires"):
        return
    answer = reply.json()  # every answer of the endpoint is JSON
    sent = len(fake.records) - before
    if reply.status == 202:
        assert answer["accepted"] == sent == len(answer["stories"]) >= 1
        assert answer["feed"] in (FEED_A, FEED_B)
    else:
        assert answer["accepted"] == 0 and sent == 0
    if reply.status in (429, 503):
        assert int(reply.headers["retry-after"]) >= 1
    if reply.status == 401:
        assert reply.headers["www-authenticate"].startswith("Bearer")


def test_the_server_survived_the_fuzzing(url):
    assert request(url, "GET", "/healthz").status == 200


# -- parse_raw -----------------------------------------------------------------------------

raw_headers = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(
            [
                events.HEADER_CONTENT_TYPE,
                "Content-Type",
                events.HEADER_FEED,
                events.HEADER_ID,
                events.HEADER_RECEIVED_AT,
                events.HEADER_PATH,
                "x-other",
            ]
        ),
        st.none()
        | st.binary(max_size=30)
        | times.map(str.encode)
        | st.sampled_from([b"application/json", b"text/plain", b"application/json; x"]),
        max_size=5,
    ),
).map(lambda h: h if h is None or len(h) % 2 else list(h.items()))  # mappings and pairs
raw_values = st.one_of(st.none(), st.binary(max_size=300), json_bodies, ndjson_bodies)


@FUZZ
@given(
    value=raw_values,
    headers=raw_headers,
    timestamp_ms=st.none() | st.integers(-(10**12), 10**13),
    max_bytes=st.none() | st.integers(1, 400),
)
def test_parse_raw_raises_only_bad_message(value, headers, timestamp_ms, max_bytes):
    try:
        raw = parse_raw(value, headers, timestamp_ms=timestamp_ms, max_bytes=max_bytes)
    except BadMessage as error:
        assert error.reason in events.REASONS
        return
    assert isinstance(raw.text, bytes | str)
    if raw.meta.received_at is not None:
        assert normalise_time(raw.meta.received_at) == raw.meta.received_at


@FUZZ
@given(envelope=valid_envelopes)
def test_a_valid_envelope_round_trips(envelope):
    raw = parse_raw(orjson.dumps(envelope))
    assert raw.text == envelope["text"]
    assert raw.meta.feed == events.clean_feed(envelope.get("feed"))
    assert raw.meta.original_id == (envelope.get("id") or None)
    assert raw.meta.path == (envelope.get("path") or None)
    when = envelope.get("received_at")
    assert raw.meta.received_at == (normalise_time(when) if when else None)

    if not envelope["text"].strip():
        return  # the ingest refuses blank stories
    try:
        record = envelope_record(
            orjson.dumps(envelope),
            feed_name=FEED_A,
            received_at="2024-06-01T12:00:00.000Z",
            max_bytes=10**6,
        )
    except BadMessage as error:  # refused only for what the worker would dead-letter
        outcomes = process_all(RawMessage(orjson.dumps(envelope)), max_bytes=10**6)
        assert all(isinstance(o, DeadLettered) for o in outcomes)
        assert error.reason in {o.letter.reason for o in outcomes}  # type: ignore[union-attr]
        return
    again = parse_raw(record.value, record.headers)
    assert (again.text, again.meta.original_id, again.meta.path) == (
        raw.text,
        raw.meta.original_id,
        raw.meta.path,
    )
    assert again.meta.feed == FEED_A
    assert again.meta.received_at == (raw.meta.received_at or "2024-06-01T12:00:00.000Z")


@FUZZ
@given(
    body=st.binary(min_size=1, max_size=300).filter(bytes.strip),
    original_id=st.none() | st.text(min_size=1, max_size=20),
)
def test_a_plain_story_round_trips(body, original_id):
    headers = feed.headers(
        feed=FEED_A, received_at="2024-06-01T12:00:00.000Z", path=None, original_id=original_id
    )
    raw = parse_raw(body, headers)
    assert raw.text == body
    assert (raw.meta.feed, raw.meta.original_id) == (FEED_A, original_id)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_parse_raw_time_at_the_end_of_the_calendar(when):
    with pytest.raises(BadMessage):
        parse_raw(orjson.dumps({"text": "x", "received_at": when}))
