"""One raw message in, one outcome out: an enriched event or a dead letter.

The step between the transport and the text engine, free of Kafka and Faust so
the agent stays a three-line loop and this logic is tested on plain values.
Every failure becomes a dead letter carrying its reason and the payload: the
stream never stalls on a poison message and never drops one silently.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from posixpath import dirname
from typing import TYPE_CHECKING

from pipeline import events, formats
from pipeline.events import BadMessage, DeadLetter
from pipeline.formats import compose
from pipeline.text.engine import EmptyStory, enrich
from pipeline.text.normalise import DecodeError
from pipeline.text.story import Meta, Story
from pipeline.versions import raw_digest

if TYPE_CHECKING:
    from pipeline.learning import Learner

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A ``wires.raw`` message as any transport sees it."""

    value: bytes | None
    key: bytes | None = None
    headers: Iterable[tuple[str, bytes]] = field(default=())
    timestamp_ms: int | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class Enriched:
    """Publish ``value`` to ``wires.enriched`` under ``key`` (the story id)."""

    key: bytes
    value: bytes
    story: Story
    engine_seconds: float
    feed: str | None = None  # the feed whose memory read and learned it (None: no learning)
    raw: str | None = None  # digest of the raw story read (pipeline.versions.raw_digest)


@dataclass(frozen=True, slots=True)
class DeadLettered:
    """Publish ``value`` (a ``wires.deadletter/1`` event) to ``wires.deadletter``."""

    key: bytes | None
    value: bytes
    letter: DeadLetter


Outcome = Enriched | DeadLettered


def process(
    message: RawMessage,
    *,
    max_bytes: int,
    max_lines: int | None = None,
    now: dt.datetime | None = None,
    learner: Learner | None = None,
) -> Outcome:
    """Enrich one raw message, or explain why it cannot be.

    With ``learner`` the story is read with its feed's learned view (the memories of
    the message's partition) and teaches the feed (:meth:`Learner.read`); a message
    without a feed is filed under its agency and the folder of its ``wires-path``."""
    started = time.perf_counter()
    try:
        raw = events.parse_raw(
            message.value,
            message.headers,
            timestamp_ms=message.timestamp_ms,
            max_bytes=max_bytes,
            max_lines=max_lines,
            key=message.key,
        )
    except BadMessage as error:
        return dead_letter(message, error, error.reason, max_payload_bytes=max_bytes)
    return _read_raw(message, raw, started, max_bytes=max_bytes, now=now, learner=learner)


def _read_raw(
    message: RawMessage,
    raw: events.RawStory,
    started: float,
    *,
    max_bytes: int,
    now: dt.datetime | None,
    learner: Learner | None,
) -> Outcome:
    """The outcome of a raw message already unpacked (plain text or an envelope)."""
    try:
        feed = None
        if learner is None:
            story = enrich(raw.text, raw.meta, now=now)
        else:
            source = dirname(raw.meta.path) or None if raw.meta.path else None
            story, feed = learner.read(
                raw.text, raw.meta, message.partition, source=source, now=now
            )
    except DecodeError as error:
        return dead_letter(message, error, events.UNDECODABLE, max_payload_bytes=max_bytes)
    except EmptyStory as error:
        return dead_letter(message, error, events.EMPTY, max_payload_bytes=max_bytes)
    except Exception as error:  # a bug in the engine must not stall the partition
        log.exception(
            "engine failed on %s[%s]@%s", message.topic, message.partition, message.offset
        )
        return dead_letter(message, error, events.ENGINE_ERROR, max_payload_bytes=max_bytes)
    return Enriched(
        key=events.story_key(story),
        value=events.encode(story),
        story=story,
        engine_seconds=time.perf_counter() - started,
        feed=feed,
        raw=raw_digest(raw.text),
    )


def dead_letter(
    message: RawMessage, error: BaseException, reason: str, *, max_payload_bytes: int | None
) -> DeadLettered:
    """The dead letter of ``message`` (payload copied when it is not over the limit)."""
    letter = DeadLetter.of(
        error,
        message.value,
        reason=reason,
        max_payload_bytes=max_payload_bytes,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        headers=message.headers,
    )
    key = None if letter.key_omitted else message.key
    return DeadLettered(key=key, value=events.encode(letter), letter=letter)


def process_all(
    message: RawMessage,
    *,
    max_bytes: int,
    max_lines: int | None = None,
    now: dt.datetime | None = None,
    learner: Learner | None = None,
) -> list[Outcome]:
    """Every outcome of one raw message: one for plain text or a JSON envelope (as
    :func:`process`), one per item for a structured document (NewsML-G2, NITF,
    ninjs, RSS/Atom...). An item that cannot be read is dead-lettered with reason
    ``malformed_item`` and its own bytes; the message's other items still go on. A
    document that cannot be read at all is one ``malformed_item`` dead letter."""
    started = time.perf_counter()
    head = events.header_values(message.headers)
    fmt = formats.detect(message.value, head.get(events.HEADER_CONTENT_TYPE))
    try:
        raw = events.parse_raw(
            message.value,
            message.headers,
            timestamp_ms=message.timestamp_ms,
            max_bytes=max_bytes,
            max_lines=max_lines,
            key=message.key,
            envelope=fmt is None,
        )
        if fmt is None and isinstance(raw.text, str):  # an envelope around a document
            fmt = formats.detect(raw.text)
        if fmt is None:
            return [_read_raw(message, raw, started, max_bytes=max_bytes, now=now, learner=learner)]
        data = raw.text if isinstance(raw.text, bytes) else raw.text.encode()
        document = formats.read(data, fmt)
    except BadMessage as error:
        return [dead_letter(message, error, error.reason, max_payload_bytes=max_bytes)]
    except formats.FormatError as error:
        return [dead_letter(message, error, events.MALFORMED_ITEM, max_payload_bytes=max_bytes)]
    except Exception as error:  # a bug in a reader must not stall the partition
        log.exception(
            "reader failed on %s[%s]@%s", message.topic, message.partition, message.offset
        )
        return [dead_letter(message, error, events.ENGINE_ERROR, max_payload_bytes=max_bytes)]
    if not document.items:
        error = formats.FormatError(f"{document.format} document without any item")
        return [dead_letter(message, error, events.MALFORMED_ITEM, max_payload_bytes=max_bytes)]
    count = len(document.items)
    return [
        _item_outcome(
            message, entry, raw.meta, (index, count), max_bytes=max_bytes, now=now, learner=learner
        )
        for index, entry in enumerate(document.items)
    ]


def _item_outcome(
    message: RawMessage,
    entry: formats.Item | formats.Malformed,
    meta: Meta,
    position: tuple[int, int],
    *,
    max_bytes: int,
    now: dt.datetime | None,
    learner: Learner | None,
) -> Outcome:
    """The outcome of one item (``position``: its index and the document's count)."""
    started = time.perf_counter()
    index, count = position
    if isinstance(entry, formats.Malformed):
        label = f"item {entry.index + 1} of {count}" + (f" ({entry.guid})" if entry.guid else "")
        error = formats.FormatError(f"{label}: {entry.error}")
        item_message = RawMessage(
            value=entry.payload,
            key=message.key,
            headers=message.headers,
            timestamp_ms=message.timestamp_ms,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        return dead_letter(item_message, error, events.MALFORMED_ITEM, max_payload_bytes=max_bytes)
    feed: str | None = None

    def read(text: str, item_meta: Meta) -> Story:
        nonlocal feed
        if learner is None:
            return enrich(text, item_meta, now=now)
        source = dirname(item_meta.path) or None if item_meta.path else None
        story, feed = learner.read(text, item_meta, message.partition, source=source, now=now)
        return story

    if entry.guid and not meta.original_id:
        meta = Meta(meta.received_at, meta.feed, entry.guid, meta.path)
    try:
        story = compose.read_item(entry, meta, read, index=index)
    except (DecodeError, EmptyStory) as error:
        reason = events.UNDECODABLE if isinstance(error, DecodeError) else events.EMPTY
        return dead_letter(message, error, reason, max_payload_bytes=max_bytes)
    except Exception as error:
        log.exception(
            "engine failed on an item of %s[%s]@%s",
            message.topic,
            message.partition,
            message.offset,
        )
        return dead_letter(message, error, events.ENGINE_ERROR, max_payload_bytes=max_bytes)
    return Enriched(
        key=events.story_key(story),
        value=events.encode(story),
        story=story,
        engine_seconds=time.perf_counter() - started,
        feed=feed,
    )
