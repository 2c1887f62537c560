"""Benchmark the stream on the embedded broker: throughput and latency.

Run: make bench (or .venv/bin/python bench/stream.py [--stories N]).

1. Throughput: the same backlog of raw stories (the sample wires and the dev
   corpus, cycled) drained by one worker of a pass-through Faust agent
   (raw -> out, no processing) and by one worker of the real pipeline; stories/s
   from the produce timestamps of the first and last output record, so start-up
   is not counted. Each run gets a fresh broker.
2. Latency: stories fed at a steady rate (200/s) into a running worker; p50/p99
   from each story's received_at to its enriched event's produce time, and to
   its arrival at a subscriber.

Throughput here is shared with the broker on the same machine: numbers from a
2-core laptop are not numbers from a cluster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

from pipeline import feed, tail
from pipeline.broker import EMBEDDED_GROUP_TIMINGS, make_broker
from pipeline.config import TOPIC_ENRICHED, TOPIC_RAW, Settings
from pipeline.text.story import iso_utc

ROOT = Path(__file__).resolve().parents[1]
STORIES = sorted((ROOT / "pipeline" / "samples").glob("*.txt")) + sorted(
    (ROOT / "tests" / "data" / "corpus").glob("*.txt")
)
PASSTHROUGH_TOPIC = "bench.passthrough"


def payloads() -> list[bytes]:
    return [p.read_bytes() for p in STORIES]


def load_backlog(settings: Settings, n: int) -> None:
    """``n`` raw stories into wires.raw, as the feeder sends them."""
    docs = payloads()
    producer = feed.make_producer(settings, linger_ms=50, batch_size=256 * 1024)
    stamp = iso_utc(dt.datetime.now(dt.UTC))
    for i in range(n):
        producer.send(
            TOPIC_RAW,
            key=f"s{i}".encode(),
            value=docs[i % len(docs)],
            headers=feed.headers(feed="bench", received_at=stamp, path=None, original_id=f"s{i}"),
        )
    producer.flush()
    producer.close()


BROKER = {"kind": "kafka"}  # --broker: kafka (default) or tansu


def embedded():
    """A fresh embedded broker of the kind asked for (Kafka on a temporary directory)."""
    return make_broker(BROKER["kind"])


def start(command: list[str], bootstrap: str, workdir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **EMBEDDED_GROUP_TIMINGS,
        "WIRES_BROKER_KIND": BROKER["kind"],
        "WIRES_BROKER": bootstrap,
        "WIRES_METRICS_PORT": "0",
        "WIRES_DATA_DIR": workdir,
        "WIRES_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [sys.executable, *command],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def drain_rate(settings: Settings, topic: str, n: int, timeout: float) -> float:
    """Stories/s between the first and the last of ``n`` output records."""
    consumer = tail.assigned_consumer(settings, topic, from_beginning=True, wait=60)
    stamps: list[int] = []
    deadline = time.monotonic() + timeout
    try:
        while len(stamps) < n and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                stamps.extend(r.timestamp for r in records)
    finally:
        consumer.close()
    if len(stamps) < n:
        raise RuntimeError(f"only {len(stamps)} of {n} records on {topic} after {timeout:.0f} s")
    return (n - 1) / max(1e-3, (max(stamps) - min(stamps)) / 1000)


def throughput(command: list[str], topic: str, n: int, workers: int = 1) -> float:
    """Drain rate of an ``n``-story backlog by ``workers`` processes running ``command``."""
    with embedded() as broker, tempfile.TemporaryDirectory() as workdir:
        settings = Settings(broker=broker.bootstrap, broker_kind=BROKER["kind"])
        load_backlog(settings, n)
        procs = [start(command, broker.bootstrap, f"{workdir}/w{i}") for i in range(workers)]
        try:
            return drain_rate(settings, topic, n, timeout=60 + n / 100)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)


def latency(rate: float, seconds: float) -> dict[str, float]:
    """Feed ``rate`` stories/s for ``seconds`` into a warm worker; latency percentiles."""
    docs = payloads()
    n = int(rate * seconds)
    with embedded() as broker, tempfile.TemporaryDirectory() as workdir:
        settings = Settings(broker=broker.bootstrap, broker_kind=BROKER["kind"])
        producer = feed.make_producer(settings, linger_ms=0)
        worker = start(["-m", "pipeline", "worker"], broker.bootstrap, workdir)
        consumer = tail.assigned_consumer(settings, TOPIC_ENRICHED, from_beginning=True)
        produced: list[float] = []
        received: list[float] = []
        stop = threading.Event()

        def consume() -> None:
            while not stop.is_set():
                for records in consumer.poll(timeout_ms=100).values():
                    now = time.time()
                    for record in records:
                        event = orjson.loads(record.value)
                        sent = dt.datetime.fromisoformat(
                            event["received_at"].replace("Z", "+00:00")
                        ).timestamp()
                        produced.append(record.timestamp / 1000 - sent)
                        received.append(now - sent)

        reader = threading.Thread(target=consume, daemon=True)
        reader.start()
        try:
            _warm_up(producer, docs, produced)
            produced.clear()
            received.clear()
            start_at = time.monotonic()
            for i in range(n):
                delay = start_at + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                producer.send(
                    TOPIC_RAW,
                    key=f"l{i}".encode(),
                    value=docs[i % len(docs)],
                    headers=feed.headers(
                        feed="bench",
                        received_at=iso_utc(dt.datetime.now(dt.UTC)),
                        path=None,
                        original_id=f"l{i}",
                    ),
                )
            producer.flush()
            deadline = time.monotonic() + 30
            while len(produced) < n and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            reader.join(5)
            consumer.close()
            producer.close()
            worker.terminate()
            worker.wait(30)
    return {
        "n": len(produced),
        "produced_p50": _pct(produced, 50),
        "produced_p99": _pct(produced, 99),
        "received_p50": _pct(received, 50),
        "received_p99": _pct(received, 99),
    }


def _warm_up(producer, docs: list[bytes], produced: list[float]) -> None:
    """Until the worker has joined its group and enriched a first story."""
    deadline = time.monotonic() + 60
    while not produced and time.monotonic() < deadline:
        producer.send(
            TOPIC_RAW,
            value=docs[0],
            headers=feed.headers(
                feed="warmup",
                received_at=iso_utc(dt.datetime.now(dt.UTC)),
                path=None,
                original_id="warmup",
            ),
        )
        producer.flush()
        time.sleep(1)
    time.sleep(2)  # let the stories of the warm-up drain


def _pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=6000, help="backlog size (6000)")
    parser.add_argument("--rate", type=float, default=200.0, help="latency run rate (200/s)")
    parser.add_argument("--seconds", type=float, default=20.0, help="latency run length (20 s)")
    parser.add_argument(
        "--scaling-stories",
        type=int,
        default=20000,
        help="backlog of the 1-vs-2-workers run (20000; 0 skips it)",
    )
    parser.add_argument(
        "--broker",
        choices=("kafka", "tansu"),
        default="kafka",
        help="embedded broker: kafka (Apache Kafka 4.4, default) or tansu (memory only)",
    )
    args = parser.parse_args(argv)
    BROKER["kind"] = args.broker

    print(
        f"stream on the embedded broker ({args.broker}): backlog of {args.stories:,} stories "
        f"({len(STORIES)} distinct, mean {statistics.mean(map(len, payloads())) / 1024:.1f} KiB)"
    )
    base = throughput([str(ROOT / "bench" / "passthrough_app.py")], PASSTHROUGH_TOPIC, args.stories)
    print(f"  pass-through Faust agent (raw -> out)   {base:>8,.0f} stories/s")
    real = throughput(["-m", "pipeline", "worker"], TOPIC_ENRICHED, args.stories)
    print(f"  real pipeline (raw -> engine -> enriched) {real:>6,.0f} stories/s")
    print(f"  ratio pipeline / pass-through: {real / base:.2f} (aim: at least 0.8)")

    lat = latency(args.rate, args.seconds)
    print(
        f"  latency at a steady {args.rate:.0f} stories/s ({lat['n']} stories), from received_at:"
    )
    print(
        f"    to the enriched event produced: p50 {lat['produced_p50'] * 1000:6.1f} ms  "
        f"p99 {lat['produced_p99'] * 1000:6.1f} ms (aim: p99 under 50 ms)"
    )
    print(
        f"    to a subscriber receiving it:   p50 {lat['received_p50'] * 1000:6.1f} ms  "
        f"p99 {lat['received_p99'] * 1000:6.1f} ms"
    )

    if args.scaling_stories:
        n = args.scaling_stories
        worker = ["-m", "pipeline", "worker"]
        one = throughput(worker, TOPIC_ENRICHED, n, workers=1)
        two = throughput(worker, TOPIC_ENRICHED, n, workers=2)
        print(
            f"  scaling: a backlog of {n:,} stories on 8 partitions, broker on the same "
            f"machine ({os.cpu_count()} cores)"
        )
        print(f"    1 worker  {one:>7,.0f} stories/s")
        print(f"    2 workers {two:>7,.0f} stories/s   speed-up {two / one:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
