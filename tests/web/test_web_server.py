"""The dashboard server without a browser or a broker: aiohttp's test client on a hub."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

import orjson
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sse_reader import Message, parse_lines

from pipeline.broker import free_port
from pipeline.config import Settings, from_env
from pipeline.web import server
from pipeline.web.hub import Hub

T = TypeVar("T")
XSS_HEADLINE = '<script>window.__xss=1</script> and <img src=x onerror="window.__xss=1">'


def event(n: int, **fields: Any) -> dict[str, Any]:
    base = {
        "schema": "wires.enriched/1",
        "id": f"{n:024x}",
        "received_at": "2024-06-04T09:30:00.000Z",
        "processed_at": "2024-06-04T09:30:00.012Z",
        "agency": "EFE",
        "language": "en",
        "section": {"label": "politics", "code": "medtop:11000000"},
        "headline": f"Story {n}",
        "dateline": {"text": "Quito, Jun 4 (EFE)", "place": "Quito", "date": "2024-06-04"},
        "body": ["One paragraph."],
        "blocks": [{"kind": "navigation", "text": "Related Articles"}],
    }
    return {**base, **fields}


def with_client(
    test: Callable[[TestClient, Hub], Awaitable[T]],
    *,
    bind: str = "127.0.0.1",
    status: tuple[str, str | None] = ("connected", None),
    **options: Any,
) -> T:
    async def main() -> T:
        hub = Hub(capacity=10)
        app = server.create_app(hub, status=lambda: status, bind=bind, **options)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            return await test(client, hub)

    return asyncio.run(main())


async def read_messages(
    response: ClientResponse, wanted: Callable[[list[Message]], bool], timeout: float = 10.0
) -> list[Message]:
    """Read SSE lines until ``wanted(messages)`` holds (or fail after ``timeout`` s)."""
    lines: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            raw = await response.content.readline()
            assert raw, "stream closed"
            lines.append(raw.decode().rstrip("\r\n"))
            if lines[-1] == "":
                messages = parse_lines(lines)
                if wanted(messages):
                    return messages


# -- headers, page and static files ---------------------------------------------------


def test_page_and_static_files_carry_a_strict_csp() -> None:
    async def check(client: TestClient, hub: Hub) -> None:
        for path in (
            "/",
            "/static/dashboard.js",
            "/static/dashboard.css",
            "/healthz",
            "/api/stories/nope",
        ):
            response = await client.get(path)
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src 'self'" in csp
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        page = await client.get("/")
        assert page.content_type == "text/html"
        js = await client.get("/static/dashboard.js")
        assert js.content_type in ("text/javascript", "application/javascript")

    with_client(check)


def test_static_files_cannot_escape_their_folder() -> None:
    async def check(client: TestClient, hub: Hub) -> None:
        for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/"):
            response = await client.get(path)
            assert response.status in (403, 404), path

    with_client(check)


class _PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if "style" in names or tag == "style":
            self.problems.append(f"inline style on <{tag}>")
        self.problems.extend(f"handler {n} on <{tag}>" for n in names if n.startswith("on"))


def test_the_page_has_no_inline_script_or_style_and_never_parses_data_as_html() -> None:
    static = Path(server.STATIC)
    audit = _PageAudit()
    audit.feed((static / "index.html").read_text())
    assert audit.problems == []
    script = (static / "dashboard.js").read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setAttribute("style',
    ):
        assert sink not in script, sink


def test_requests_for_another_host_are_refused_while_bound_to_loopback() -> None:
    async def check(client: TestClient, hub: Hub) -> int:
        for host in ("localhost:8080", "127.0.0.1", "[::1]:8080"):
            assert (await client.get("/healthz", headers={"Host": host})).status == 200
        response = await client.get("/healthz", headers={"Host": "attacker.example:8080"})
        return response.status

    assert with_client(check) == 421
    assert with_client(check, bind="0.0.0.0") == 200  # bound on purpose: no Host check


def test_bind_defaults_to_loopback() -> None:
    assert Settings().bind == "127.0.0.1"
    assert from_env({}).bind == "127.0.0.1"
    assert from_env({}).dashboard_port == 8080
    assert from_env({"WIRES_DASHBOARD_PORT": "9000"}).dashboard_port == 9000


def test_serve_listens_on_the_bind_address_and_stops_on_request() -> None:
    settings = Settings(broker=f"127.0.0.1:{free_port()}", dashboard_port=0)

    async def main() -> str:
        stop = asyncio.Event()
        urls: list[str] = []
        task = asyncio.create_task(server.serve(settings, stop=stop, on_ready=urls.append))
        async with asyncio.timeout(20):
            while not urls:
                await asyncio.sleep(0.05)
            stop.set()
            assert await task == 0
        return urls[0]

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", asyncio.run(main()))


# -- API --------------------------------------------------------------------------------


def test_story_endpoint_returns_the_full_event_as_json() -> None:
    stored = event(1, headline=XSS_HEADLINE, body=["</script><script>alert(1)</script>"])

    async def check(client: TestClient, hub: Hub) -> None:
        hub.add([stored])
        response = await client.get(f"/api/stories/{stored['id']}")
        assert response.status == 200
        assert response.content_type == "application/json"
        assert orjson.loads(await response.read()) == stored
        missing = await client.get("/api/stories/000000000000000000000000")
        assert missing.status == 404
        assert missing.content_type == "application/json"

    with_client(check)


def test_summary_counts_and_healthz() -> None:
    async def check(client: TestClient, hub: Hub) -> None:
        hub.add([event(1), event(2, agency="AFP"), event(3, agency="AFP"), event(3)])
        summary = orjson.loads(await (await client.get("/api/summary")).read())
        assert summary["total"] == 3
        assert summary["duplicates"] == 1
        assert dict(summary["agencies"]) == {"AFP": 2, "EFE": 1}
        assert dict(summary["sections"]) == {"politics": 3}
        assert summary["broker"] == {"status": "connected", "error": None}
        health = orjson.loads(await (await client.get("/healthz")).read())
        assert health == {"status": "ok", "broker": "connected", "stories": 3, "clients": 0}
        ready = await client.get("/readyz")
        assert ready.status == 200 and orjson.loads(await ready.read())["ready"] is True

    with_client(check)


def test_health_says_degraded_and_not_ready_while_the_broker_is_away() -> None:
    """Issue 16: ``/healthz`` said ok while the dashboard had lost its broker."""

    async def check(client: TestClient, hub: Hub) -> tuple[int, dict, int, dict]:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        return (
            health.status,
            orjson.loads(await health.read()),
            ready.status,
            orjson.loads(await ready.read()),
        )

    code, health, ready_code, ready = with_client(
        check, status=("disconnected", "KafkaConnectionError: refused")
    )
    assert code == 200 and health["status"] == "degraded" and health["broker"] == "disconnected"
    assert ready_code == 503
    error = "KafkaConnectionError: refused"
    assert ready == {"ready": False, "broker": "disconnected", "error": error}


def test_only_get_is_allowed() -> None:
    async def check(client: TestClient, hub: Hub) -> int:
        return (await client.post("/api/summary")).status

    assert with_client(check) == 405


# -- the event stream ------------------------------------------------------------------


def test_stream_sends_snapshot_first_then_batches_and_stats() -> None:
    async def check(client: TestClient, hub: Hub) -> None:
        hub.add([event(1), event(2, headline=XSS_HEADLINE)])
        response = await client.get("/events")
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        assert response.headers["Cache-Control"] == "no-store"
        first = await read_messages(response, lambda ms: any(m.event == "snapshot" for m in ms))
        assert first[0].retry == server.RETRY_MS
        snapshot = orjson.loads(first[1].data)
        assert [row["headline"] for row in snapshot["stories"]] == ["Story 1", XSS_HEADLINE]
        assert snapshot["stats"]["total"] == 2

        hub.add([event(n) for n in range(3, 8)])
        later = await read_messages(
            response, lambda ms: {"stories", "stats"} <= {m.event for m in ms}
        )
        batches = [orjson.loads(m.data) for m in later if m.event == "stories"]
        assert len(batches) == 1  # one push for the whole batch
        pushed = [row["headline"] for row in batches[0]]
        assert pushed[-5:] == [f"Story {n}" for n in range(3, 8)]
        # Rows that arrived just before the browser connected may come twice (in the
        # snapshot and in the next push); the page drops repeats by id.
        assert set(pushed[:-5]) <= {"Story 1", XSS_HEADLINE}
        stats = next(orjson.loads(m.data) for m in later if m.event == "stats")
        assert stats["total"] == 7 and stats["clients"] == 1
        response.close()

    with_client(check, push_interval=0.05, stats_interval=0.1)


def test_a_push_carries_only_the_newest_rows() -> None:
    async def check(client: TestClient, hub: Hub) -> None:
        response = await client.get("/events")
        await read_messages(response, lambda ms: any(m.event == "snapshot" for m in ms))
        hub.add([event(n) for n in range(20)])
        messages = await read_messages(response, lambda ms: any(m.event == "stories" for m in ms))
        rows = orjson.loads(next(m.data for m in messages if m.event == "stories"))
        assert [row["headline"] for row in rows] == [f"Story {n}" for n in range(16, 20)]
        response.close()

    with_client(check, push_interval=0.05, push_limit=4)


def test_a_client_that_cannot_keep_up_is_hung_up_on() -> None:
    async def main() -> None:
        client = server.Client(asyncio.Queue(maxsize=2))
        assert client.send(b"1") and client.send(b"2")
        assert not client.send(b"3")
        assert client.queue.qsize() == 1
        assert client.queue.get_nowait() is None

    asyncio.run(main())


def test_shutdown_ends_open_streams() -> None:
    async def main() -> None:
        app = server.create_app(Hub(), status=lambda: ("connected", None))
        test_server = TestServer(app, host="127.0.0.1")
        client = TestClient(test_server)
        await client.start_server()
        try:
            response = await client.get("/events")
            await read_messages(response, lambda ms: any(m.event == "snapshot" for m in ms))
            await test_server.close()  # runs on_shutdown: the stream must end, not hang
            async with asyncio.timeout(10):
                while await response.content.readline():
                    pass
        finally:
            await client.close()

    asyncio.run(main())


# -- the command ------------------------------------------------------------------------


def test_dashboard_command_serves_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    log_path = tmp_path / "dashboard.log"
    env = {**os.environ, "WIRES_BROKER": f"127.0.0.1:{free_port()}", "WIRES_DASHBOARD_PORT": "0"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "dashboard"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        match = None
        while match is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            match = re.search(r"dashboard on (http://127\.0\.0\.1:\d+/)", log_path.read_text())
        assert match, log_path.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
