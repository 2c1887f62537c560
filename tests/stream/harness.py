"""Run the real pipeline in tests: worker processes, feeding, reading topics back.

Each helper talks to a real broker (the embedded Tansu, or whatever
``bootstrap`` names) through the project's own edges: ``python -m pipeline
worker`` subprocesses, :mod:`pipeline.feed` and :mod:`pipeline.tail`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from pipeline import feed, tail, topics
from pipeline.broker import EMBEDDED_GROUP_TIMINGS
from pipeline.config import TOPIC_RAW, Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "pipeline" / "samples").glob("*.txt"))
CORPUS = sorted((ROOT / "tests" / "data" / "corpus").glob("*.txt"))
FILES = SAMPLES + CORPUS
RECEIVED_AT = "2024-06-01T12:00:00.000Z"


class Worker:
    """``python -m pipeline worker`` in a subprocess, with its log in a file."""

    def __init__(
        self, bootstrap: str, workdir: Path, name: str = "worker", metrics_port: int = 0
    ) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.env = {
            **os.environ,
            **EMBEDDED_GROUP_TIMINGS,
            "WIRES_BROKER": bootstrap,
            "WIRES_METRICS_PORT": str(metrics_port),
            "WIRES_DATA_DIR": str(workdir / name),
            "WIRES_LOG_LEVEL": "warning",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        log.close()
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def group_members(bootstrap: str, group: str) -> tuple[str, int]:
    """(state, number of members) of consumer group ``group``, as the broker sees it."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        description = admin.describe_groups([group])[group]
    finally:
        admin.close()
    return str(description.get("group_state", "")), len(description.get("members") or [])


def wait_group(bootstrap: str, group: str, members: int, timeout: float = 60.0) -> float:
    """Wait until ``group`` is Stable with ``members`` members; seconds it took.

    Stories sent before every worker has joined are processed twice around the
    rebalance (at-least-once: the repeat is flagged), which a test of exact output
    must not provoke."""
    start = time.monotonic()
    seen: tuple[str, int] = ("", 0)
    while time.monotonic() - start < timeout:
        try:
            seen = group_members(bootstrap, group)
        except (KafkaError, OSError, KeyError) as error:  # the coordinator may not be up yet
            seen = (f"unknown ({error!r})", 0)
        if seen == ("Stable", members):
            return time.monotonic() - start
        time.sleep(0.5)
    raise AssertionError(f"group {group}: {seen} after {timeout:.0f} s, want Stable/{members}")


def settings(bootstrap: str) -> Settings:
    return Settings(broker=bootstrap)


def producer(bootstrap: str) -> KafkaProducer:
    """A feed's producer, after creating the topics as the topic job does (a feed only
    waits for them, and tests often send before any worker has started)."""
    topics.ensure_topics(settings(bootstrap))
    return feed.make_producer(settings(bootstrap), linger_ms=20)


def send_raw(
    producer: KafkaProducer, value: bytes, original_id: str, *, key: bytes | None = None
) -> None:
    """One raw story on wires.raw with the headers ``wires feed`` sets (not flushed)."""
    producer.send(
        TOPIC_RAW,
        value,
        key=key,
        headers=feed.headers(
            feed="test", received_at=RECEIVED_AT, path=None, original_id=original_id
        ),
    )


def feed_files(bootstrap: str, files: Iterable[Path], *, received_at: str = RECEIVED_AT) -> int:
    """Send story files exactly as ``python -m pipeline feed`` does; returns how many."""
    p = producer(bootstrap)
    try:
        report = feed.feed([str(f) for f in files], p, received_at=received_at, progress=None)
    finally:
        p.close()
    assert not report.failed, report.summary()
    return report.sent


def read_until(
    bootstrap: str, topic: str, done: Callable[[list[dict]], bool], timeout: float = 90.0
) -> list[dict]:
    """Decoded events of ``topic`` from the beginning until ``done(events)`` or timeout.

    Each event gets its record key as ``event["_key"]`` (bytes) for the tests.
    """
    consumer = tail.assigned_consumer(settings(bootstrap), topic, from_beginning=True)
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    event = orjson.loads(record.value)
                    event["_key"] = record.key
                    events.append(event)
            if done(events):
                return events
    finally:
        consumer.close()
    return events


def until_all(ids: Iterable[str]) -> Callable[[list[dict]], bool]:
    """A ``read_until`` condition: every one of ``ids`` (``source.original_id``) is in."""
    wanted = set(ids)
    return lambda events: {e["source"]["original_id"] for e in events} >= wanted


def count_in(bootstrap: str, topic: str, n: int, timeout: float = 90.0) -> list[dict]:
    """Read until at least ``n`` events are there."""
    return read_until(bootstrap, topic, lambda events: len(events) >= n, timeout)


def without_volatile(event: dict) -> dict:
    """An event minus what legitimately differs between two readings of the same bytes."""
    return {k: v for k, v in event.items() if k not in ("processed_at", "source", "_key")}


def offline(paths: Iterable[Path]) -> dict[str, dict]:
    """What ``python -m pipeline enrich`` prints for each path, by path."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "enrich",
            "--received-at",
            RECEIVED_AT,
            *map(str, paths),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    return {e["source"]["path"]: e for e in events}
