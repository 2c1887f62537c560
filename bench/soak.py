"""Soak: the pipeline at a steady rate for minutes, the worker's memory sampled.

Run: make soak (or .venv/bin/python bench/soak.py --minutes 10 --rate 50).

Feeds distinct stories (1% malformed) into one worker on the embedded broker at
a steady rate, samples the worker's resident memory every few seconds, then
waits for every story. Prints stories sent, received, repeats (and how many
were marked duplicate), dead-lettered, and the memory slope (least squares over
the samples after a one-minute warm-up). Exits 1 if a story is lost or the
slope is above the bound.

The bound: for WIRES_VERSIONS_TTL (7 days by default) the worker keeps, by
design, one entry per distinct story in its versions table (about 650 bytes
with Python's overhead), so within a ten-minute run memory grows with the
stories, about 2 MiB a minute at 50 new stories/s. MAX_SLOPE_MIB_PER_MIN leaves
room for that and nothing else of size. ``--versions-ttl 60`` shows the table
levelling off once entries expire.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pipeline import feed, tail
from pipeline.broker import EmbeddedBroker
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_RAW, Settings

ROOT = Path(__file__).resolve().parents[1]
MAX_SLOPE_MIB_PER_MIN = 3.0
SAMPLE_EVERY = 5.0
WARM_UP = 60.0
TEMPLATE = (
    "World\n\nStory {n}: port workers in {place} extend strike over pay\n\n"
    "{place_caps}, March 3 (Reuters) - Port workers in {place} extended their strike on "
    "Tuesday for a {n}th day after talks with operators broke down over pay, the union said, "
    "leaving dozens of container ships waiting offshore.\n\n"
    "The operators said they had offered a 6% rise and would return to talks on Friday.\n\n"
    "(Reporting by Jane Smith; Editing by John Doe)\n"
)
PLACES = ["Rotterdam", "Santos", "Mombasa", "Busan", "Valencia", "Durban", "Chittagong"]


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per minute."""
    if len(samples) < 3:
        return 0.0
    xs, ys = zip(*samples, strict=True)
    return statistics.linear_regression(xs, ys).slope * 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=50.0, help="stories per second")
    parser.add_argument(
        "--versions-ttl", type=float, help="WIRES_VERSIONS_TTL for the worker (default: its 7 days)"
    )
    args = parser.parse_args(argv)
    duration = args.minutes * 60

    with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as workdir:
        settings = Settings(broker=broker.bootstrap)
        producer = feed.make_producer(settings)
        env = {
            **os.environ,
            **broker.client_env(),
            "WIRES_METRICS_PORT": "0",
            "WIRES_DATA_DIR": workdir,
            "WIRES_LOG_LEVEL": "warning",
        }
        if args.versions_ttl:
            env["WIRES_VERSIONS_TTL"] = str(args.versions_ttl)
        worker = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        started = time.monotonic()

        def sample() -> None:
            while not stop.wait(SAMPLE_EVERY):
                samples.append((time.monotonic() - started, rss_mib(worker.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        sent, malformed = 0, 0
        try:
            while (elapsed := time.monotonic() - started) < duration:
                delay = started + sent / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                headers = feed.headers(
                    feed="soak", received_at=None, path=None, original_id=str(sent)
                )
                if sent % 100 == 99:  # an envelope whose text is not a string
                    value, malformed = b'{"text": 42}', malformed + 1
                    headers = [(k, v) for k, v in headers if k != "content-type"]
                else:
                    place = PLACES[sent % len(PLACES)]
                    value = TEMPLATE.format(n=sent, place=place, place_caps=place.upper()).encode()
                producer.send(TOPIC_RAW, value, key=str(sent).encode(), headers=headers)
                sent += 1
                if sent % int(args.rate * 60) == 0:
                    print(
                        f"  {elapsed / 60:4.1f} min: {sent:,} sent, worker "
                        f"{samples[-1][1] if samples else 0:.0f} MiB",
                        flush=True,
                    )
            producer.flush()
            good, dead, repeats, marked = collect(settings, sent - malformed, malformed)
        finally:
            stop.set()
            producer.close()
            worker.terminate()
            worker.wait(30)

    after_warm_up = [s for s in samples if s[0] >= min(WARM_UP, duration / 3)]
    slope = slope_per_minute(after_warm_up)
    lost = (sent - malformed) - good
    print(f"soak: {args.minutes:g} min at {args.rate:g} stories/s on the embedded broker")
    print(
        f"  sent {sent:,} ({malformed} malformed), received {good:,} distinct stories, "
        f"{repeats} repeats ({marked} marked duplicate), dead-lettered {dead}"
    )
    print(
        f"  worker memory {samples[0][1]:.0f} -> {samples[-1][1]:.0f} MiB, slope after "
        f"warm-up {slope:+.2f} MiB/min (bound {MAX_SLOPE_MIB_PER_MIN} MiB/min)"
    )
    failed = lost > 0 or dead != malformed or slope > MAX_SLOPE_MIB_PER_MIN
    print("  verdict:", "FAIL" if failed else "ok", f"({lost} lost)")
    return 1 if failed else 0


def collect(settings: Settings, stories: int, malformed: int) -> tuple[int, int, int, int]:
    """Read both output topics until every story and dead letter is there (or 2 minutes
    of silence): (distinct stories, dead letters, repeats, marked duplicate)."""
    seen: set[str] = set()
    repeats = marked = 0
    consumer = tail.assigned_consumer(settings, TOPIC_ENRICHED, from_beginning=True)
    for event in tail.follow(consumer, idle_timeout=120):
        original = event["source"]["original_id"]
        repeats += original in seen
        marked += bool(event["duplicate"])
        seen.add(original)
        if len(seen) >= stories:
            break
    consumer.close()
    dead = 0
    consumer = tail.assigned_consumer(settings, TOPIC_DEADLETTER, from_beginning=True)
    for _ in tail.follow(consumer, idle_timeout=30):
        dead += 1
        if dead >= malformed:
            break
    consumer.close()
    return len(seen), dead, repeats, marked


if __name__ == "__main__":
    sys.exit(main())
