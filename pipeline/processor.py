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

from pipeline import events
from pipeline.events import BadMessage, DeadLetter
from pipeline.text.engine import EmptyStory, enrich
from pipeline.text.normalise import DecodeError
from pipeline.text.story import Story

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


@dataclass(frozen=True, slots=True)
class DeadLettered:
    """Publish ``value`` (a ``wires.deadletter/1`` event) to ``wires.deadletter``."""

    key: bytes | None
    value: bytes
    letter: DeadLetter


Outcome = Enriched | DeadLettered


def process(message: RawMessage, *, max_bytes: int, now: dt.datetime | None = None) -> Outcome:
    """Enrich one raw message, or explain why it cannot be."""
    started = time.perf_counter()
    try:
        raw = events.parse_raw(
            message.value, message.headers, timestamp_ms=message.timestamp_ms, max_bytes=max_bytes
        )
        story = enrich(raw.text, raw.meta, now=now)
    except BadMessage as error:
        return _dead(message, error, error.reason)
    except DecodeError as error:
        return _dead(message, error, events.UNDECODABLE)
    except EmptyStory as error:
        return _dead(message, error, events.EMPTY)
    except Exception as error:  # a bug in the engine must not stall the partition
        log.exception(
            "engine failed on %s[%s]@%s", message.topic, message.partition, message.offset
        )
        return _dead(message, error, events.ENGINE_ERROR)
    return Enriched(
        key=events.story_key(story),
        value=events.encode(story),
        story=story,
        engine_seconds=time.perf_counter() - started,
    )


def _dead(message: RawMessage, error: BaseException, reason: str) -> DeadLettered:
    letter = DeadLetter.of(
        error,
        message.value,
        reason=reason,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        headers=message.headers,
    )
    return DeadLettered(key=message.key, value=events.encode(letter), letter=letter)
