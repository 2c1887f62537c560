"""The ingest's HTTP side (aiohttp): ``POST /v1/wires``, ``GET /healthz``, ``GET /v1/openapi.json``.

One request runs: bearer token (401/403) -> content type (415) -> rate limit
(429, checked for one story before the body is read, charged per story after
parsing) -> body size (413) -> validation (400/413) -> publish, answered 202 only
when the broker acknowledged every story (else 503). Each step raises
:class:`Problem`, which becomes a JSON error body; nothing is accepted in part.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from pipeline.config import Settings
from pipeline.ingest.auth import Caller, TokenTable, bearer_token
from pipeline.ingest.publisher import (
    ACK_TIMEOUT,
    RETRY_AFTER,
    Ack,
    BrokerUnavailable,
    Publish,
    Publisher,
)
from pipeline.ingest.ratelimit import RateLimiter, retry_after
from pipeline.ingest.stories import (
    NDJSON_BODY_FACTOR,
    Record,
    Rejected,
    json_record,
    ndjson_records,
    plain_record,
)
from pipeline.serving import RepeatFilter, is_loopback, run_service, serve_until_stopped
from pipeline.text.story import iso_utc

log = logging.getLogger(__name__)

PLAIN, JSON, NDJSON = "text/plain", "application/json", "application/x-ndjson"
CONTENT_TYPES = (PLAIN, JSON, NDJSON)
ID_HEADER = "X-Wires-Id"
MAX_ID_CHARS = 1024
REALM = 'Bearer realm="wires-ingest"'
OFFLOAD_BYTES = 1 << 20  # bodies above this are validated in a worker thread
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
OPENAPI = ("schemas", "ingest-openapi.json")

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class Problem(Exception):
    """An HTTP error answer: status, stable code, detail, extra headers and body fields."""

    status: int
    error: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def response(self) -> web.Response:
        body = {"error": self.error, "detail": self.detail, "accepted": 0, **self.extra}
        response = _json(body, self.status, self.headers)
        if self.headers.get("Connection") == "close":
            response.force_close()  # the rest of a slow body is not waited for
        return response


@dataclass(slots=True)
class Ingest:
    """Shared state of one app."""

    tokens: TokenTable
    limiter: RateLimiter
    publisher: Publish
    max_story_bytes: int
    openapi: bytes
    max_story_lines: int | None = None
    clock: Clock = _utc_now
    body_timeout: float = 30.0
    max_requests: int = 64
    in_flight: int = 0
    # Refused tokens: one warning a minute, with a count (a client trying bad tokens
    # must not fill the log).
    refusals: RepeatFilter = field(default_factory=lambda: RepeatFilter(60.0))


INGEST = web.AppKey("ingest", Ingest)


def _json(
    payload: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(payload), status=status, headers=headers, content_type="application/json"
    )


# -- the steps of a POST -------------------------------------------------------------------


def _authenticate(request: web.Request, tokens: TokenTable) -> Caller:
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise Problem(
            401, "unauthorized", "a bearer token is required", {"WWW-Authenticate": REALM}
        )
    caller = tokens.caller(token)
    if caller is None:
        refused = log.makeRecord(
            log.name,
            logging.WARNING,
            __file__,
            0,
            "refused a request from %s: unknown token",
            (request.remote,),
            None,
        )
        if log.isEnabledFor(logging.WARNING) and request.app[INGEST].refusals.filter(refused):
            log.handle(refused)
        raise Problem(403, "forbidden", "unknown token")
    return caller


def _content_type(request: web.Request) -> str:
    kind = request.content_type.lower()
    if kind not in CONTENT_TYPES:
        raise Problem(415, "unsupported_media_type", f"send one of {', '.join(CONTENT_TYPES)}")
    charset = (request.charset or "utf-8").lower()
    if kind != PLAIN and charset not in ("utf-8", "utf8"):
        raise Problem(415, "unsupported_media_type", f"{kind} must be UTF-8, not {charset}")
    return kind


def _check_rate(limiter: RateLimiter, caller: Caller, n: int, *, take: bool) -> None:
    delay = limiter.take(caller.key, n) if take else limiter.wait(caller.key, n)
    if delay > 0:
        raise Problem(
            429,
            "rate_limited",
            f"above {limiter.rate:g} stories/s (burst {limiter.burst}) for this token",
            {"Retry-After": retry_after(delay)},
        )


def body_limit(kind: str, max_story_bytes: int) -> int:
    """Largest body accepted: one story, or :data:`NDJSON_BODY_FACTOR` stories for NDJSON."""
    return max_story_bytes * (NDJSON_BODY_FACTOR if kind == NDJSON else 1)


class ClientGone(Exception):
    """The client closed the connection before its body was in: nobody to answer."""


async def _read_body(request: web.Request, limit: int, seconds: float) -> bytes:
    """The body, within ``limit`` bytes and ``seconds`` (a client sending a byte a
    second would otherwise hold its connection for ever)."""
    too_large = Problem(413, "too_large", f"body above the limit of {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise Problem(
            408,
            "body_timeout",
            f"body not received within {seconds:g} s ({size} bytes in)",
            {"Connection": "close"},
        ) from None
    except (ConnectionError, aiohttp.ClientPayloadError, asyncio.IncompleteReadError) as error:
        raise ClientGone(f"{type(error).__name__}: {error}") from None
    return b"".join(chunks)


def _wires_id(request: web.Request) -> str | None:
    """The ``X-Wires-Id`` header (a text/plain story's id), checked on every POST."""
    value = request.headers.get(ID_HEADER, "").strip()
    if len(value) > MAX_ID_CHARS:
        raise Problem(400, "invalid_header", f"{ID_HEADER} above {MAX_ID_CHARS} characters")
    try:
        value.encode()  # aiohttp keeps bytes that are not UTF-8 as lone surrogates
    except UnicodeEncodeError:
        raise Problem(400, "invalid_header", f"{ID_HEADER} is not UTF-8") from None
    return value or None


def _records(
    kind: str, body: bytes, original_id: str | None, caller: Caller, ingest: Ingest
) -> list[Record]:
    received_at = iso_utc(ingest.clock())
    common = {
        "feed_name": caller.feed,
        "received_at": received_at,
        "max_bytes": ingest.max_story_bytes,
        "max_lines": ingest.max_story_lines,
    }
    if kind == PLAIN:
        return [plain_record(body, original_id=original_id, **common)]
    if kind == JSON:
        return [json_record(body, **common)]
    return ndjson_records(body, max_stories=ingest.limiter.burst, **common)


async def _validate(
    kind: str, body: bytes, original_id: str | None, caller: Caller, ingest: Ingest
) -> list[Record]:
    try:
        if len(body) > OFFLOAD_BYTES:  # keep the event loop free for other requests
            return await asyncio.to_thread(_records, kind, body, original_id, caller, ingest)
        return _records(kind, body, original_id, caller, ingest)
    except Rejected as rejected:
        extra = {"lines": rejected.lines} if rejected.lines else {}
        raise Problem(rejected.status, rejected.error, rejected.detail, extra=extra) from None


async def _publish(ingest: Ingest, caller: Caller, records: Sequence[Record]) -> list[Ack]:
    try:
        return await ingest.publisher.publish(records)
    except BrokerUnavailable as error:
        ingest.limiter.refund(caller.key, len(records))
        log.warning("feed %s: %d stories not accepted: %s", caller.feed, len(records), error)
        raise Problem(
            503, "broker_unavailable", str(error), {"Retry-After": str(RETRY_AFTER)}
        ) from None


def _accepted(caller: Caller, records: Sequence[Record], acks: Sequence[Ack]) -> dict[str, Any]:
    stories = []
    for record, ack in zip(records, acks, strict=True):
        story: dict[str, Any] = {"id": record.original_id, "topic": ack.topic}
        story.update(partition=ack.partition, offset=ack.offset)
        if record.line is not None:
            story["line"] = record.line
        stories.append(story)
    return {"accepted": len(stories), "feed": caller.feed, "stories": stories}


# -- handlers --------------------------------------------------------------------------


async def _post_wires(request: web.Request) -> web.Response:
    ingest = request.app[INGEST]
    try:
        caller = _authenticate(request, ingest.tokens)
        kind = _content_type(request)
        original_id = _wires_id(request)
        _check_rate(ingest.limiter, caller, 1, take=False)
        body = await _read_body(
            request, body_limit(kind, ingest.max_story_bytes), ingest.body_timeout
        )
        records = await _validate(kind, body, original_id, caller, ingest)
        _check_rate(ingest.limiter, caller, len(records), take=True)
        acks = await _publish(ingest, caller, records)
    except Problem as problem:
        return problem.response()
    except ClientGone as gone:  # an aborted upload: one quiet line, no traceback
        log.info("client %s left before its body was in: %s", request.remote, gone)
        raise web.HTTPBadRequest() from None
    log.debug("feed %s: %d stories accepted", caller.feed, len(acks))
    return _json(_accepted(caller, records, acks), status=202)


@web.middleware
async def _at_most_max_requests(request: web.Request, handler: Any) -> web.StreamResponse:
    """Refuse at once beyond ``max_requests`` requests in flight: slow clients cannot
    hold every slot (200 slow uploads were all held)."""
    ingest = request.app[INGEST]
    if ingest.in_flight >= ingest.max_requests and request.path != "/healthz":
        detail = f"{ingest.in_flight} requests in flight, the most served at once"
        return Problem(503, "busy", detail, {"Retry-After": "1"}).response()
    ingest.in_flight += 1
    try:
        return await handler(request)
    finally:
        ingest.in_flight -= 1


async def _healthz(request: web.Request) -> web.Response:
    return _json({"status": "ok", "broker": request.app[INGEST].publisher.status})


async def _openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[INGEST].openapi, content_type="application/json")


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Server"] = "wires-ingest"  # not aiohttp's name and version


async def _start_publisher(app: web.Application) -> None:
    await app[INGEST].publisher.start()


async def _close_publisher(app: web.Application) -> None:
    await app[INGEST].publisher.close()


def openapi_document() -> bytes:
    """The OpenAPI 3.1 description shipped in ``pipeline/schemas``."""
    return resources.files("pipeline").joinpath(*OPENAPI).read_bytes()


def create_app(
    settings: Settings,
    publisher: Publish,
    *,
    limiter: RateLimiter | None = None,
    clock: Clock = _utc_now,
) -> web.Application:
    """The aiohttp app; ``publisher`` is started and closed with it."""
    # aiohttp waits up to 10 s for the unread rest of a body after answering; a client
    # cut off for sending too slowly gets 1 s.
    app = web.Application(middlewares=[_at_most_max_requests], handler_args={"lingering_time": 1.0})
    app[INGEST] = Ingest(
        tokens=TokenTable(settings.ingest_feeds),
        limiter=limiter or RateLimiter(settings.ingest_rate, settings.ingest_burst),
        publisher=publisher,
        max_story_bytes=settings.max_story_bytes,
        max_story_lines=settings.max_story_lines,
        openapi=openapi_document(),
        body_timeout=settings.ingest_body_timeout,
        max_requests=settings.ingest_max_requests,
        clock=clock,
    )
    app.router.add_post("/v1/wires", _post_wires)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/v1/openapi.json", _openapi)
    app.on_response_prepare.append(_security_headers)
    app.on_startup.append(_start_publisher)
    app.on_cleanup.append(_close_publisher)
    return app


# -- running -----------------------------------------------------------------------------


def _announce(settings: Settings, tokens: TokenTable) -> None:
    log.debug("settings: %s", settings.masked())
    if not len(tokens):
        log.warning("WIRES_INGEST_TOKENS is empty: every POST /v1/wires is refused")
    else:
        log.info("%d tokens for feeds %s", len(tokens), ", ".join(tokens.feeds))
    if not is_loopback(settings.bind):
        log.warning("listening beyond loopback: terminate TLS in front, tokens are sent in clear")


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
    publisher: Publish | None = None,
    ack_timeout: float = ACK_TIMEOUT,
) -> int:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM in the main thread); 1 if it cannot
    listen. ``on_ready`` gets the URL (with the real port when the setting is 0)."""
    stop = asyncio.Event() if stop is None else stop
    publisher = publisher or Publisher.for_settings(settings, ack_timeout=ack_timeout)
    app = create_app(settings, publisher)
    _announce(settings, app[INGEST].tokens)
    # In-flight requests get their acknowledgements before the producer closes.
    return await serve_until_stopped(
        app,
        bind=settings.bind,
        port=settings.ingest_port,
        stop=stop,
        name="ingest",
        on_listening=lambda url: log.info("ingest on %s (wires.raw on %s)", url, settings.broker),
        on_ready=on_ready,
        shutdown_timeout=ack_timeout + 1,
    )


def run(settings: Settings) -> int:
    """``python -m pipeline ingest``: serve until Ctrl-C or SIGTERM, then return 0."""
    return run_service(
        "ingest",
        lambda ready: serve(settings, on_ready=ready),
        log_level=settings.log_level,
        kafka_log_level=logging.CRITICAL,  # our own lines say when the broker is away
    )
