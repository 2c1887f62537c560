"""The dashboard's HTTP side (aiohttp): the static page, an SSE stream and a small JSON API.

Endpoints: ``/`` (the page), ``/static/...``, ``/events`` (Server-Sent Events),
``/api/stories/{id}`` (one full event from the ring buffer), ``/api/summary`` (counts,
rate, latency, broker status), ``/api/deadletters`` (the last rejected stories,
summarised: :mod:`pipeline.web.rejects`) and ``/healthz``.

Why SSE: one-way push over plain HTTP, and every browser reconnects by itself. Pushes
are batched so hundreds of stories a second cost a handful of events: every
``push_interval`` s the new rows go out as one ``stories`` event (only the newest
``push_limit``; the counts still include all), and every ``stats_interval`` s a
``stats`` event. A browser that (re)connects first gets ``retry`` and a ``snapshot``
(recent rows + stats) that replaces whatever it showed, so a server restart never
leaves stale or doubled rows. A browser too slow to keep up is disconnected rather
than buffered for: it reconnects and gets a fresh snapshot.

Safety: story text is untrusted. The server only ever sends it as JSON (SSE data or
``application/json``); the page builds the DOM with ``textContent``. Every response
carries a strict Content-Security-Policy (no inline script or style, same-origin
only) and ``nosniff``. The server binds to ``settings.bind`` (loopback by default),
and while bound to loopback it answers only requests whose ``Host`` is a loopback
name, which stops DNS-rebinding pages from reading the stream.

The Kafka side (``source.StorySource``) follows ``wires.enriched`` in a thread; each
batch hops onto the event loop, where the ``Hub`` lives, with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from yarl import URL

from pipeline.config import TOPIC_DEADLETTER, Settings
from pipeline.serving import is_loopback, run_service, serve_until_stopped
from pipeline.web import sse
from pipeline.web.hub import Hub
from pipeline.web.rejects import Rejects
from pipeline.web.source import CONNECTED, StorySource

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
RETRY_MS = 2000  # how long a browser waits before reconnecting

StatusFn = Callable[[], tuple[str, str | None]]


@dataclass(eq=False, slots=True)  # hashed by identity: kept in a set
class Client:
    """One connected browser: a bounded queue of ready-made SSE frames (None: hang up)."""

    queue: asyncio.Queue[bytes | None]

    def send(self, frame: bytes) -> bool:
        """Queue ``frame``; when the queue is full, hang up instead and return False."""
        try:
            self.queue.put_nowait(frame)
            return True
        except asyncio.QueueFull:
            self.hang_up()
            return False

    def hang_up(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass(slots=True)
class Dashboard:
    """Shared state of one app: the hub, the broker status and the connected browsers."""

    hub: Hub
    status: StatusFn
    push_interval: float = 0.2
    stats_interval: float = 1.0
    push_limit: int = 500
    snapshot_limit: int = 2000
    queue_size: int = 64
    clients: set[Client] = field(default_factory=set)
    rejects: Rejects = field(default_factory=Rejects)

    def stats(self) -> dict[str, Any]:
        status, error = self.status()
        return {
            **self.hub.stats(),
            "rejected": self.rejects.total,
            "broker": {"status": status, "error": error},
            "clients": len(self.clients),
        }

    def snapshot_frame(self) -> bytes:
        payload = {
            "stories": self.hub.recent(self.snapshot_limit),
            "deadletters": self.rejects.recent(),
            "stats": self.stats(),
        }
        return sse.frame(orjson.dumps(payload).decode(), event="snapshot")

    def broadcast(self, frame: bytes) -> None:
        for client in list(self.clients):
            client.send(frame)

    async def pump(self) -> None:
        """Push new rows every ``push_interval`` s and stats every ``stats_interval`` s."""
        loop = asyncio.get_running_loop()
        next_stats = loop.time()
        while True:
            await asyncio.sleep(self.push_interval)
            try:
                rows = self.hub.take_pending(self.push_limit)
                letters = self.rejects.take_pending()
                if not self.clients:
                    continue
                if rows:
                    self.broadcast(sse.frame(orjson.dumps(rows).decode(), event="stories"))
                if letters:
                    frame = sse.frame(orjson.dumps(letters).decode(), event="deadletters")
                    self.broadcast(frame)
                if loop.time() >= next_stats:
                    next_stats = loop.time() + self.stats_interval
                    self.broadcast(sse.frame(orjson.dumps(self.stats()).decode(), event="stats"))
            except Exception:  # one bad batch must not stop the pushes for good
                log.exception("push failed")


DASHBOARD = web.AppKey("dashboard", Dashboard)
PUMP = web.AppKey("pump", asyncio.Task)


def _host_of(request: web.Request) -> str | None:
    try:
        return URL(f"http://{request.host}").host
    except ValueError:
        return None


def _json(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def _story(request: web.Request) -> web.Response:
    event = request.app[DASHBOARD].hub.get(request.match_info["story_id"])
    if event is None:
        return _json({"error": "not among the recent stories"}, status=404)
    return _json(event)


async def _deadletters(request: web.Request) -> web.Response:
    rejects = request.app[DASHBOARD].rejects
    return _json({"total": rejects.total, "deadletters": rejects.recent()})


async def _no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204)  # no favicon, and no 404 noise in the console


async def _summary(request: web.Request) -> web.Response:
    return _json(request.app[DASHBOARD].stats())


async def _healthz(request: web.Request) -> web.Response:
    """Liveness: 200 while the server answers; ``status`` says ``degraded`` while the
    broker is not connected (the page then shows stories that may be stale)."""
    dash = request.app[DASHBOARD]
    status, _ = dash.status()
    return _json(
        {
            "status": "ok" if status == CONNECTED else "degraded",
            "broker": status,
            "stories": len(dash.hub),
            "clients": len(dash.clients),
        }
    )


async def _readyz(request: web.Request) -> web.Response:
    """Readiness: 503 while the broker is not connected, so a load balancer sends
    readers to a dashboard that is live (restarting this one would not help)."""
    status, error = request.app[DASHBOARD].status()
    ready = status == CONNECTED
    return _json({"ready": ready, "broker": status, "error": error}, status=200 if ready else 503)


async def _events(request: web.Request) -> web.StreamResponse:
    dash = request.app[DASHBOARD]
    response = web.StreamResponse(headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    response.content_type = "text/event-stream"
    response.charset = "utf-8"
    await response.prepare(request)
    client = Client(asyncio.Queue(maxsize=dash.queue_size))
    dash.clients.add(client)
    try:
        await response.write(sse.retry(RETRY_MS) + dash.snapshot_frame())
        while (frame := await client.queue.get()) is not None:
            await response.write(frame)
    except ConnectionError:  # the browser went away (aiohttp raises a subclass)
        pass
    finally:
        dash.clients.discard(client)
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _loopback_only() -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = _host_of(request)
        if host is None or not is_loopback(host):
            return web.Response(status=421, text="this dashboard answers to localhost only\n")
        return await handler(request)

    return middleware


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path == "/" or request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-cache"


async def _start_pump(app: web.Application) -> None:
    app[PUMP] = asyncio.get_running_loop().create_task(app[DASHBOARD].pump())


async def _hang_up_all(app: web.Application) -> None:
    for client in list(app[DASHBOARD].clients):
        client.hang_up()


async def _stop_pump(app: web.Application) -> None:
    app[PUMP].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[PUMP]


def create_app(
    hub: Hub,
    *,
    status: StatusFn = lambda: ("unknown", None),
    bind: str = "127.0.0.1",
    **options: Any,
) -> web.Application:
    """The aiohttp app over ``hub``; ``options`` are :class:`Dashboard` fields (tests)."""
    app = web.Application(middlewares=[_loopback_only()] if is_loopback(bind) else [])
    app[DASHBOARD] = Dashboard(hub, status, **options)
    app.router.add_get("/", _index)
    app.router.add_get("/events", _events)
    app.router.add_get("/api/stories/{story_id}", _story)
    app.router.add_get("/api/summary", _summary)
    app.router.add_get("/api/deadletters", _deadletters)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/favicon.ico", _no_icon)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    app.on_response_prepare.append(_security_headers)
    app.on_startup.append(_start_pump)
    app.on_shutdown.append(_hang_up_all)
    app.on_cleanup.append(_stop_pump)
    return app


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
    capacity: int = 2000,
) -> int:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM in the main thread); 1 if it cannot
    listen. ``on_ready`` gets the URL (with the real port when the setting is 0)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event() if stop is None else stop
    hub = Hub(capacity)

    def deliver(events: list[dict[str, Any]]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while we shut down
            loop.call_soon_threadsafe(hub.add, events)

    rejects = Rejects()

    def deliver_rejects(letters: list[dict[str, Any]]) -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(rejects.add, letters)

    source = StorySource(settings, deliver, backlog=capacity)
    # The dead letters' own follower: its status is not the dashboard's (a missing
    # wires.deadletter must not make the stories look degraded).
    letters = StorySource(settings, deliver_rejects, topic=TOPIC_DEADLETTER, backlog=200)
    app = create_app(
        hub,
        status=lambda: (source.status, source.error),
        bind=settings.bind,
        snapshot_limit=capacity,
        rejects=rejects,
    )

    def started(url: str) -> None:
        source.start()
        letters.start()
        log.info("dashboard on %s (wires.enriched on %s)", url, settings.broker)

    try:
        return await serve_until_stopped(
            app,
            bind=settings.bind,
            port=settings.dashboard_port,
            stop=stop,
            name="dashboard",
            on_listening=started,
            on_ready=on_ready,
        )
    finally:
        await asyncio.gather(asyncio.to_thread(source.stop), asyncio.to_thread(letters.stop))


def run(settings: Settings) -> int:
    """``python -m pipeline dashboard``: serve until Ctrl-C or SIGTERM, then return 0."""
    return run_service(
        "dashboard",
        lambda ready: serve(settings, on_ready=ready),
        log_level=settings.log_level,
        kafka_log_level=logging.ERROR,  # our status line says why
    )
