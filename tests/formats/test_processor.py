"""One raw message, one outcome per item: structured documents through the processor."""

import base64
import json
from importlib import resources

import jsonschema
import orjson
import pytest

from pipeline import events
from pipeline.learning import Learner
from pipeline.processor import DeadLettered, Enriched, RawMessage, process_all
from tests.formats.conftest import SAMPLES, sample_files

MAX = 1_048_576


def message(name_or_bytes, headers=(), **kw):
    value = (
        name_or_bytes
        if isinstance(name_or_bytes, bytes)
        else (SAMPLES / name_or_bytes).read_bytes()
    )
    defaults = {
        "topic": "wires.raw",
        "partition": 0,
        "offset": 7,
        "timestamp_ms": 1_802_000_000_000,
    }
    return RawMessage(value=value, headers=list(headers), **{**defaults, **kw})


def validator():
    text = resources.files("pipeline").joinpath("schemas", "wires.enriched-1.json").read_text()
    return jsonschema.Draft202012Validator(json.loads(text))


def test_a_message_of_three_items_gives_three_outcomes_in_order():
    outcomes = process_all(
        message("message-three-items.newsml-g2.xml", [("wires-feed", b"dpa-en")]), max_bytes=MAX
    )
    assert [type(o).__name__ for o in outcomes] == ["Enriched", "DeadLettered", "Enriched"]
    first, bad, third = outcomes
    letter = bad.letter
    assert letter.reason == events.MALFORMED_ITEM == "malformed_item"
    assert letter.error.startswith("item 2 of 3 (urn:newsml:wires-test:20270304:empty-item): ")
    assert "neither headline nor body" in letter.error
    # the letter carries the item itself, not the whole message, and where it was
    assert b"empty-item" in base64.b64decode(letter.payload_base64)
    assert b"ferry" not in base64.b64decode(letter.payload_base64)
    assert (letter.topic, letter.partition, letter.offset) == ("wires.raw", 0, 7)
    event = orjson.loads(first.value)
    assert event["headline"] == "Island ferry adds a night crossing for hospital staff"
    assert event["source"]["feed"] == "dpa-en"
    assert event["source"]["original_id"] == "urn:newsml:wires-test:20270304:ferry-timetable"
    assert event["item"]["format"] == "newsml-g2" and event["item"]["index"] == 0
    assert orjson.loads(third.value)["item"]["index"] == 2
    assert first.key != third.key


def test_format_events_validate_against_the_extended_schema():
    check = validator()
    names = [p.name for p in sample_files()]
    validated = 0
    for name in names:
        for outcome in process_all(message(name), max_bytes=MAX):
            if isinstance(outcome, Enriched):
                check.validate(orjson.loads(outcome.value))
                validated += 1
    assert validated >= 14


def test_an_unreadable_document_is_one_malformed_item_letter():
    (outcome,) = process_all(message("broken.nitf.xml"), max_bytes=MAX)
    assert isinstance(outcome, DeadLettered)
    assert outcome.letter.reason == events.MALFORMED_ITEM
    assert "not well-formed" in outcome.letter.error
    assert (
        base64.b64decode(outcome.letter.payload_base64)
        == (SAMPLES / "broken.nitf.xml").read_bytes()
    )


@pytest.mark.parametrize("name", ["entities.newsml-g2.xml", "external-entity.nitf.xml"])
def test_entity_attacks_are_dead_lettered(name):
    (outcome,) = process_all(message(name), max_bytes=MAX)
    assert outcome.letter.reason == events.MALFORMED_ITEM
    assert "refused" in outcome.letter.error


def test_an_oversized_document_is_refused_before_parsing():
    big = (
        b"<nitf><body><body.content>"
        + b"<p>word word word</p>" * 60_000
        + b"</body.content></body></nitf>"
    )
    (outcome,) = process_all(message(big), max_bytes=MAX)
    assert outcome.letter.reason == events.TOO_LARGE
    assert outcome.letter.payload_omitted


def test_ninjs_by_content_type_is_not_taken_for_the_envelope():
    data = (SAMPLES / "tarija-harvest.ninjs2.json").read_bytes()
    (outcome,) = process_all(
        message(data, [("content-type", b"application/ninjs+json")]), max_bytes=MAX
    )
    assert isinstance(outcome, Enriched)
    assert outcome.story.item.format == "ninjs-2"
    # sniffed without a content type too
    (sniffed,) = process_all(message(data), max_bytes=MAX)
    assert sniffed.story.id == outcome.story.id


def test_an_envelope_around_a_structured_document():
    nitf = (SAMPLES / "tarija-harvest.nitf.xml").read_text()
    value = orjson.dumps(
        {"id": "env-1", "feed": "efe-en", "text": nitf, "received_at": "2026-12-01T10:00:00Z"}
    )
    (outcome,) = process_all(message(value), max_bytes=MAX)
    assert outcome.story.item.format == "nitf"
    assert outcome.story.source.original_id == "env-1"  # the envelope's id kept
    assert outcome.story.received_at == "2026-12-01T10:00:00.000Z"


def test_plain_text_and_the_envelope_still_give_one_outcome():
    (text,) = process_all(message("tarija-harvest.text"), max_bytes=MAX)
    assert isinstance(text, Enriched) and text.story.item is None and text.story.provenance == {}
    (bad,) = process_all(message(b'{"text": 42}'), max_bytes=MAX)
    assert bad.letter.reason == events.MALFORMED_ENVELOPE


def test_items_are_read_with_the_feed_learner():
    learner = Learner({})
    outcomes = process_all(
        message("wire.rss.xml", [("wires-feed", b"test-rss")]), max_bytes=MAX, learner=learner
    )
    assert [o.feed for o in outcomes] == ["test-rss", "test-rss"]
    assert learner.memories(0).memory("test-rss").stories == 2
