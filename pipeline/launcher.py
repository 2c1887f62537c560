"""``run``: the whole pipeline on one machine, stopped cleanly by Ctrl-C.

Starts the embedded broker (Apache Kafka with its data in ``WIRES_DATA_DIR/kafka``, so a
second ``run`` finds the stories, offsets and versions of the first; or, with
``--broker tansu``, the memory-only Tansu, which is not durable), creates the topics,
starts a worker and the web dashboard (child processes, as in production), feeds the
sample wires, watches a drop folder and tails the enriched topic in the foreground. On Ctrl-C it
stops the feeder, the dashboard, the worker (so it commits), then the broker.

Whatever ends it, nothing is left behind: SIGTERM and SIGHUP (a closed terminal) stop
everything as Ctrl-C does, and the children are killed by the kernel if this process
dies without stopping them (SIGKILL). One run per data directory (a lock); its
``run.json`` tells the other commands where it listens (:mod:`pipeline.runstate`).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
from contextlib import ExitStack, suppress
from importlib import resources
from pathlib import Path
from typing import TextIO

from pipeline import feed, runstate, tail, topics
from pipeline.broker import (
    NOT_DURABLE,
    KafkaBroker,
    free_port,
    make_broker,
    port_holder,
    port_is_free,
)
from pipeline.broker.common import parent_death_signal
from pipeline.config import Settings

_STOP_TIMEOUT = 20.0


def samples_dir() -> Path:
    """The sample wires shipped in the package."""
    return Path(str(resources.files("pipeline").joinpath("samples")))


class Child:
    """A pipeline command in its own process group, so Ctrl-C reaches only us and we
    stop the children in order; its output goes to ``log_path``, keeping the terminal
    for the stories."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline", *args],
                env=env,
                start_new_session=True,
                # Killed with us if we die without stopping it (SIGKILL): an orphaned
                # worker or dashboard kept its ports and logged for ever.
                preexec_fn=parent_death_signal(signal.SIGKILL),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


DEFAULT_PORT = 9092


def broker_dir(settings: Settings) -> Path:
    """Where ``run`` keeps Kafka's data: topics, stories, offsets, changelogs."""
    return Path(settings.data_dir) / "kafka"


class PortBusy(RuntimeError):
    """A port ``run`` was told to use is taken."""


def run(
    settings: Settings,
    *,
    feed_samples: bool = True,
    broker: str = "kafka",
    out: TextIO = sys.stdout,
) -> int:
    try:
        held = runstate.lock(settings.data_dir)
    except runstate.AlreadyRunning as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        return _run(settings, feed_samples=feed_samples, broker=broker, out=out)
    except PortBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        runstate.remove(settings.data_dir)
        held.close()


def _run(settings: Settings, *, feed_samples: bool, broker: str, out: TextIO) -> int:
    inbox = Path(settings.data_dir) / "inbox"
    logs = Path(settings.data_dir) / "logs"
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (kill, timeout, a service manager) stops everything as Ctrl-C does;
        # by default it would end this process alone and orphan the worker and the
        # dashboard (the broker dies with its parent).
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)  # the terminal was closed
    metrics_port = _port(settings.metrics_port, settings.bind, "metrics", "WIRES_METRICS_PORT")
    dashboard_port = _port(
        settings.dashboard_port, settings.bind, "dashboard", "WIRES_DASHBOARD_PORT"
    )
    with ExitStack() as stack:
        port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else None
        if port is None:
            print(
                f"port {DEFAULT_PORT} is taken by {port_holder(DEFAULT_PORT) or 'another process'}:"
                " the broker takes a free port instead (the other commands find it)",
                file=out,
                flush=True,
            )
        if broker == "kafka":
            where = broker_dir(settings)
            again = " (again: earlier stories kept)" if (where / "kafka-logs").is_dir() else ""
            print(f"starting Apache Kafka, data in {where}/{again} ...", file=out, flush=True)
        else:
            print(f"starting Tansu: {NOT_DURABLE} ...", file=out, flush=True)
        embedded = stack.enter_context(make_broker(broker, broker_dir(settings), port))
        settings = dataclasses.replace(
            settings,
            broker=embedded.bootstrap,
            broker_kind=embedded.kind,
            metrics_port=metrics_port,
            dashboard_port=dashboard_port,
        )
        topics.ensure_topics(settings)
        env = {
            **os.environ,
            **embedded.client_env(),
            "WIRES_METRICS_PORT": str(settings.metrics_port),
            "WIRES_DASHBOARD_PORT": str(settings.dashboard_port),
        }
        worker = Child("worker", ["worker"], env, logs / "worker.log")
        stack.callback(worker.stop)
        dashboard = Child("dashboard", ["dashboard"], env, logs / "dashboard.log")
        stack.callback(dashboard.stop)

        producer = feed.make_producer(settings)
        stack.callback(producer.close, 10)
        if feed_samples:
            report = feed.feed([str(samples_dir())], producer, feed_name="samples", progress=None)
            print(f"fed the sample wires: {report.summary()}", file=out, flush=True)
        drop = feed.DropFolder(inbox, producer, feed_name="inbox", settings=settings)
        watcher = threading.Thread(target=drop.run, name="drop-folder", daemon=True)
        watcher.start()
        stack.callback(watcher.join, 10)
        stack.callback(drop.stop)

        host = settings.bind
        runstate.write(
            settings.data_dir,
            runstate.RunState(
                pid=os.getpid(),
                broker=settings.broker,
                dashboard=f"http://{host}:{settings.dashboard_port}/",
                metrics=f"http://{host}:{settings.metrics_port}/metrics",
            ),
        )
        pids = [worker.proc.pid, dashboard.proc.pid, embedded.pid]
        if isinstance(embedded, KafkaBroker):
            kept = f"Apache Kafka, data in {embedded.data_dir}/ (make clean wipes it)"
        else:
            kept = f"Tansu: {NOT_DURABLE}"
        print(_where_to_look(settings, inbox, logs, pids, kept), file=out, flush=True)
        with suppress(KeyboardInterrupt):
            tail.tail(settings, out=out, from_beginning=True)
        print("\nstopping: drop folder, dashboard, worker, broker ...", file=out, flush=True)
    print("stopped.", file=out, flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _port(port: int, host: str, what: str, variable: str) -> int:
    """``port`` if it can be bound on ``host`` (0: any free port). A taken one is an
    error naming its holder: quietly taking another left users on a dead dashboard
    that an orphaned run still served."""
    if not port:
        return free_port(host)
    if port_is_free(port, host):
        return port
    holder = port_holder(port)
    raise PortBusy(
        f"port {port} for the {what} is taken{f' by {holder}' if holder else ''}: stop that,"
        f" or set {variable} to another port (0: any free port)"
    )


def _where_to_look(
    settings: Settings, inbox: Path, logs: Path, pids: list[int | None], kept: str
) -> str:
    python = Path(sys.executable)
    host = settings.bind
    return "\n".join(
        [
            "",
            "The pipeline is running. Where to look:",
            f"  dashboard   http://{host}:{settings.dashboard_port}/",
            f"  metrics     http://{host}:{settings.metrics_port}/metrics",
            f"  drop folder {inbox}/   (copy story files in; they move to done/ once sent,"
            " to failed/ with a .error note if rejected)",
            f"  broker      {settings.broker}   (export WIRES_BROKER={settings.broker})",
            f"              {kept}",
            f"  feed        {python} -m pipeline feed --broker {settings.broker} FILE...",
            f"  tail        {python} -m pipeline tail --broker {settings.broker} --from-beginning",
            f"  rejected    {python} -m pipeline tail --broker {settings.broker} --deadletter"
            " --from-beginning   (and 'rejected' on the dashboard)",
            f"  logs        {logs}/worker.log, {logs}/dashboard.log",
            f"  processes   worker, dashboard, broker: {' '.join(str(p) for p in pids if p)}",
            "  Ctrl-C stops everything.",
            "",
            "Enriched stories as they arrive (received time UTC, version, agency, section,"
            " place, badges: [KILLED] [CORRECTION] [UPDATE n] [REPEAT], headline):",
        ]
    )
