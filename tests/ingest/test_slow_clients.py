"""Issue 15 (7): slow and aborting clients, and a flood of bad tokens.

One byte a second for 32 s was never cut, 200 slow connections were all held, each
aborted upload logged a full traceback, each bad token a warning with no limit."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.ingest.helpers import STORY, TOKEN_A, FakePublisher, ServerThread, post, settings


@pytest.fixture
def server() -> Iterator[ServerThread]:
    slow = settings(ingest_body_timeout=1.0, ingest_max_requests=3, ingest_rate=1e6)
    with ServerThread(slow, FakePublisher()) as running:
        yield running


def upload_start(url: str, length: int = 100) -> socket.socket:
    """A POST whose headers promise ``length`` bytes and whose body has not come yet."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(
        b"POST /v1/wires HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        + f"Authorization: Bearer {TOKEN_A}\r\nContent-Length: {length}\r\n\r\n".encode()
    )
    return sock


def answer(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_body_sent_a_byte_at_a_time_is_cut_with_408(server):
    sock = upload_start(server.url)
    started = time.monotonic()
    try:
        for _ in range(8):
            sock.sendall(b"x")
            time.sleep(0.25)
        reply = answer(sock)  # the server closes after answering
    finally:
        sock.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply
    assert b'"error":"body_timeout"' in reply
    assert time.monotonic() - started < 5


def test_beyond_the_most_requests_at_once_the_answer_is_503_at_once(server):
    slow = [upload_start(server.url) for _ in range(3)]
    try:
        time.sleep(0.2)
        started = time.monotonic()
        busy = post(server.url, STORY)
        assert busy.status == 503 and busy.json()["error"] == "busy", busy.body
        assert busy.headers.get("retry-after") == "1"
        assert time.monotonic() - started < 1
    finally:
        for sock in slow:
            sock.close()
    deadline = time.monotonic() + 5
    while (reply := post(server.url, STORY)).status == 503 and time.monotonic() < deadline:
        time.sleep(0.1)  # the slots free as the slow ones go
    assert reply.status == 202, reply.body


def test_an_aborted_upload_logs_one_line_and_no_traceback(server, caplog):
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):  # the server holds at most 3 at once
            sock = upload_start(server.url, length=10_000)
            sock.sendall(b"half a story")
            sock.close()
        deadline = time.monotonic() + 10
        while caplog.text.count("left before") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert post(server.url, STORY).status == 202
    text = caplog.text
    assert "Traceback" not in text and "Error handling request" not in text, text
    assert text.count("left before its body was in") == 3


def test_a_flood_of_bad_tokens_logs_one_warning(server, caplog):
    with caplog.at_level(logging.WARNING):
        for _ in range(50):
            assert post(server.url, STORY, token="not-a-token-at-all-x").status == 403
    warnings = [r for r in caplog.records if "unknown token" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
