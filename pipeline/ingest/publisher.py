"""The Kafka side of the ingest: one kafka-python producer, bridged to asyncio.

Why this shape:

* kafka-python is thread-based. ``send()`` can block (metadata, a full buffer), so
  it runs in a worker thread; the acknowledgement arrives on the producer's sender
  thread as a callback on a kafka-python ``Future``. Each callback hands its result
  to an asyncio future with ``loop.call_soon_threadsafe``; the event loop only ever
  awaits, never blocks.
* A request succeeds only when every record is acknowledged (acks=all) within
  ``ack_timeout``; otherwise :class:`BrokerUnavailable` and the caller answers 503
  with nothing reported as accepted. The producer's ``delivery_timeout_ms`` equals
  ``ack_timeout``, so a record given up on expires in the producer too instead of
  landing much later (a record in flight when the timeout hits may still land:
  delivery is at least once, and consumers drop repeats by story id).
* Idempotent as every producer of the pipeline (not on Tansu, see
  :func:`pipeline.feed.make_producer`); Kafka keeps producer state across a restart.
  (On Tansu, restarted on memory storage, an idempotent kafka-python producer retried
  UnknownProducerId for ever: Tansu's client_env() turns idempotence off.)
* The producer is made in the background, once ``wires.raw`` exists (only workers
  and the topic job create topics: :mod:`pipeline.topics`), so the service starts
  and answers 503 while the broker is down or has no ``wires.raw`` yet. It never
  auto-creates topics (a broker would make ``wires.raw`` with its default partition
  count and none of the topic settings), and it is replaced after a failed request:
  the new one re-checks the topic before its first send, and a long outage gives
  fast 503s instead of requests that each wait ``ack_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline import feed
from pipeline.config import TOPIC_RAW, Settings
from pipeline.ingest.stories import Record

log = logging.getLogger(__name__)

ACK_TIMEOUT = 10.0  # seconds a request waits for the broker's acknowledgements
RETRY_AFTER = 5  # seconds a client is asked to wait after a 503
CONNECT_TIMEOUT = 3.0  # one attempt to reach the broker and find wires.raw
MAX_BLOCK = 2.0  # longest a send() may block on metadata or buffer space

CONNECTING, CONNECTED, UNAVAILABLE = "connecting", "connected", "unavailable"


class BrokerUnavailable(Exception):
    """The broker did not acknowledge every record in time (or there is no producer)."""


@dataclass(frozen=True, slots=True)
class Ack:
    """Where the broker stored one record."""

    topic: str
    partition: int
    offset: int


class Publish(Protocol):
    """What the HTTP layer needs: a status and an all-or-nothing publish."""

    @property
    def status(self) -> str: ...

    async def start(self) -> None: ...

    async def publish(self, records: Sequence[Record]) -> list[Ack]: ...

    async def close(self) -> None: ...


ProducerFactory = Callable[[], KafkaProducer]


def producer_factory(settings: Settings, ack_timeout: float) -> ProducerFactory:
    """Make a producer once ``wires.raw`` exists; raises :class:`pipeline.topics.TopicError`
    when the broker cannot be reached or has no ``wires.raw`` within CONNECT_TIMEOUT."""
    ms = int(ack_timeout * 1000)

    def make() -> KafkaProducer:
        return feed.make_producer(
            settings,
            topic_wait=CONNECT_TIMEOUT,
            client_id="wires-ingest",
            max_block_ms=int(min(MAX_BLOCK, ack_timeout) * 1000),
            request_timeout_ms=max(ms - 100, 100),
            delivery_timeout_ms=ms,
            linger_ms=2,
        )

    return make


class Publisher:
    """One producer for the whole service, (re)made in the background."""

    def __init__(
        self,
        make: ProducerFactory,
        *,
        ack_timeout: float = ACK_TIMEOUT,
        retry_delay: float = 1.0,
    ) -> None:
        self._make = make
        self.ack_timeout = ack_timeout
        self.retry_delay = retry_delay
        self._made: KafkaProducer | None = None  # the current producer, even while failing
        self._producer: KafkaProducer | None = None  # the producer requests may use
        self._replace = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._status = CONNECTING
        # Own threads for connecting and closing: their waits never hold up sends.
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wires-ingest")

    @classmethod
    def for_settings(cls, settings: Settings, *, ack_timeout: float = ACK_TIMEOUT) -> Publisher:
        return cls(producer_factory(settings, ack_timeout), ack_timeout=ack_timeout)

    @property
    def status(self) -> str:
        return self._status

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._keep_producer())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        producer, self._made, self._producer = self._made, None, None
        if producer is not None:
            await asyncio.get_running_loop().run_in_executor(self._threads, _close, producer)
        self._threads.shutdown(wait=False, cancel_futures=True)

    # -- the producer's life -------------------------------------------------------------

    async def _keep_producer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._replace.clear()
            self._made = await self._connect(loop)
            self._producer, self._status = self._made, CONNECTED
            log.info("broker reachable: sending to %s", TOPIC_RAW)
            await self._replace.wait()
            old, self._made, self._producer = self._made, None, None
            log.warning("replacing the producer after a failed request")
            loop.run_in_executor(self._threads, _close, old, self.ack_timeout + 2)

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> KafkaProducer:
        warned = False
        while True:
            try:
                return await loop.run_in_executor(self._threads, self._make)
            except Exception as error:  # broker down, topics not creatable: try again
                if not warned:
                    log.warning("broker unavailable (%s); retrying", error)
                warned = True
                self._status = UNAVAILABLE
                await asyncio.sleep(self.retry_delay)

    # -- publishing ----------------------------------------------------------------------

    async def publish(self, records: Sequence[Record]) -> list[Ack]:
        """Send ``records`` and wait for all acknowledgements, or raise BrokerUnavailable."""
        producer = self._producer
        if producer is None:
            raise BrokerUnavailable(f"no connection to the broker ({self._status})")
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.ack_timeout):
                pending = await asyncio.to_thread(_send_all, producer, records)
                results = await asyncio.gather(*map(_bridge, pending), return_exceptions=True)
        except TimeoutError:
            self._failed(producer)
            raise BrokerUnavailable(f"not acknowledged within {self.ack_timeout:g} s") from None
        except KafkaError as error:
            self._failed(producer)
            raise BrokerUnavailable(f"not sent: {error}") from None
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            self._failed(producer)
            raise BrokerUnavailable(
                f"{len(errors)} of {len(records)} not acknowledged: {errors[0]}"
            )
        if producer is self._producer:
            self._status = CONNECTED
        log.debug("%d records acknowledged in %.3f s", len(records), time.monotonic() - started)
        return [Ack(m.topic, m.partition, m.offset) for m in results]  # type: ignore[union-attr]

    def _failed(self, producer: KafkaProducer) -> None:
        """Replace ``producer`` (unless that is already done) after a failed request."""
        if producer is self._producer:
            self._producer, self._status = None, UNAVAILABLE
            self._replace.set()


def _send_all(producer: KafkaProducer, records: Sequence[Record]) -> list[Any]:
    """``send()`` every record (in a worker thread: it may block); their kafka futures."""
    return [
        producer.send(TOPIC_RAW, value=r.value, key=r.key, headers=list(r.headers)) for r in records
    ]


def _bridge(pending: Any) -> asyncio.Future[Any]:
    """An asyncio future settled from a kafka-python future's callbacks (any thread)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if not future.done():  # a request that timed out has cancelled it
            (future.set_result if ok else future.set_exception)(value)

    def hand_over(ok: bool, value: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, ok, value)

    pending.add_callback(hand_over, True)
    pending.add_errback(hand_over, False)
    return future


def _close(producer: KafkaProducer, timeout: float = 5.0) -> None:
    """Close a producer; unsent records expire within ``delivery_timeout_ms``."""
    try:
        producer.close(timeout=timeout)
    except KafkaError as error:  # flush timed out: the sender thread is a daemon
        log.warning("producer did not close cleanly: %s", error)
