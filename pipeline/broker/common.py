"""What every embedded broker shares: loopback ports, readiness, one child process.

No Faust here: readiness is checked with kafka-python, which the edges use anyway.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Self, TextIO

log = logging.getLogger("pipeline.broker")

HOST = "127.0.0.1"


# Group timings for clients of an embedded broker (``client_env()`` of each). Tansu
# holds a JoinGroup for half the session timeout; Kafka waits a session timeout for a
# member that died without leaving. Both embedded brokers accept 3 s (the Kafka node
# lowers group.min.session.timeout.ms to 1 s); production Kafka needs 6 s or more.
EMBEDDED_GROUP_TIMINGS = {
    "WIRES_SESSION_TIMEOUT": "3.0",
    "WIRES_HEARTBEAT_INTERVAL": "0.5",
    "WIRES_REBALANCE_TIMEOUT": "3.0",
}


class StartStop:
    """``with broker:`` starts it and stops it again (subclasses define both)."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class BrokerError(RuntimeError):
    """An embedded broker could not be found, started, reached or stopped."""


def parent_death_signal(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to send ``sig`` to the child when its parent dies.

    The broker runs in its own session (see :meth:`BrokerProcess.spawn`), so nothing
    else would stop it after a parent killed with SIGKILL (or ``os._exit``), and an
    orphaned broker keeps its memory and ports. Linux ties this signal to the *thread*
    that forked, so it is only used from the main thread, whose end is the process's.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        return None
    pr_set_pdeathsig = 1

    def _set() -> None:
        prctl(pr_set_pdeathsig, sig)

    return _set


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the kernel picks it; a race remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, 0))
        except OSError as exc:
            raise BrokerError(f"cannot bind a port on {host}: {exc}") from exc
        return int(s.getsockname()[1])


def port_holder(port: int) -> str | None:
    """Who listens on TCP ``port`` on this machine: "pid N (command line)", or None when
    it cannot be told (nobody listens, another user's process, not Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()  # sl, local address (hex ip:port), remote, state, ...
            listening = len(fields) > 9 and fields[3] == "0A"
            if listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
                command = " ".join(command.decode(errors="replace").split())
                return f"pid {proc.name} ({command[:120]})"
        except OSError:
            continue
    return None


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when a listener could bind ``host:port`` now.

    SO_REUSEADDR mirrors what the brokers set, so lingering TIME_WAIT connections
    from clients do not count as "in use"; a live listener does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def wait_port_free(port: int, host: str = HOST, timeout: float = 10.0) -> None:
    """Block until ``host:port`` can be bound again, or raise :class:`BrokerError`."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port, host):
        if time.monotonic() > deadline:
            raise BrokerError(f"port {host}:{port} still in use {timeout:.0f} s after stop")
        time.sleep(0.05)


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def cluster_brokers(bootstrap: str, timeout: float = 2.0) -> int | None:
    """How many brokers the cluster behind ``bootstrap`` reports, or None when it
    cannot be reached (a kafka-python admin client fetching metadata)."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaConfigurationError, KafkaError

    ms = max(int(timeout * 1000), 100)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=ms,
            bootstrap_timeout_ms=ms,
            reconnect_backoff_max_ms=200,
        )
    except KafkaConfigurationError:
        raise
    except (KafkaError, OSError):
        return None
    try:
        return len(admin.describe_cluster().get("brokers", []))
    except (KafkaError, OSError):
        return None
    finally:
        admin.close()


def metadata_ready(bootstrap: str, timeout: float = 2.0) -> bool:
    """True when a kafka-python client can connect to ``bootstrap`` and fetch metadata."""
    return bool(cluster_brokers(bootstrap, timeout))


def tail_of(path: Path | None, lines: int = 20) -> str:
    """Last ``lines`` lines of a log file (for error messages)."""
    if path is None or not path.exists():
        return "(no log)"
    with open(path, errors="replace") as f:
        return "".join(deque(f, maxlen=lines)).rstrip() or "(log is empty)"


class BrokerProcess:
    """One broker child process: own session, parent-death signal, output to a file,
    SIGTERM then SIGKILL on stop."""

    def __init__(self, name: str, stop_timeout: float = 10.0) -> None:
        self.name = name
        self.stop_timeout = stop_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._out: TextIO | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def spawn(
        self, cmd: Sequence[str], out_path: Path, env: Mapping[str, str] | None = None
    ) -> None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(out_path, "a")  # noqa: SIM115 - closed in terminate()
        log.debug("starting %s", " ".join(cmd))
        try:
            # Own session: a Ctrl-C meant for the parent must not kill the broker
            # before the parent has stopped its clients.
            self.proc = subprocess.Popen(
                list(cmd),
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
                preexec_fn=parent_death_signal(),
            )
        except OSError as exc:
            self._close()
            raise BrokerError(f"cannot run {cmd[0]!r}: {exc}") from exc
        atexit.register(self.terminate)

    def terminate(self, *, kill: bool = False) -> None:
        """Stop the process (SIGKILL at once when ``kill``) and wait for it."""
        atexit.unregister(self.terminate)
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            if kill:
                proc.kill()
            else:
                proc.terminate()
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %s) ignored SIGTERM; killing it", self.name, proc.pid)
                proc.kill()
                proc.wait()
        self._close()

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
