"""The edges as users run them: ``feed`` (files, folders, stdin, drop folder),
``tail`` and ``run``, each as a real command against a real broker."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import orjson
import pytest

from pipeline.broker import port_is_free
from pipeline.config import TOPIC_ENRICHED, TOPIC_RAW
from pipeline.topics import ensure_topics
from tests.brokerkit import fresh
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]


def wires(
    *args: str, bootstrap: str, stdin: bytes = b"", env: dict | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        cwd=harness.ROOT,
        env={**os.environ, "WIRES_BROKER": bootstrap, **(env or {})},
    )


def raw_messages(bootstrap: str, n: int, timeout: float = 30) -> list:
    consumer = harness.tail.assigned_consumer(
        harness.settings(bootstrap), TOPIC_RAW, from_beginning=True
    )
    records: list = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < n and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


@pytest.fixture
def broker(kafka_node):
    """The session's node, emptied: these tests use the pipeline's own topics, made
    by the topic job (a feed only waits for them)."""
    with fresh(kafka_node) as running:
        ensure_topics(harness.settings(running.bootstrap))
        yield running


def test_feed_files_folders_and_stdin(broker, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in harness.SAMPLES[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / ".hidden").write_text("ignored")
    result = wires(
        "feed",
        "--feed",
        "desk",
        str(folder),
        str(harness.CORPUS[0]),
        "-",
        str(tmp_path / "missing.txt"),
        bootstrap=broker.bootstrap,
        stdin=harness.SAMPLES[5].read_bytes(),
    )
    assert result.returncode == 1  # one input could not be read
    summary = result.stderr.decode()
    assert "sent 5, failed 1" in summary and "missing.txt: cannot read" in summary
    records = raw_messages(broker.bootstrap, 5)
    assert len(records) == 5
    headers = [dict(r.headers) for r in records]
    assert all(h["wires-feed"] == b"desk" and h["content-type"] == b"text/plain" for h in headers)
    assert sorted(r.value for r in records) == sorted(
        [p.read_bytes() for p in harness.SAMPLES[:3]]
        + [harness.CORPUS[0].read_bytes(), harness.SAMPLES[5].read_bytes()]
    )


def test_drop_folder_files_sent_stories_and_survives_a_kill(broker, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = [f"story-{i:03d}.txt" for i in range(200)]
    for i, name in enumerate(names):
        (inbox / name).write_bytes(
            harness.SAMPLES[i % len(harness.SAMPLES)].read_bytes() + f"\nStory {i}.\n".encode()
        )
    big = inbox / "huge.txt"
    big.write_bytes(b"x" * 200_000)  # above WIRES_MAX_STORY_BYTES + framing headroom
    old = time.time() - 10  # settled: not being written any more
    for path in inbox.iterdir():
        os.utime(path, (old, old))
    env = {**os.environ, "WIRES_BROKER": broker.bootstrap, "WIRES_MAX_STORY_BYTES": "10000"}
    command = [sys.executable, "-m", "pipeline", "feed", "--watch", str(inbox)]
    feeder = subprocess.Popen(
        command, env=env, cwd=harness.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((inbox / "done").glob("*.txt"))) < 50:
        time.sleep(0.05)
    feeder.kill()  # mid-way, with no chance to clean up
    feeder.wait()
    feeder = subprocess.Popen(
        command, env=env, cwd=harness.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and any(inbox.glob("*.txt")):
            time.sleep(0.2)
    finally:
        feeder.send_signal(signal.SIGINT)
        feeder.wait(30)
    done = {p.name for p in (inbox / "done").iterdir()}
    assert done == set(names)
    assert (inbox / "failed" / "huge.txt").exists()
    assert "not sent" in (inbox / "failed" / "huge.txt.error").read_text()
    records = raw_messages(broker.bootstrap, len(names))
    sent = {dict(r.headers)["wires-id"].decode() for r in records}
    assert sent == set(names)  # nothing lost; a kill may send a file twice


def enriched(agency: str, section: str, headline: str, place: str) -> bytes:
    return orjson.dumps(
        {
            "schema": "wires.enriched/1",
            "id": headline[:8],
            "version": 1,
            "processed_at": "2026-11-27T10:11:12.000Z",
            "agency": agency,
            "language": "en",
            "section": {"label": section},
            "dateline": {"place": place},
            "headline": headline,
        }
    )


def test_tail_prints_filters_and_stops(broker):
    producer = harness.producer(broker.bootstrap)
    for value in (
        enriched("EFE", "politics", "Kazakhstan endorses Guterres", "Nur-Sultan"),
        enriched("AFP", "sport", "Wroblewski runs world lead", "Gdansk"),
        enriched("EFE", "sport", "La Canada gana el Abierto", "Buenos Aires"),
    ):
        producer.send(TOPIC_ENRICHED, value, key=b"one-partition-keeps-order")
    producer.flush()
    producer.close()
    result = wires(
        "tail", "--from-beginning", "--count", "2", "--agency", "efe", bootstrap=broker.bootstrap
    )
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 0 and len(lines) == 2
    assert lines[0].split()[:4] == ["10:11:12", "v1", "EFE", "politics"]
    assert "Nur-Sultan" in lines[0] and lines[0].endswith("Kazakhstan endorses Guterres")
    result = wires(
        "tail",
        "--from-beginning",
        "--section",
        "sport",
        "--json",
        "--idle-timeout",
        "3",
        bootstrap=broker.bootstrap,
    )
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [e["agency"] for e in events] == ["AFP", "EFE"]


def start_run(
    env: dict[str, str],
    stories: int,
    logs: Path,
    *,
    session: bool = False,
    args: tuple[str, ...] = (),
) -> tuple[subprocess.Popen[bytes], list[str]]:
    """``python -m pipeline run`` until ``stories`` tail lines are out; (process, lines).
    With ``session`` it leads a session of its own, as in a terminal.

    Its output is read in a thread, so the deadline holds even when it goes quiet."""
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", *args],
        env=env,
        cwd=harness.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=session,
    )
    assert run.stdout is not None
    out: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [out.put(raw.decode()) for raw in iter(run.stdout.readline, b"")],
        daemon=True,
    ).start()
    lines: list[str] = []
    deadline = time.monotonic() + 120
    shown = 0
    while time.monotonic() < deadline and shown < stories:
        try:
            line = out.get(timeout=1)
        except queue.Empty:
            continue
        lines.append(line)
        if is_story(line):
            shown += 1
    if shown < stories:
        run.send_signal(signal.SIGINT)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            run.kill()
        worker_log = (logs / "worker.log").read_text(errors="replace")[-3000:]
        pytest.fail(f"{shown} of {stories} stories:\n{''.join(lines[-30:])}\n{worker_log}")
    run.stdout_lines = out  # type: ignore[attr-defined]  # the rest, for stop_run
    return run, lines


def is_story(line: str) -> bool:
    return line[:2].isdigit() and line[2] == ":"  # a tail line: "21:04:05  v1  EFE ..."


def stop_run(run: subprocess.Popen[bytes], lines: list[str], sig: int = signal.SIGINT) -> str:
    run.send_signal(sig)
    run.wait(60)
    out: queue.Queue[str] = run.stdout_lines  # type: ignore[attr-defined]
    time.sleep(0.5)  # the reader thread drains the pipe
    rest = "".join(iter(lambda: out.get() if not out.empty() else "", ""))
    assert run.returncode == 0, rest[-2000:]
    assert "stopped." in rest
    (process_line,) = [line for line in lines if line.strip().startswith("processes")]
    pids = [int(word) for word in process_line.split(":")[1].split()]
    assert len(pids) == 3
    for pid in pids:  # the worker, the dashboard and the broker are gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    return rest


@pytest.mark.timeout(360)
def test_run_starts_everything_stops_on_ctrl_c_and_a_second_run_keeps_the_stories(tmp_path):
    env = {
        **os.environ,
        "WIRES_DATA_DIR": str(tmp_path / "wires"),
        "WIRES_METRICS_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("WIRES_BROKER", None)
    n = len(harness.SAMPLES)
    logs = tmp_path / "wires" / "logs"
    run, lines = start_run(env, n, logs)
    output = "".join(lines)
    assert "drop folder" in output and "tail" in output and "Ctrl-C" in output
    assert "Apache Kafka, data in" in output
    urls = {
        line.split()[0]: line.split()[1]
        for line in lines
        if line.startswith(("  dashboard   http", "  metrics     http"))
    }
    with urllib.request.urlopen(urls["dashboard"] + "healthz", timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(urls["metrics"], timeout=10) as response:
        assert b"wires_stories_enriched_total" in response.read()
    stop_run(run, lines)
    assert (tmp_path / "wires" / "inbox" / "done").is_dir()
    assert (tmp_path / "wires" / "kafka" / "kafka-logs" / "meta.properties").is_file()
    first = [line for line in lines if is_story(line)]

    # Again on the same data directory: the earlier stories first, exactly as shown
    # before (versions included), then the samples fed again, each a repeat ([REPEAT])
    # of the version the versions table (recovered from its changelog) remembers.
    run, lines = start_run(env, 2 * n, logs)
    stop_run(run, lines, signal.SIGTERM)  # as Ctrl-C: nothing left running
    again = [line for line in lines if is_story(line)]
    assert "again: earlier stories kept" in "".join(lines)
    # Partitions are read in any order, and one may hold a story fed again before
    # another's earlier stories are shown: the earlier ones are the unflagged lines.
    earlier = [line for line in again if "[REPEAT] " not in line]
    refed = [line for line in again if "[REPEAT] " in line]
    assert sorted(earlier) == sorted(first), "".join(again)
    assert len(refed) == n, "".join(again)

    def shown(line: str) -> tuple[str, str]:
        return line[10:16].strip(), line[16:].replace("[REPEAT] ", "")

    assert sorted(map(shown, refed)) == sorted(map(shown, first))

    # A third start feeding nothing: the dashboard rebuilt its history from
    # wires.enriched, every story of the earlier runs is on it.
    run, lines = start_run(env, 2 * n, logs, args=("--no-samples",))
    try:
        (url,) = [line.split()[1] for line in lines if line.startswith("  dashboard   http")]
        deadline = time.monotonic() + 30
        health: dict = {}
        while time.monotonic() < deadline and health.get("stories") != n:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=10) as response:
                    health = orjson.loads(response.read())
            except OSError:  # the dashboard may start after the tail's first lines
                pass
            time.sleep(0.5)
        assert health.get("stories") == n, health
    finally:
        stop_run(run, lines)


def run_env(data: Path) -> dict[str, str]:
    """The environment of a ``run`` on ``data`` with any free dashboard and metrics
    ports, and no ``WIRES_BROKER`` (the run starts its own)."""
    env = {
        **os.environ,
        "WIRES_DATA_DIR": str(data),
        "WIRES_METRICS_PORT": "0",
        "WIRES_DASHBOARD_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("WIRES_BROKER", None)
    return env


def run_pids_and_ports(lines: list[str]) -> tuple[list[int], list[int]]:
    """The pids ``run`` printed (worker, dashboard, broker) and the ports it listens on."""
    (process_line,) = [line for line in lines if line.strip().startswith("processes")]
    pids = [int(word) for word in process_line.split(":")[1].split()]
    ports = [
        int(line.split()[1].rsplit(":", 1)[1].split("/")[0])
        for line in lines
        if line.startswith(("  dashboard   http", "  metrics     http", "  broker      "))
    ]
    return pids, ports


def wait_all_gone(pids: list[int], ports: list[int], timeout: float) -> list[str]:
    """What is still there after ``timeout`` s: live pids, ports still bound."""
    deadline = time.monotonic() + timeout
    while True:
        left = [f"pid {pid}" for pid in pids if alive(pid)]
        left += [f"port {port}" for port in ports if not port_is_free(port)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(300)
def test_a_closed_terminal_stops_every_process_and_one_run_holds_its_directory(tmp_path):
    """Issue 16 (3, 4): after the terminal of a ``run`` was closed, worker and dashboard
    kept their ports and the next run quietly took others. SIGHUP to the run's session
    (what a closing terminal sends) now stops everything within 10 s; while it runs, a
    second ``run`` on its directory is refused, naming it, and ``tail`` finds its broker
    without being told (``run.json``)."""
    data = tmp_path / "wires"
    env = run_env(data)
    run, lines = start_run(env, 2, data / "logs", session=True)
    pids, ports = run_pids_and_ports(lines)
    assert len(pids) == 3 and len(ports) == 3
    try:
        state = orjson.loads((data / "run.json").read_bytes())
        assert state["pid"] == run.pid and f":{ports[2]}" in state["broker"]

        shown = subprocess.run(
            [sys.executable, "-m", "pipeline", "tail", "--from-beginning", "--count", "1"],
            env=env,
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 0 and is_story(shown.stdout), shown.stderr[-2000:]

        second = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--no-samples"],
            env=env,
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"another `run` is using {data}/ (pid {run.pid}" in second.stderr
    finally:
        os.killpg(run.pid, signal.SIGHUP)
        started = time.monotonic()
        run.wait(10)
        left = wait_all_gone(pids, ports, timeout=10 - (time.monotonic() - started))
    assert left == [], f"still there 10 s after SIGHUP: {left}"
    assert not (data / "run.json").exists()


@pytest.mark.timeout(300)
def test_a_killed_run_leaves_no_process_behind_and_a_taken_port_is_named(tmp_path):
    """Issue 16 (3): a ``run`` killed with SIGKILL cannot stop its children; the kernel
    does (a parent-death signal), so nothing keeps the ports. A port that is taken is an
    error naming its holder, not a quiet move to another port."""
    data = tmp_path / "wires"
    env = run_env(data)
    run, lines = start_run(env, 1, data / "logs", session=True)
    pids, ports = run_pids_and_ports(lines)
    run.kill()
    run.wait(10)
    left = wait_all_gone(pids, ports, timeout=10)
    assert left == [], f"still there 10 s after the run was killed: {left}"

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--no-samples"],
            env={**env, "WIRES_DASHBOARD_PORT": str(port)},
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert refused.returncode == 1
    assert f"port {port} for the dashboard is taken by pid {os.getpid()}" in refused.stderr
    assert "WIRES_DASHBOARD_PORT" in refused.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_feed_stopped_by_a_signal_says_what_it_sent_and_what_it_did_not(
    fresh_broker, tmp_path, sig
):
    """Issue 15 (8): ``feed`` killed with SIGINT or SIGTERM printed no summary. Here it
    waits on stdin (the third of five inputs) when the signal comes."""
    paths = [str(p) for p in harness.SAMPLES[:4]]
    ensure_topics(harness.settings(fresh_broker.bootstrap))
    feed_run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "feed", paths[0], paths[1], "-", *paths[2:]],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=harness.ROOT,
        env={**os.environ, "WIRES_BROKER": fresh_broker.bootstrap},
    )
    try:
        assert len(raw_messages(fresh_broker.bootstrap, 2)) == 2  # sent before stdin
        feed_run.send_signal(sig)
        _, err = feed_run.communicate(timeout=30)
    finally:
        feed_run.kill()
    summary = err.decode()
    assert feed_run.returncode == 1, summary  # not everything was sent
    assert "sent 2, failed 0, interrupted: 3 not sent" in summary
    assert len(raw_messages(fresh_broker.bootstrap, 3, timeout=3)) == 2


def test_a_drop_folder_says_little_while_its_broker_is_away(kafka_node, tmp_path):
    """Issue 15 (8): the drop folder logged every reconnect of its client at INFO."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with fresh(kafka_node) as broker:
        ensure_topics(harness.settings(broker.bootstrap))
        command = [sys.executable, "-m", "pipeline", "feed", "--watch", str(inbox)]
        feeder = subprocess.Popen(
            command,
            env={**os.environ, "WIRES_BROKER": broker.bootstrap},
            cwd=harness.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            time.sleep(2)
            kafka_node.stop()
            story = inbox / "during.txt"
            story.write_bytes(harness.SAMPLES[0].read_bytes())
            os.utime(story, (time.time() - 10, time.time() - 10))
            time.sleep(8)
            kafka_node.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (inbox / "done" / "during.txt").exists():
                time.sleep(0.2)
            assert (inbox / "done" / "during.txt").exists()  # sent once the broker is back
        finally:
            feeder.send_signal(signal.SIGINT)
            _, err = feeder.communicate(timeout=30)
    lines = err.decode(errors="replace").splitlines()
    assert len(lines) < 40, "\n".join(lines[-40:])


def test_feed_waits_for_the_pipeline_and_names_its_rejects_tail_shows_them(broker, tmp_path):
    """Issue 16: "sent 2, failed 0" for a binary and an empty file hid two dead letters."""
    worker = harness.Worker(broker.bootstrap, tmp_path).start()
    try:
        good = tmp_path / "good.txt"
        good.write_bytes(harness.SAMPLES[0].read_bytes())
        binary = tmp_path / "binary.bin"
        binary.write_bytes(b"\x00\x01PK\x03\x04" * 100)
        empty = tmp_path / "empty.txt"
        empty.write_bytes(b" \n\n")
        result = wires(
            *("feed", "--feed", "desk", str(good), str(binary), str(empty), "--wait", "120"),
            bootstrap=broker.bootstrap,
            timeout=180,
        )
        err = result.stderr.decode()
        assert result.returncode == 1, err + worker.log()
        assert "sent 3, failed 0" in err
        assert "published 1, rejected 2" in err, err
        assert f"  {binary}: undecodable: binary data" in err
        assert f"  {empty}: empty: empty message" in err

        result = wires(
            *("tail", "--deadletter", "--from-beginning", "--count", "2"),
            bootstrap=broker.bootstrap,
        )
        lines = sorted(result.stdout.decode().splitlines(), key=lambda line: line.split()[1])
        assert result.returncode == 0 and len(lines) == 2, result.stdout
        assert lines[0].split()[1:4] == ["empty", "desk", "empty.txt"]
        assert lines[1].split()[1:5] == ["undecodable", "desk", "binary.bin", "(600"]
        assert lines[1].endswith("— (binary, 600 bytes)")
        assert all(ord(c) >= 32 for c in "".join(lines))
    finally:
        worker.stop()


def test_a_slow_writer_s_file_is_sent_once_whole(broker, tmp_path):
    """Issue 16: a file written with a pause over a second became two stories. Two slow
    writers: one keeps the file open through its pause, one closes it and appends."""
    from pipeline import feed

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    story = harness.SAMPLES[0].read_bytes()
    half = len(story) // 2
    producer = harness.producer(broker.bootstrap)
    folder = feed.DropFolder(inbox, producer, feed_name="slow")
    runner = threading.Thread(target=folder.run, daemon=True)
    runner.start()
    try:
        with (inbox / "kept-open.txt").open("wb") as kept:
            kept.write(story[:half])
            kept.flush()
            time.sleep(2.5)  # longer than the settle time: only the open file tells
            kept.write(story[half:])
        (inbox / "reopened.txt").write_bytes(story[:half])
        time.sleep(1.5)  # a shell's `cat part >> file` after a pause under the settle time
        with (inbox / "reopened.txt").open("ab") as reopened:
            reopened.write(story[half:])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(inbox.glob("*.txt")):
            time.sleep(0.1)
    finally:
        folder.stop()
        runner.join(30)
        producer.close(10)
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["kept-open.txt", "reopened.txt"]
    records = raw_messages(broker.bootstrap, 3, timeout=5)  # a third would be a split
    assert sorted(dict(r.headers)["wires-id"].decode() for r in records) == [
        "kept-open.txt",
        "reopened.txt",
    ]
    assert all(r.value == story for r in records)


def test_a_drop_folder_files_a_rejected_story_under_failed_with_the_reason(broker, tmp_path):
    """Issue 16: a .docx dropped in the inbox went to done/ although the worker
    dead-lettered it."""
    from pipeline import feed

    worker = harness.Worker(broker.bootstrap, tmp_path).start()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    producer = harness.producer(broker.bootstrap)
    folder = feed.DropFolder(
        inbox, producer, feed_name="inbox", settings=harness.settings(broker.bootstrap)
    )
    runner = threading.Thread(target=folder.run, daemon=True)
    runner.start()
    try:
        (inbox / "report.docx").write_bytes(b"PK\x03\x04\x14\x00\x06\x00" * 200)
        (inbox / "good.txt").write_bytes(harness.SAMPLES[0].read_bytes())
        deadline = time.monotonic() + 120
        error = inbox / "failed" / "report.docx.error"
        while time.monotonic() < deadline and not error.exists():
            time.sleep(0.2)
    finally:
        folder.stop()
        runner.join(30)
        producer.close(10)
        worker.stop()
    assert error.read_text().startswith("rejected by the pipeline: undecodable: binary data")
    assert (inbox / "failed" / "report.docx").exists()
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["good.txt"]
    assert folder.report.rejected == [(str(inbox / "report.docx"), error.read_text()[26:-1])]
    assert "rejected by the pipeline 1" in folder.report.summary()
