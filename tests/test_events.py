"""Raw message parsing, dead letters, and the enriched event against its JSON Schema."""

import base64
import json
from importlib import resources
from pathlib import Path

import jsonschema
import orjson
import pytest

from pipeline import events
from pipeline.events import BadMessage, DeadLetter, parse_raw
from pipeline.text.engine import enrich
from pipeline.text.story import Meta

DATA = Path(__file__).parent / "data"


def schema():
    text = resources.files("pipeline").joinpath("schemas", "wires.enriched-1.json").read_text()
    return json.loads(text)


def test_every_gold_story_event_matches_the_schema():
    validator = jsonschema.Draft202012Validator(schema())
    files = sorted(DATA.glob("*/*.txt"))
    assert len(files) > 40
    for path in files:
        event = orjson.loads(
            events.encode(
                enrich(
                    path.read_bytes(),
                    Meta(
                        received_at="2024-01-01T00:00:00.000Z",
                        feed="f",
                        original_id="1",
                        path=str(path),
                    ),
                )
            )
        )
        validator.validate(event)


def test_schema_lists_every_event_field():
    story = enrich((DATA / "seed" / "000_17591c5e07849a73.txt").read_bytes())
    event = orjson.loads(events.encode(story))
    assert list(event) == list(schema()["properties"])
    # what a format adds is optional: events written before it still validate
    assert list(event) == [*schema()["required"], "item", "provenance"]
    assert event["item"] is None and event["provenance"] == {}
    assert set(event["section"]) <= set(schema()["properties"]["section"]["properties"])


def test_uncertain_is_in_new_events_and_optional_for_old_ones():
    validator = jsonschema.Draft202012Validator(schema())
    story = enrich((DATA / "seed" / "000_17591c5e07849a73.txt").read_bytes())
    event = orjson.loads(events.encode(story))
    assert isinstance(event["section"]["uncertain"], bool)
    assert "uncertain" not in schema()["properties"]["section"]["required"]
    del event["section"]["uncertain"]  # an event written before the flag existed
    validator.validate(event)
    event["section"]["uncertain"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(event)


def test_plain_text_with_headers():
    raw = parse_raw(
        b"Headline\nBody",
        [
            ("wires-feed", b"efe"),
            ("wires-id", b"42"),
            ("wires-received-at", b"2024-05-01T10:00:00Z"),
        ],
        timestamp_ms=0,
    )
    assert raw.text == b"Headline\nBody"
    assert raw.meta == Meta(received_at="2024-05-01T10:00:00.000Z", feed="efe", original_id="42")


def test_plain_text_falls_back_to_the_message_time():
    raw = parse_raw(b"Headline\nBody", None, timestamp_ms=1_700_000_000_123)
    assert raw.meta.received_at == "2023-11-14T22:13:20.123Z"


def test_json_envelope():
    value = orjson.dumps(
        {
            "id": "a1",
            "feed": "reuters",
            "received_at": "2024-05-01T10:00:00+02:00",
            "text": "Headline\nBody",
            "extra": [1, 2],
        }
    )
    raw = parse_raw(value)
    assert raw.text == "Headline\nBody"
    assert raw.meta == Meta(
        received_at="2024-05-01T08:00:00.000Z", feed="reuters", original_id="a1"
    )


@pytest.mark.parametrize(
    "value, reason, message",
    [
        (b"", events.EMPTY, "empty"),
        (b" \n ", events.EMPTY, "empty"),
        (b'{"text": "unterminated', events.MALFORMED_ENVELOPE, "invalid JSON"),
        (b'{"feed": "x"}', events.MALFORMED_ENVELOPE, "'text' must be a string"),
        (b'{"text": 42}', events.MALFORMED_ENVELOPE, "'text' must be a string"),
        (b'{"text": "x", "feed": 7}', events.MALFORMED_ENVELOPE, "'feed' must be a string"),
        (b'{"text": "x", "received_at": "noon"}', events.MALFORMED_ENVELOPE, "ISO 8601"),
    ],
)
def test_bad_messages(value, reason, message):
    with pytest.raises(BadMessage, match=message) as caught:
        parse_raw(value)
    assert caught.value.reason == reason


def test_json_content_type_forces_envelope():
    with pytest.raises(BadMessage) as caught:
        parse_raw(b"[1, 2]", {"content-type": b"application/json"})
    assert caught.value.reason == events.MALFORMED_ENVELOPE


def test_too_large():
    with pytest.raises(BadMessage) as caught:
        parse_raw(b"x" * 101, max_bytes=100)
    assert caught.value.reason == events.TOO_LARGE


def test_dead_letter_keeps_the_payload():
    payload = b"\xff\xfe binary \x00"
    letter = DeadLetter.of(
        BadMessage(events.UNDECODABLE, "binary data"),
        payload,
        topic="wires.raw",
        partition=3,
        offset=17,
        key=b"k",
        headers=[("wires-feed", b"afp")],
    )
    event = orjson.loads(events.encode(letter))
    assert event["schema"] == "wires.deadletter/1"
    assert event["reason"] == "undecodable" and event["error"] == "binary data"
    assert base64.b64decode(event["payload_base64"]) == payload
    assert (event["topic"], event["partition"], event["offset"], event["key"]) == (
        "wires.raw",
        3,
        17,
        "k",
    )
    assert event["headers"] == {"wires-feed": "afp"}


def test_unexpected_errors_are_engine_errors():
    letter = DeadLetter.of(RuntimeError("boom"), b"x")
    assert letter.reason == events.ENGINE_ERROR and letter.error == "boom"


def test_dead_letter_omits_a_payload_over_the_limit():
    big = DeadLetter.of(
        BadMessage(events.TOO_LARGE, "too big"),
        b"x" * 101,
        max_payload_bytes=100,
        topic="wires.raw",
        partition=1,
        offset=9,
    )
    assert big.payload_omitted and big.payload_base64 == "" and big.payload_bytes == 101
    assert big.payload_preview == "x" * 101  # a readable start is kept
    small = DeadLetter.of(BadMessage(events.EMPTY, "empty"), b"x" * 100, max_payload_bytes=100)
    assert not small.payload_omitted and base64.b64decode(small.payload_base64) == b"x" * 100


def test_key_and_headers_over_the_limits_are_refused_with_their_reason():
    story = b"Madrid, 2 jun (EFE).- Una historia corta."
    with pytest.raises(BadMessage) as error:
        parse_raw(story, [("wires-id", b"x" * events.MAX_HEADER_BYTES)])
    assert error.value.reason == events.HEADERS_TOO_LARGE
    with pytest.raises(BadMessage) as error:
        parse_raw(story, [(f"h{n}", b"1") for n in range(events.MAX_HEADERS + 1)])
    assert error.value.reason == events.HEADERS_TOO_LARGE
    with pytest.raises(BadMessage) as error:
        parse_raw(story, key=b"k" * (events.MAX_KEY_BYTES + 1))
    assert error.value.reason == events.KEY_TOO_LARGE
    at_limit = [("wires-id", b"x" * (events.MAX_HEADER_BYTES - len("wires-id")))]
    assert parse_raw(story, at_limit, key=b"k" * events.MAX_KEY_BYTES).meta.original_id


def test_a_dead_letter_names_what_it_could_not_carry():
    big = [("wires-id", b"x" * 100_000), *[(f"h{n}", b"1") for n in range(40)]]
    letter = DeadLetter.of(
        BadMessage(events.HEADERS_TOO_LARGE, "y" * 50_000), b"story", key=b"k" * 9999, headers=big
    )
    assert letter.headers_omitted[0] == "wires-id (100008 bytes)"
    assert len(letter.headers) == events.MAX_HEADERS and letter.key is None and letter.key_omitted
    assert len(letter.error) == events.MAX_ERROR_CHARS
    assert len(events.encode(letter)) < 10_000


def test_feed_refuses_a_story_whose_headers_the_worker_would_refuse(tmp_path):
    from pipeline import feed

    class NoSend:
        def send(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("sent a story the worker would dead-letter")

        def flush(self, timeout: float | None = None) -> None:
            pass

    story = tmp_path / "story.txt"
    story.write_bytes(b"Madrid, 2 jun (EFE).- Una historia corta.")
    report = feed.feed([str(story)], NoSend(), feed_name="f" * 2000, progress=None)  # type: ignore[arg-type]
    assert report.sent == 0
    ((name, reason),) = report.failed
    assert name == str(story) and reason.startswith("refused (headers_too_large)")


def test_a_received_time_more_than_a_day_ahead_is_refused():
    """Issue 15 (8): ``received_at`` 9999-12-31 was accepted."""
    for when in ("9999-12-31T00:00:00Z", "2999-01-01T00:00:00+02:00"):
        with pytest.raises(BadMessage, match="in the future") as error:
            parse_raw(b"Una historia.", [("wires-received-at", when.encode())])
        assert error.value.reason == events.MALFORMED_ENVELOPE
        with pytest.raises(BadMessage, match="in the future"):
            parse_raw(orjson.dumps({"text": "Una historia.", "received_at": when}))
    soon = "2024-06-01T12:00:00Z"
    assert parse_raw(b"Una historia.", [("wires-received-at", soon.encode())]).meta.received_at


def test_bidi_overrides_and_isolates_never_reach_a_headline():
    """Issue 15 (8): a right-to-left override in a headline made it read otherwise."""
    story = enrich(
        "Precios del caf\u202eé suben\n\nQuito, 4 jun (EFE).- Los precios del \u2066café\u2069"
        " subieron hoy por tercera semana, según los exportadores del país.\n".encode()
    )
    assert story.headline == "Precios del café suben"
    event = events.encode(story).decode()
    assert not {"\u202e", "\u2066", "\u2069"} & set(event)


def test_a_feed_name_loses_controls_markup_and_bidi_characters():
    """Issue 15 (8): NUL and markup in ``wires-feed`` passed into ``source.feed``."""
    head = [("wires-feed", "<b>wire\x00s</b>\u202e-feed".encode())]
    assert parse_raw(b"Una historia.", head).meta.feed == "bwires/b-feed"
    assert parse_raw(b"Una historia.", [("wires-feed", b"\x00<>")]).meta.feed is None
    envelope = orjson.dumps({"text": "Una historia.", "feed": "x" * 500})
    assert parse_raw(envelope).meta.feed == "x" * 100
