"""Request bodies into ``wires.raw`` records: validation, re-encoding, size limits.

Pure functions (no I/O), so the HTTP layer, the tests and the fuzzers share them.
Everything a client sends is checked by running what the worker runs on it
(:func:`pipeline.processor.process`, same limits), so a story the ingest accepts is
never dead-lettered by the worker: not as malformed, too large, too long, undecodable
or empty (a page of nothing but chrome). Only an engine bug (``engine_error``) is
accepted: the worker keeps that message in its dead letter for a fix and a replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from pipeline import events, feed
from pipeline.events import BadMessage
from pipeline.processor import DeadLettered, RawMessage, process_all

JSON_HEADERS = ((events.HEADER_CONTENT_TYPE, b"application/json"),)
# An NDJSON body may hold up to this many stories' worth of bytes (documented limit).
NDJSON_BODY_FACTOR = 100


@dataclass(frozen=True, slots=True)
class Record:
    """One message for ``wires.raw``: value, key and headers, plus what the reply reports."""

    value: bytes
    key: bytes | None
    headers: list[tuple[str, bytes]]
    original_id: str | None
    line: int | None = None


@dataclass(slots=True)
class Rejected(Exception):
    """A request whose stories cannot be accepted: HTTP status, stable code, detail."""

    status: int
    error: str
    detail: str
    lines: list[dict[str, object]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.error}: {self.detail}"


def status_of(error: BadMessage) -> int:
    """413 for a story above the size limit, 400 for anything else wrong with it."""
    return 413 if error.reason == events.TOO_LARGE else 400


def refuse_what_the_worker_would(
    record: Record, *, max_bytes: int, max_lines: int | None
) -> Record:
    """``record``, or :class:`BadMessage` with the reason the worker would dead-letter it.

    A structured document (NewsML-G2, NITF...) is refused only when the worker would
    read none of its items; one with some readable items is taken, and the worker
    dead-letters the others one by one."""
    message = RawMessage(record.value, key=record.key, headers=record.headers)
    outcomes = process_all(message, max_bytes=max_bytes, max_lines=max_lines)
    letters = [o.letter for o in outcomes if isinstance(o, DeadLettered)]
    if len(letters) == len(outcomes) and letters[0].reason != events.ENGINE_ERROR:
        raise BadMessage(letters[0].reason, letters[0].error)
    return record


def plain_record(
    body: bytes,
    *,
    feed_name: str,
    received_at: str,
    original_id: str | None,
    max_bytes: int,
    max_lines: int | None = None,
) -> Record:
    """A ``text/plain`` story: its exact bytes, metadata in ``wires-*`` headers."""
    headers = feed.headers(
        feed=feed_name, received_at=received_at, path=None, original_id=original_id or None
    )
    key = original_id.encode() if original_id else None
    record = Record(value=body, key=key, headers=headers, original_id=original_id or None)
    try:
        return refuse_what_the_worker_would(record, max_bytes=max_bytes, max_lines=max_lines)
    except BadMessage as error:
        raise Rejected(status_of(error), error.reason, str(error)) from None


def envelope_record(
    body: bytes,
    *,
    feed_name: str,
    received_at: str,
    max_bytes: int,
    line: int | None = None,
    max_lines: int | None = None,
) -> Record:
    """A JSON envelope, validated like the worker does and re-encoded with orjson.

    The ``feed`` is the token's, ``received_at`` (normalised to UTC) is now when the
    envelope has none; fields other than :data:`pipeline.events.ENVELOPE_FIELDS` are
    dropped. Raises :class:`BadMessage`.
    """
    raw = _parse_envelope(body, max_bytes)
    if isinstance(raw.text, str) and not raw.text.strip():
        raise BadMessage(events.EMPTY, "envelope field 'text' is blank")
    envelope = {
        "id": raw.meta.original_id,
        "feed": feed_name,
        "received_at": raw.meta.received_at or received_at,
        "text": raw.text,
        "path": raw.meta.path,
    }
    value = orjson.dumps({k: v for k, v in envelope.items() if v is not None})
    if len(value) > max_bytes:
        raise BadMessage(
            events.TOO_LARGE, f"{len(value)} bytes re-encoded, above the limit of {max_bytes}"
        )
    headers = [*JSON_HEADERS, (events.HEADER_FEED, feed_name.encode())]
    key = raw.meta.original_id.encode() if raw.meta.original_id else None
    record = Record(
        value=value, key=key, headers=headers, original_id=raw.meta.original_id, line=line
    )
    return refuse_what_the_worker_would(record, max_bytes=max_bytes, max_lines=max_lines)


def _parse_envelope(body: bytes, max_bytes: int) -> events.RawStory:
    """:func:`pipeline.events.parse_raw` for an envelope, with its stray errors as BadMessage.

    ``parse_raw`` lets OverflowError out for times at the ends of the calendar
    (``0001-01-01T00:00:00+01:00``); to a client that is just a bad ``received_at``.
    """
    try:
        return events.parse_raw(body, JSON_HEADERS, max_bytes=max_bytes)
    except (OverflowError, ValueError) as error:
        if isinstance(error, BadMessage):
            raise
        raise BadMessage(events.MALFORMED_ENVELOPE, f"invalid envelope: {error}") from None


def json_record(
    body: bytes, *, feed_name: str, received_at: str, max_bytes: int, max_lines: int | None = None
) -> Record:
    """An ``application/json`` body: one envelope."""
    try:
        return envelope_record(
            body,
            feed_name=feed_name,
            received_at=received_at,
            max_bytes=max_bytes,
            max_lines=max_lines,
        )
    except BadMessage as error:
        raise Rejected(status_of(error), error.reason, str(error)) from None


def ndjson_records(
    body: bytes,
    *,
    feed_name: str,
    received_at: str,
    max_bytes: int,
    max_stories: int,
    max_lines: int | None = None,
) -> list[Record]:
    """An ``application/x-ndjson`` body: one envelope per non-blank line, all or nothing.

    Every line is validated before anything is sent; one bad line rejects the whole
    body, with a result for each line (1-based physical line numbers).
    """
    lines = [(n, line) for n, line in enumerate(body.split(b"\n"), 1) if line.strip()]
    if not lines:
        raise Rejected(400, events.EMPTY, "no envelope in the NDJSON body")
    if len(lines) > max_stories:
        raise Rejected(
            413,
            "too_many_stories",
            f"{len(lines)} stories in one request, above the burst of {max_stories}"
            " (WIRES_INGEST_BURST); split the body",
        )
    records: list[Record] = []
    results: list[dict[str, object]] = []
    worst = 0
    for n, line in lines:
        try:
            records.append(
                envelope_record(
                    line,
                    feed_name=feed_name,
                    received_at=received_at,
                    max_bytes=max_bytes,
                    line=n,
                    max_lines=max_lines,
                )
            )
            results.append({"line": n, "status": "valid"})
        except BadMessage as error:
            worst = max(worst, status_of(error))
            results.append(
                {"line": n, "status": "rejected", "error": error.reason, "detail": str(error)}
            )
    if worst:
        bad = sum(1 for r in results if r["status"] == "rejected")
        raise Rejected(worst, "invalid_lines", f"{bad} of {len(lines)} lines rejected", results)
    return records
