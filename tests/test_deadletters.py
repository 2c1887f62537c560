"""Dead letters read back for people (pipeline.deadletters): no broker."""

from __future__ import annotations

import datetime as dt

import orjson

from pipeline import deadletters, events

NOW = dt.datetime(2026, 12, 7, 21, 4, 5, tzinfo=dt.UTC)


def letter(payload: bytes, headers: dict[str, bytes] | None = None, **kw: object) -> dict:
    error = events.BadMessage(events.UNDECODABLE, "cannot decode the story as text")
    return orjson.loads(
        events.encode(
            events.DeadLetter.of(
                error,
                payload,
                topic="wires.raw",
                partition=2,
                offset=17,
                headers=headers,
                now=NOW,
                **kw,  # type: ignore[arg-type]
            )
        )
    )


def test_a_file_s_dead_letter_names_the_file_its_feed_and_reason() -> None:
    head = {"wires-feed": b"inbox", "wires-id": b"report.docx", "wires-path": b"/in/report.docx"}
    row = deadletters.summarise(letter(b"PK\x03\x04\x00\x00\xff\xfe" * 40, head))
    assert row["reason"] == "undecodable" and row["time"] == "2026-12-07T21:04:05.000Z"
    assert (row["feed"], row["name"], row["path"]) == ("inbox", "report.docx", "/in/report.docx")
    assert row["preview"] == "(binary, 320 bytes)" and row["bytes"] == 320
    assert row["where"] == "wires.raw[2]@17"
    line = deadletters.format_line(letter(b"PK\x03\x04\x00\x00\xff\xfe" * 40, head))
    assert line.startswith("21:04:05  undecodable        inbox        report.docx (320 B)")
    assert line.endswith("cannot decode the story as text — (binary, 320 bytes)")


def test_an_envelope_s_feed_and_id_come_from_inside_it() -> None:
    envelope = orjson.dumps({"id": "afp-123", "feed": "afp-wire", "text": 7})
    row = deadletters.summarise(letter(envelope))
    assert (row["feed"], row["name"]) == ("afp-wire", "afp-123")
    assert row["preview"].startswith('{"id":"afp-123"')


def test_the_preview_is_safe_to_print() -> None:
    hostile = "\x1b]0;owned\x07\x1b[2J\x1b[31mRED\x1b[0m text \u202eevil\r\nnext line"
    row = deadletters.summarise(letter(hostile.encode()))
    assert row["preview"] == "RED text evil next line"
    assert all(ord(c) >= 32 for c in deadletters.format_line(letter(hostile.encode())))
    assert deadletters.preview("x" * 500).endswith("…")
    assert len(deadletters.preview("x" * 500)) == deadletters.PREVIEW_CHARS
    assert deadletters.preview("", 0) == "(empty)"
    assert deadletters.preview("  \n ", 4) == "(4 bytes of blank space)"


def test_odd_letters_do_not_break_it() -> None:
    row = deadletters.summarise({"headers": ["x"], "payload_base64": "!!", "payload_bytes": "9"})
    assert row["reason"] == "unknown" and row["feed"] is None and row["bytes"] is None
