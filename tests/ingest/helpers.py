"""Helpers for the ingest tests: settings with tokens, a fake publisher, the server in a
thread, a plain HTTP client, and reading ``wires.raw`` back."""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from kafka import KafkaConsumer, TopicPartition

from pipeline.config import TOPIC_RAW, Settings
from pipeline.ingest import serve
from pipeline.ingest.publisher import Ack, BrokerUnavailable, Publish, Publisher
from pipeline.ingest.stories import Record
from pipeline.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
FEED_A, TOKEN_A = "efe-en", "tok-efe-0123456789abcdef"
FEED_B, TOKEN_B = "ap-wire", "tok-ap-fedcba9876543210"
TOKENS = f"{FEED_A}:{TOKEN_A},{FEED_B}:{TOKEN_B}"
STORY = b"Politics\nA headline\nQuito, Jun 4 (EFE).- A first paragraph of the story.\n"


def settings(**overrides: Any) -> Settings:
    return Settings(**{"ingest_tokens": TOKENS, "ingest_port": 0, **overrides})


@dataclass
class FakePublisher:
    """Acknowledges everything at once (or fails when ``fail`` says so); keeps the records."""

    fail: Any = None  # callable(records) -> bool, or None
    records: list[Record] = field(default_factory=list)
    status: str = "connected"

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def publish(self, records: Sequence[Record]) -> list[Ack]:
        if self.fail is not None and self.fail(records):
            raise BrokerUnavailable("fake broker down")
        first = len(self.records)
        self.records.extend(records)
        return [Ack(TOPIC_RAW, 0, first + i) for i in range(len(records))]


class ServerThread:
    """:func:`pipeline.ingest.serve` on a free loopback port, in a thread with its own loop."""

    def __init__(
        self,
        settings: Settings,
        publisher: Publish | None = None,
        ack_timeout: float = 10.0,
        *,
        topic_job: bool = True,
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.ack_timeout = ack_timeout
        self.topic_job = topic_job and publisher is None
        self.url = ""
        self.code: int | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-test", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def __enter__(self) -> ServerThread:
        if self.topic_job:  # the real broker: its topic job first (ingest only waits)
            ensure_topics(self.settings)
        self._thread.start()
        assert self._ready.wait(30), "ingest server did not start"
        assert self.url, f"ingest server failed (exit code {self.code})"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            self.code = asyncio.run(self._main())
        finally:
            self._ready.set()

    async def _main(self) -> int:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()

        def ready(url: str) -> None:
            self.url = url.rstrip("/")
            self._ready.set()

        publisher = self.publisher
        if publisher is None:
            publisher = Publisher.for_settings(self.settings, ack_timeout=self.ack_timeout)
        return await serve(
            self.settings,
            stop=self._stop,
            on_ready=ready,
            publisher=publisher,
            ack_timeout=self.ack_timeout,
        )


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


def request(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


def post(
    url: str,
    body: bytes,
    content_type: str | None = "text/plain",
    *,
    token: str | None = TOKEN_A,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    sent = dict(headers or {})
    if content_type is not None:
        sent["Content-Type"] = content_type
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return request(url, "POST", "/v1/wires", body, sent, timeout)


def envelope(text: str = STORY.decode(), **fields: Any) -> bytes:
    return orjson.dumps({"text": text, **fields})


def ndjson(*envelopes: bytes) -> bytes:
    return b"\n".join(envelopes) + b"\n"


# -- wires.raw ---------------------------------------------------------------------------


def _consumer(bootstrap: str) -> KafkaConsumer:
    return KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)


def read_at(bootstrap: str, places: Sequence[dict[str, Any]], timeout: float = 30.0) -> list[Any]:
    """The records at the ``partition``/``offset`` of each accepted story, in order."""
    consumer = _consumer(bootstrap)
    try:
        found = []
        for place in places:
            tp = TopicPartition(place["topic"], place["partition"])
            consumer.assign([tp])
            consumer.seek(tp, place["offset"])
            found.append(_next_record(consumer, tp, place["offset"], timeout))
        return found
    finally:
        consumer.close()


def _next_record(consumer: KafkaConsumer, tp: TopicPartition, offset: int, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in consumer.poll(timeout_ms=200).get(tp, []):
            if record.offset == offset:
                return record
    raise AssertionError(f"no record at {tp.topic}[{tp.partition}]@{offset}")


def read_all(bootstrap: str, topic: str = TOPIC_RAW, timeout: float = 60.0) -> list[Any]:
    """Every record of ``topic`` up to the end offsets at the time of the call."""
    consumer = _consumer(bootstrap)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)  # Kafka's are right (no Tansu workaround)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, "wires.raw not read to its end in time"
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def header(record: Any, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode()
    return None


# -- python -m pipeline ingest -------------------------------------------------------------


class IngestProcess:
    """``python -m pipeline ingest`` in its own session, output to a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        if "WIRES_BROKER" in env:  # its topic job first: ingest only waits for wires.raw
            partitions = int(env.get("WIRES_PARTITIONS", Settings().partitions))
            ensure_topics(Settings(broker=env["WIRES_BROKER"], partitions=partitions))
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "ingest"],
                env={**os.environ, "WIRES_INGEST_PORT": "0", **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def url(self, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"ingest on (http://\S+?)/? ", self.output())
            if match:
                return match.group(1).rstrip("/")
            assert self.proc.poll() is None, f"ingest exited:\n{self.output()[-3000:]}"
            time.sleep(0.05)
        raise AssertionError(f"ingest did not start:\n{self.output()[-3000:]}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait(30)


def wait_connected(url: str, timeout: float = 30.0) -> None:
    """Wait until ``/healthz`` reports the broker reachable."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request(url, "GET", "/healthz").json().get("broker") == "connected":
            return
        time.sleep(0.1)
    raise AssertionError("ingest never reached the broker")
