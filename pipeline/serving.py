"""The life cycle the web services share (dashboard, ingest): listen, say where, wait
for Ctrl-C or SIGTERM (or a test's stop event), shut down cleanly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
import threading
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


async def serve_until_stopped(
    app: web.Application,
    *,
    bind: str,
    port: int,
    stop: asyncio.Event,
    name: str,
    on_listening: Callable[[str], None] | None = None,
    on_ready: Callable[[str], None] | None = None,
    shutdown_timeout: float = 2.0,
) -> int:
    """Serve ``app`` on ``bind:port`` until ``stop`` is set (or SIGINT/SIGTERM when run in
    the main thread); 1 if it cannot listen, else 0. ``on_listening`` then ``on_ready``
    get the URL, with the real port when ``port`` is 0."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    # Signals are caught before the URL is announced: a supervisor (or a test) that
    # sends SIGTERM as soon as it sees the URL must get a clean stop, not a kill.
    signals = _catch_signals(stop)
    try:
        try:
            await web.TCPSite(runner, bind, port).start()
        except OSError as exc:
            log.error("%s cannot listen on %s:%s: %s", name, bind, port, exc)
            return 1
        host, real_port = runner.addresses[0][:2]
        url = url_of(host, real_port)
        if on_listening is not None:
            on_listening(url)
        if on_ready is not None:
            on_ready(url)
        await stop.wait()
    finally:
        loop = asyncio.get_running_loop()
        for sig in signals:
            loop.remove_signal_handler(sig)
        await runner.cleanup()
    return 0


def _catch_signals(stop: asyncio.Event) -> list[signal.Signals]:
    """SIGINT and SIGTERM set ``stop`` (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return []
    loop = asyncio.get_running_loop()
    signals = [signal.SIGINT, signal.SIGTERM]
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    return signals


class RepeatFilter(logging.Filter):
    """Let a message (by its format string) through once per ``every`` seconds; the
    next one that passes says how many were held back. The Kafka clients log each
    failed retry while a broker is away, several a second, for as long as it is."""

    def __init__(self, every: float = 10.0) -> None:
        super().__init__()
        self.every = every
        self._seen: dict[tuple[str, object], list[float]] = {}  # key -> [last, held]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.msg)
        entry = self._seen.get(key)
        now = record.created
        if entry is not None and now - entry[0] < self.every:
            entry[1] += 1
            return False
        if entry is not None and entry[1]:
            record.msg = f"{record.msg} ({int(entry[1])} like it in the last {self.every:.0f} s)"
        if len(self._seen) > 1000:
            self._seen.clear()  # bounded: a few message formats repeat, not thousands
        self._seen[key] = [now, 0]
        return True


# The clients' loggers whose retries repeat while a broker is away.
KAFKA_CLIENT_LOGGERS = (
    "aiokafka",  # aiokafka.client logs under the package's name
    "aiokafka.conn",
    "aiokafka.consumer.fetcher",
    "aiokafka.consumer.group_coordinator",
    "aiokafka.producer.sender",
)


def quiet_repeats(names: tuple[str, ...] = KAFKA_CLIENT_LOGGERS, every: float = 10.0) -> None:
    """Install a :class:`RepeatFilter` on each of the loggers ``names``."""
    for name in names:
        logging.getLogger(name).addFilter(RepeatFilter(every))


def setup_logging(level: str) -> None:
    """The log format every long-running command uses."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run_service(
    name: str,
    serve: Callable[[Callable[[str], None]], Awaitable[int]],
    *,
    log_level: str,
    kafka_log_level: int = logging.ERROR,
) -> int:
    """A command's main: logging set up, ``serve(on_ready)`` run until Ctrl-C or
    SIGTERM, where it listens printed for the user. kafka-python logs every refused
    connection; the services say once themselves when the broker is away."""
    setup_logging(log_level)
    logging.getLogger("kafka").setLevel(kafka_log_level)

    def ready(url: str) -> None:
        print(f"{name} on {url}  (Ctrl-C to stop)", flush=True)

    try:
        return asyncio.run(serve(ready))
    except KeyboardInterrupt:
        return 0
