"""Follow ``wires.enriched`` in a thread and hand decoded batches to the server.

Where it starts: at the end of each partition minus a recent window (``backlog``
stories spread over the partitions), so a dashboard opened on a busy topic shows
the last stories at once without replaying the whole log. It assigns itself every
partition (no consumer group, as ``pipeline.tail`` does), commits nothing and takes
partitions from nobody.

Surviving a broker restart: kafka-python reconnects by itself, so the thread only
watches. Every ``probe_interval`` s it asks for the end offsets; while that fails the
status is ``disconnected``. When the broker answers again the consumer is checked: a
partition whose read position is past the log end (the log was lost, e.g. an
in-memory broker) is read again from its start, and a changed partition count means
a fresh consumer. A consumer that stays unreachable for ``rebuild_after`` s, or that
raises, is closed and rebuilt with backoff; the new one resumes where the old one
stopped (repeats are dropped by id downstream). The consumer comes from
:func:`pipeline.tail.assign_all` with ``auto_offset_reset='earliest'`` (an
out-of-range position must not skip stories), a short bootstrap timeout and
reconnect backoff, and these start offsets.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline import tail, workarounds
from pipeline.config import TOPIC_ENRICHED, Settings

log = logging.getLogger(__name__)

Deliver = Callable[[list[dict[str, Any]]], None]

CONNECTING = "connecting"
CONNECTED = "connected"
WAITING = "waiting for topic"
DISCONNECTED = "disconnected"


def open_consumer(
    settings: Settings,
    topic: str,
    *,
    backlog: int,
    positions: Mapping[int, int] | None = None,
    wait: float = 10.0,
    cancelled: Callable[[], bool] = lambda: False,
) -> KafkaConsumer:
    """A consumer assigned to every partition of ``topic``, at :func:`start_offset` of each
    (``positions``: partition -> next offset to read, from an earlier consumer).

    Raises :class:`TimeoutError` when the topic does not show up within ``wait`` s (or
    ``cancelled()`` turns true), a ``KafkaError`` when no broker answers in 3 s.
    """
    consumer, tps = tail.assign_all(
        settings,
        topic,
        wait=wait,
        cancelled=cancelled,
        auto_offset_reset="earliest",
        client_id="wires-dashboard",
        reconnect_backoff_ms=100,
        reconnect_backoff_max_ms=1000,
        bootstrap_timeout_ms=3000,  # the constructor blocks this long without a broker
        request_timeout_ms=10_000,
        fetch_max_wait_ms=200,
        max_poll_records=1000,
    )
    try:
        window = math.ceil(backlog / len(tps)) if backlog > 0 else 0
        known = positions or {}
        begins = consumer.beginning_offsets(tps)
        for tp, end in workarounds.end_offsets(consumer, tps, tansu=settings.tansu).items():
            consumer.seek(tp, start_offset(begins[tp], end, known.get(tp.partition), window))
    except BaseException:
        consumer.close()
        raise
    return consumer


def start_offset(begin: int, end: int, known: int | None, window: int) -> int:
    """Where to start reading a partition that holds offsets ``begin`` to ``end - 1``.

    Where we stopped (``known``) when we know it, unless the log now ends before that
    (a broker that lost it): then from its start. Else the last ``window`` offsets.
    """
    if known is None:
        return max(begin, end - window)
    if known > end:
        return begin
    return max(begin, known)


class StorySource:
    """A daemon thread that polls ``wires.enriched`` and calls ``deliver`` with each batch.

    ``deliver`` runs in this thread: the server passes a function that hops onto its
    event loop. ``status`` is one of CONNECTING, CONNECTED, WAITING, DISCONNECTED.
    """

    def __init__(
        self,
        settings: Settings,
        deliver: Deliver,
        *,
        topic: str = TOPIC_ENRICHED,
        backlog: int = 2000,
        probe_interval: float = 2.0,
        rebuild_after: float = 30.0,
    ) -> None:
        self.settings = settings
        self.deliver = deliver
        self.topic = topic
        self.backlog = backlog
        self.probe_interval = probe_interval
        self.rebuild_after = rebuild_after
        self.status = CONNECTING
        self.error: str | None = None
        self.received = 0
        self.undecodable = 0
        self.positions: dict[int, int] = {}  # partition -> next offset, for a rebuilt consumer
        self.topic_id: Any = None  # whose log ``positions`` are in
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-source", daemon=True)

    def start(self) -> StorySource:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish and wait for it (it closes its consumer)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the thread -----------------------------------------------------------------

    def _set(self, status: str, error: str | None = None) -> None:
        if status != self.status:
            log.info("%s: %s%s", self.topic, status, f" ({error})" if error else "")
        self.status, self.error = status, error

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                consumer = open_consumer(
                    self.settings,
                    self.topic,
                    backlog=self.backlog,
                    positions=self.positions,
                    cancelled=self._stop.is_set,
                )
            except TimeoutError as exc:
                self._set(WAITING, str(exc))
            except (KafkaError, OSError) as exc:
                self._set(DISCONNECTED, f"{type(exc).__name__}: {exc}")
            else:
                delay = 0.5
                try:
                    self._consume(consumer)
                except Exception as exc:  # keep the thread alive whatever the client does
                    log.warning("consumer failed, rebuilding it: %r", exc)
                    self._set(DISCONNECTED, f"{type(exc).__name__}: {exc}")
                finally:
                    consumer.close(timeout_ms=2000)
            self._stop.wait(delay)
            delay = min(delay * 2, 5.0)

    def _consume(self, consumer: KafkaConsumer) -> None:
        """Poll until stopped, or until the consumer needs rebuilding (then return)."""
        tps = sorted(consumer.assignment(), key=lambda tp: tp.partition)
        watch = tail.RecreatedTopic(consumer, self.topic)
        if self.topic_id is not None and watch.topic_id not in (None, self.topic_id):
            log.warning("%s was created again; reading it from its start", self.topic)
            consumer.seek_to_beginning(*tps)
            self.positions.clear()
        self.topic_id = watch.topic_id or self.topic_id
        self._set(CONNECTED)
        next_probe = time.monotonic() + self.probe_interval
        down_since: float | None = None
        while not self._stop.is_set():
            batch = consumer.poll(timeout_ms=200)
            if watch.check():
                self.positions.clear()
                self.topic_id = watch.topic_id
            elif batch:
                self._deliver(batch)
            if time.monotonic() < next_probe:
                continue
            next_probe = time.monotonic() + self.probe_interval
            try:
                consumer.end_offsets(tps, timeout_ms=int(self.probe_interval * 1000))
            except (KafkaError, OSError) as exc:
                down_since = down_since or time.monotonic()
                self._set(DISCONNECTED, f"{type(exc).__name__}: {exc}")
                if time.monotonic() - down_since > self.rebuild_after:
                    return
                continue
            if down_since is not None:
                down_since = None
                if not self._recover(consumer, tps):
                    return
            self._set(CONNECTED)

    def _recover(self, consumer: KafkaConsumer, tps: list[TopicPartition]) -> bool:
        """After an outage: rewind partitions whose log shrank; False if the topic changed."""
        partitions = consumer.partitions_for_topic(self.topic) or set()
        if partitions != {tp.partition for tp in tps}:
            log.info("partitions of %s changed; new consumer", self.topic)
            return False
        ends = workarounds.end_offsets(consumer, tps, tansu=self.settings.tansu)
        starts = consumer.beginning_offsets(tps)
        for tp in tps:
            if consumer.position(tp) > ends[tp]:
                log.info(
                    "%s[%d] restarted below our position; reading it from the start",
                    tp.topic,
                    tp.partition,
                )
                consumer.seek(tp, starts[tp])
                self.positions[tp.partition] = starts[tp]
        return True

    def _deliver(self, batch: dict[TopicPartition, list[Any]]) -> None:
        events = []
        for tp, records in batch.items():
            if records:
                self.positions[tp.partition] = records[-1].offset + 1
            for record in records:
                try:
                    event = orjson.loads(record.value)
                except (orjson.JSONDecodeError, TypeError):
                    self.undecodable += 1
                    continue
                if isinstance(event, dict):
                    events.append(event)
                else:
                    self.undecodable += 1
        self.received += len(events)
        if events:
            self.deliver(events)
