"""Broker faults on real Apache Kafka: the partition leader of ``wires.raw`` SIGKILLed in
a three-node cluster while ``feed`` sends 5,000 stories, and the single node SIGKILLed
mid-stream and restarted on its data directory.

What is checked each time: every story ``feed`` reported sent (acknowledged with
acks=all) reaches ``wires.enriched`` (or ``wires.deadletter`` with a reason); a story
published more than once is flagged ``duplicate`` on every copy after the first; the
same worker process carries on, and the enriched stream never stalls longer than
:data:`RESUME_BOUND` seconds.
"""

from __future__ import annotations

import collections
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from pipeline.broker import KafkaBroker, KafkaCluster
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_RAW, Settings
from pipeline.text.engine import enrich
from pipeline.topics import ensure_topics
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker]

# The longest the enriched stream may stall around a broker fault (seconds): a
# leader change takes the broker session (3 s) to fence the dead node plus the
# clients' metadata refresh and retries; a restarted single node ~6 s to start.
RESUME_BOUND = 30.0
PARTITIONS = 4


def distinct(base: bytes, label: str) -> bytes:
    """``base`` (a sample) made a story of its own: ``label`` ends its headline (the
    versions table's story id) and its longest line, a body paragraph (a line added at
    the end would fall after the sample's sign-off and site chrome, and every copy
    would be one story, or hundreds of versions of one)."""
    lines = base.split(b"\n")
    headline = (enrich(base).headline or "").encode()
    for i, line in enumerate(lines):
        if headline and line.strip() == headline:
            lines[i] = line.rstrip() + f" {label}".encode()
            break
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[longest] += f" Reference {label} of this test run.".encode()
    return b"\n".join(lines)


def write_stories(folder: Path, n: int) -> list[str]:
    """``n`` distinct story files (samples with a numbered paragraph)."""
    folder.mkdir(parents=True, exist_ok=True)
    bases = [p.read_bytes() for p in harness.SAMPLES]
    names = []
    for i in range(n):
        name = f"{folder.name}-{i:05d}.txt"
        (folder / name).write_bytes(distinct(bases[i % len(bases)], f"{folder.name}-{i}"))
        names.append(name)
    return names


def run_feed(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``python -m pipeline feed FOLDER`` in the background; its summary on stderr."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "feed", str(folder)],
        env={**os.environ, **env},
        cwd=harness.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def feed_report(proc: subprocess.Popen[str], timeout: float) -> tuple[int, set[str], str]:
    """(sent, names failed, summary) of a finished feed."""
    _, err = proc.communicate(timeout=timeout)
    lines = [line for line in err.splitlines() if line.startswith("sent ")]
    assert lines, f"no summary from feed (exit {proc.returncode}):\n{err[-3000:]}"
    sent = int(lines[-1].split()[1].rstrip(","))
    failed = {
        Path(line.split(":")[0].strip()).name
        for line in err.splitlines()
        if line.startswith("  ") and ":" in line
    }
    return sent, failed, lines[-1]


class Reader:
    """Follows wires.enriched and wires.deadletter from the beginning in a thread."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = KafkaConsumer(
            TOPIC_ENRICHED,
            TOPIC_DEADLETTER,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
            fetch_max_wait_ms=100,
            metadata_max_age_ms=2000,
        )
        self.enriched: list[dict] = []
        self.dead: list[dict] = []
        self.arrivals: list[float] = []  # monotonic time each enriched event was read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batches = self.consumer.poll(timeout_ms=200)
            except Exception:
                time.sleep(0.2)
                continue
            for tp, records in batches.items():
                for record in records:
                    event = orjson.loads(record.value)
                    if tp.topic == TOPIC_ENRICHED:
                        self.enriched.append(event)
                        self.arrivals.append(time.monotonic())
                    else:
                        self.dead.append(event)

    def names(self) -> set[str]:
        seen = {Path(e["source"]["path"] or "").name for e in self.enriched}
        return seen | {str(d.get("key") or "") for d in self.dead}

    def wait_for(self, names: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not names <= self.names() and time.monotonic() < deadline:
            time.sleep(0.5)

    def wait_count(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.enriched) < n and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.enriched) >= n, f"only {len(self.enriched)} enriched before the fault"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.consumer.close()


def check_delivery(reader: Reader, sent_names: set[str], fault_at: float) -> dict[str, float]:
    """Every sent story arrived; repeats flagged; the stall bound held. Returns figures."""
    missing = sent_names - reader.names()
    assert not missing, f"{len(missing)} acknowledged stories lost, e.g. {sorted(missing)[:5]}"
    for dead in reader.dead:
        assert dead["reason"], dead
    copies = collections.defaultdict(list)
    for event in reader.enriched:
        copies[Path(event["source"]["path"]).name].append(event)
    repeats = 0
    for name, events in copies.items():
        for extra in events[1:]:
            repeats += 1
            assert extra["duplicate"], f"{name} published twice, second copy not flagged"
            assert extra["version"] == events[0]["version"], name
    times = sorted(reader.arrivals)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    stall = max(gaps, default=0.0)
    assert stall < RESUME_BOUND, f"enriched stream stalled {stall:.1f} s (bound {RESUME_BOUND})"
    after = [t for t in times if t > fault_at]
    first_after = (after[0] - fault_at) if after else float("inf")
    return {"repeats": repeats, "stall_s": round(stall, 1), "first_after_s": round(first_after, 1)}


def leader_of(bootstrap: str, topic: str, partition: int) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        (described,) = admin.describe_topics([topic])
        (meta,) = [p for p in described["partitions"] if p["partition_index"] == partition]
        return int(meta["leader_id"])
    finally:
        admin.close()


@pytest.fixture(scope="module")
def cluster():
    """Three Kafka KRaft nodes (RF 3, min.insync.replicas 2), for this module only
    (data in a private temporary directory, as the session node's: see conftest)."""
    root = tempfile.mkdtemp(prefix="wires-cluster-")
    nodes = KafkaCluster(root, 3)
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.kill()  # the data is thrown away: no need for three controlled shutdowns
        shutil.rmtree(root, ignore_errors=True)


def raw_count(bootstrap: str) -> int:
    """Records on wires.raw now (the sum of its end offsets)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        tps = [TopicPartition(TOPIC_RAW, p) for p in consumer.partitions_for_topic(TOPIC_RAW) or ()]
        return sum(consumer.end_offsets(tps).values()) if tps else 0
    finally:
        consumer.close()


def wait_raw(bootstrap: str, n: int, feeder: subprocess.Popen[str], timeout: float) -> None:
    """Until ``n`` stories are on wires.raw while ``feeder`` is still sending."""
    deadline = time.monotonic() + timeout
    while raw_count(bootstrap) < n:
        assert feeder.poll() is None, "feed finished before the fault"
        assert time.monotonic() < deadline, f"fewer than {n} stories on wires.raw"
        time.sleep(0.05)
    assert feeder.poll() is None, "feed finished before the fault"


def warm_up(bootstrap: str, reader: Reader, timeout: float = 90) -> None:
    """One story through the worker: it has joined its group and runs."""
    harness.feed_files(bootstrap, harness.SAMPLES[:1])
    reader.wait_count(1, timeout)


@pytest.mark.timeout(480)
def test_leader_of_wires_raw_killed_while_feeding_5000_stories(cluster, tmp_path):
    n = 5000
    env = cluster.client_env()
    bootstrap = cluster.bootstrap
    ensure_topics(Settings(broker=bootstrap, partitions=PARTITIONS, replication=3))
    names = write_stories(tmp_path / "in", n)
    worker = harness.Worker(bootstrap, tmp_path)
    worker.env.update(env)
    worker.start()
    reader = Reader(bootstrap)
    feeder = None
    try:
        warm_up(bootstrap, reader)
        feeder = run_feed(tmp_path / "in", {**env, "WIRES_PARTITIONS": str(PARTITIONS)})
        wait_raw(bootstrap, n // 5, feeder, timeout=120)
        victim = leader_of(bootstrap, TOPIC_RAW, 0)
        fault_at = time.monotonic()
        cluster.node_by_id(victim).kill()
        sent, failed, summary = feed_report(feeder, timeout=300)
        assert sent + len(failed) == n, summary
        sent_names = set(names) - failed
        reader.wait_for(sent_names, timeout=180)
        assert worker.proc is not None and worker.proc.poll() is None, worker.log()
        figures = check_delivery(reader, sent_names, fault_at)
        assert leader_of(cluster.bootstrap, TOPIC_RAW, 0) != victim
        print(f"\nleader {victim} killed: feed {summary}; {figures}")
    finally:
        if feeder is not None and feeder.poll() is None:
            feeder.kill()
        reader.close()
        worker.stop()


@pytest.mark.timeout(300)
def test_single_node_killed_and_restarted_mid_stream(kafka_node: KafkaBroker, tmp_path):
    n = 2000
    with fresh(kafka_node) as broker:
        env = broker.client_env()
        ensure_topics(Settings(broker=broker.bootstrap, partitions=PARTITIONS))
        names = write_stories(tmp_path / "in", n)
        worker = harness.Worker(broker.bootstrap, tmp_path)
        worker.env.update(env)
        worker.start()
        reader = Reader(broker.bootstrap)
        feeder = None
        try:
            warm_up(broker.bootstrap, reader)
            feeder = run_feed(tmp_path / "in", env)
            wait_raw(broker.bootstrap, n // 5, feeder, timeout=120)
            fault_at = time.monotonic()
            broker.kill()
            time.sleep(1.0)
            broker.restart()  # same data directory, same ports
            sent, failed, summary = feed_report(feeder, timeout=240)
            assert sent + len(failed) == n, summary
            sent_names = set(names) - failed
            reader.wait_for(sent_names, timeout=120)
            assert worker.proc is not None and worker.proc.poll() is None, worker.log()
            figures = check_delivery(reader, sent_names, fault_at)
            print(f"\nsingle node killed and restarted: feed {summary}; {figures}")
        finally:
            if feeder is not None and feeder.poll() is None:
                feeder.kill()
            reader.close()
            worker.stop()
