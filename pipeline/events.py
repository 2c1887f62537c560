"""What travels on the topics: raw messages in, enriched and dead-letter events out.

``wires.raw`` carries either the story's bytes exactly as received (metadata in
optional ``wires-*`` headers) or a JSON envelope ``{"id", "feed",
"received_at", "text", ...}``. ``wires.enriched`` carries ``wires.enriched/1``
(:class:`pipeline.text.story.Story`), ``wires.deadletter`` carries
``wires.deadletter/1`` (:class:`DeadLetter`): the reason and the original
payload, so nothing that could not be processed is lost. Everything is
serialised with orjson.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import orjson

from pipeline.text.story import Meta, Story, iso_utc

ENVELOPE_FIELDS = ("id", "feed", "received_at", "text", "path")
DEADLETTER_SCHEMA = "wires.deadletter/1"

# Headers a producer may set on a plain-text raw message.
HEADER_FEED = "wires-feed"
HEADER_ID = "wires-id"
HEADER_RECEIVED_AT = "wires-received-at"
HEADER_PATH = "wires-path"
HEADER_CONTENT_TYPE = "content-type"
# On wires.stories (internal): the digest of the raw story an event was read from, so
# the versions stage knows a raw message read again (pipeline.versions.assign).
HEADER_RAW_DIGEST = "wires-raw-digest"

# Dead-letter reasons: a stable code for dashboards and alerts, plus a message.
TOO_LARGE = "too_large"
TOO_MANY_LINES = "too_many_lines"
MALFORMED_ENVELOPE = "malformed_envelope"
UNDECODABLE = "undecodable"
EMPTY = "empty"
ENGINE_ERROR = "engine_error"
HEADERS_TOO_LARGE = "headers_too_large"
KEY_TOO_LARGE = "key_too_large"
PUBLISH_FAILED = "publish_failed"
MALFORMED_ITEM = "malformed_item"  # a structured document, or one item of it, unreadable
REASONS = (
    TOO_LARGE,
    TOO_MANY_LINES,
    MALFORMED_ENVELOPE,
    UNDECODABLE,
    EMPTY,
    ENGINE_ERROR,
    PUBLISH_FAILED,
    HEADERS_TOO_LARGE,
    KEY_TOO_LARGE,
    MALFORMED_ITEM,
)


class BadMessage(ValueError):
    """A raw message that cannot become a story; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RawStory:
    """A raw message unpacked: the story text (bytes or str) and its metadata."""

    text: bytes | str
    meta: Meta


def encode(event: object) -> bytes:
    """orjson bytes of an event (a dataclass or a dict)."""
    return orjson.dumps(event)


def decode(data: bytes) -> dict:
    """An event read back from a topic."""
    return orjson.loads(data)


def iso_from_millis(millis: int) -> str:
    return iso_utc(dt.datetime.fromtimestamp(millis / 1000, dt.UTC))


# What may surround a story, one definition for the worker, `feed` and ingest alike.
# Nothing limited them: a 2 KB story with a 4 MB ``wires-id`` header made an event
# and a dead letter too large to publish, which stopped every worker that read it.
MAX_HEADERS = 32
MAX_HEADER_BYTES = 1024  # one header, name and value together
MAX_KEY_BYTES = 512
MAX_ERROR_CHARS = 1000  # of a dead letter's error text


def _header_size(name: str, value: bytes | str | None) -> int:
    size = len(value) if isinstance(value, bytes) else len(str(value or "").encode())
    return len(name.encode()) + size


def check_envelope(
    key: bytes | None, headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None
) -> None:
    """Refuse a message whose key or headers are over the limits (:class:`BadMessage`)."""
    if key is not None and len(key) > MAX_KEY_BYTES:
        raise BadMessage(KEY_TOO_LARGE, f"key of {len(key)} bytes, above {MAX_KEY_BYTES}")
    if not headers:
        return
    pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
    if len(pairs) > MAX_HEADERS:
        raise BadMessage(HEADERS_TOO_LARGE, f"{len(pairs)} headers, above {MAX_HEADERS}")
    for name, value in pairs:
        if (size := _header_size(name, value)) > MAX_HEADER_BYTES:
            raise BadMessage(
                HEADERS_TOO_LARGE,
                f"header {name[:64]!r} of {size} bytes, above {MAX_HEADER_BYTES}",
            )


def parse_raw(
    value: bytes | None,
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None = None,
    *,
    timestamp_ms: int | None = None,
    max_bytes: int | None = None,
    max_lines: int | None = None,
    key: bytes | None = None,
    envelope: bool = True,
) -> RawStory:
    """Unpack one ``wires.raw`` message.

    ``timestamp_ms`` (the Kafka message time) is the received time when the
    message carries none. Raises :class:`BadMessage` with a reason: a story
    over ``max_bytes`` or ``max_lines``, or with a key or headers over the limits of
    :func:`check_envelope`, is refused before any reading of it. ``envelope=False``
    takes a JSON value as it is (a ninjs item is JSON but no envelope).
    """
    check_envelope(key, headers)
    if value is None or not value.strip():
        raise BadMessage(EMPTY, "empty message")
    if max_bytes is not None and len(value) > max_bytes:
        raise BadMessage(TOO_LARGE, f"{len(value)} bytes, above the limit of {max_bytes}")
    if max_lines is not None and value.count(b"\n") >= max_lines:
        lines = value.count(b"\n") + 1
        raise BadMessage(TOO_MANY_LINES, f"{lines} lines, above the limit of {max_lines}")
    head = _headers(headers)
    fallback_time = iso_from_millis(timestamp_ms) if timestamp_ms is not None else None
    content_type = head.get(HEADER_CONTENT_TYPE, "")
    if envelope and (
        content_type.startswith("application/json")
        or (not content_type and value.lstrip()[:1] == b"{")
    ):
        return _parse_envelope(value, head, fallback_time)
    return RawStory(
        text=value,
        meta=Meta(
            received_at=_checked_time(head.get(HEADER_RECEIVED_AT), HEADER_RECEIVED_AT)
            or fallback_time,
            feed=clean_feed(head.get(HEADER_FEED)),
            original_id=head.get(HEADER_ID),
            path=head.get(HEADER_PATH),
        ),
    )


def header_values(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None,
) -> dict[str, str]:
    """Headers as a dict of lower-case names to text values (the last one of a name)."""
    return _headers(headers)


def _headers(headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None) -> dict[str, str]:
    if not headers:
        return {}
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for key, raw in pairs:
        if raw is None:
            continue
        out[key.lower()] = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return out


def _parse_envelope(value: bytes, head: dict[str, str], fallback_time: str | None) -> RawStory:
    try:
        envelope = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise BadMessage(MALFORMED_ENVELOPE, f"invalid JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise BadMessage(
            MALFORMED_ENVELOPE, f"envelope must be a JSON object, not {type(envelope).__name__}"
        )
    text = envelope.get("text")
    if not isinstance(text, str):
        raise BadMessage(
            MALFORMED_ENVELOPE, f"envelope field 'text' must be a string, got {type(text).__name__}"
        )
    for name in ("id", "feed", "received_at", "path"):
        if envelope.get(name) is not None and not isinstance(envelope[name], str):
            raise BadMessage(MALFORMED_ENVELOPE, f"envelope field {name!r} must be a string")
    return RawStory(
        text=text,
        meta=Meta(
            received_at=_checked_time(envelope.get("received_at"), "received_at") or fallback_time,
            feed=clean_feed(envelope.get("feed") or head.get(HEADER_FEED)),
            original_id=envelope.get("id") or head.get(HEADER_ID),
            path=envelope.get("path") or head.get(HEADER_PATH),
        ),
    )


_NOT_IN_A_FEED_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f<>\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean_feed(name: str | None) -> str | None:
    """A feed name as dashboards, metrics labels and logs may show it: no controls, no
    markup brackets, no invisible or bidi characters, at most 100 characters."""
    if not name:
        return None
    return _NOT_IN_A_FEED_NAME.sub("", name).strip()[:100] or None


def normalise_time(value: str) -> str:
    """An ISO 8601 time as UTC in the events' format; naive times are taken as UTC.

    Raises ValueError when ``value`` is not ISO 8601.
    """
    text = value.strip()
    if text[-1:] in ("Z", "z"):  # RFC 3339 allows either case
        text = text[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return iso_utc(moment)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC instant
        raise ValueError(f"{value!r} is outside the range of UTC times") from None


# How far ahead of this machine's clock a received time may be (clock skew between the
# sender and us); beyond it, 9999-12-31 say, the time is wrong and would sort the story
# above every real one and push its dateline's year out.
MAX_CLOCK_SKEW = dt.timedelta(days=1)


def _checked_time(value: str | None, name: str) -> str | None:
    """:func:`normalise_time`, or a BadMessage naming the field (not a time, or a time
    more than :data:`MAX_CLOCK_SKEW` ahead of now)."""
    if not value:
        return None
    try:
        normal = normalise_time(value)
    except ValueError:
        raise BadMessage(MALFORMED_ENVELOPE, f"{name} is not an ISO 8601 time: {value!r}") from None
    moment = dt.datetime.fromisoformat(normal.replace("Z", "+00:00"))
    if moment - dt.datetime.now(dt.UTC) > MAX_CLOCK_SKEW:
        raise BadMessage(MALFORMED_ENVELOPE, f"{name} is in the future: {value!r}")
    return normal


@dataclass(slots=True, kw_only=True)
class DeadLetter:
    """A message that could not be processed, with why and the payload as it came."""

    schema: str = DEADLETTER_SCHEMA
    reason: str
    error: str
    failed_at: str
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    payload_base64: str = ""
    payload_bytes: int = 0
    payload_omitted: bool = False  # too big to carry: read it at topic/partition/offset
    payload_preview: str = ""
    headers_omitted: list[str] = field(default_factory=list)  # "name (N bytes)", over limits
    key_omitted: bool = False  # over MAX_KEY_BYTES: read it at topic/partition/offset

    @classmethod
    def of(
        cls,
        error: BaseException,
        payload: bytes | None,
        *,
        reason: str | None = None,
        topic: str | None = None,
        partition: int | None = None,
        offset: int | None = None,
        key: bytes | None = None,
        headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None = None,
        now: dt.datetime | None = None,
        max_payload_bytes: int | None = None,
    ) -> DeadLetter:
        """A dead letter for ``error``. A payload over ``max_payload_bytes`` (a message
        above the story limit), a key or headers over the limits of
        :func:`check_envelope` are not copied but named, so the letter itself always
        fits on the topic; the original stays on ``topic``/``partition``/``offset``."""
        payload = payload or b""
        omitted = max_payload_bytes is not None and len(payload) > max_payload_bytes
        kept, left_out = _fitting_headers(headers)
        key_fits = key is None or len(key) <= MAX_KEY_BYTES
        return cls(
            reason=reason or getattr(error, "reason", ENGINE_ERROR),
            error=(str(error) or type(error).__name__)[:MAX_ERROR_CHARS],
            failed_at=iso_utc(now or dt.datetime.now(dt.UTC)),
            topic=topic,
            partition=partition,
            offset=offset,
            key=key.decode("utf-8", "replace") if key and key_fits else None,
            headers=_headers(kept),
            payload_base64="" if omitted else base64.b64encode(payload).decode("ascii"),
            payload_bytes=len(payload),
            payload_omitted=omitted,
            payload_preview=payload[:200].decode("utf-8", "replace"),
            headers_omitted=left_out,
            key_omitted=not key_fits,
        )


def _fitting_headers(
    headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None,
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The headers a dead letter can carry (within the limits), and the others named."""
    if not headers:
        return [], []
    kept: list[tuple[str, bytes]] = []
    left_out: list[str] = []
    for name, value in headers.items() if isinstance(headers, Mapping) else headers:
        size = _header_size(name, value)
        if size > MAX_HEADER_BYTES or len(kept) >= MAX_HEADERS:
            left_out.append(f"{name[:64]} ({size} bytes)")
        else:
            kept.append((name, value))
    return kept, left_out[:MAX_HEADERS]


def story_key(story: Story) -> bytes:
    """The message key of GROUP-stories and wires.enriched: the id all versions of the
    story share, so they stay in one partition, in order."""
    return story.story_id.encode()
