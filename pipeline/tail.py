"""Follow ``wires.enriched`` in a terminal: one readable line (or JSON) per story.

A plain kafka-python consumer that assigns itself every partition instead of
joining a group: it never takes partitions from anyone, starts instantly and
commits nothing. Without ``--from-beginning`` it starts at the end of each
partition (the true end, see :func:`pipeline.workarounds.end_offsets`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import orjson
from kafka import KafkaConsumer, TopicPartition

from pipeline import badges, workarounds
from pipeline.config import TOPIC_ENRICHED, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Filters:
    section: str | None = None  # part of the IPTC label, or its code
    agency: str | None = None
    language: str | None = None

    def accept(self, event: dict) -> bool:
        section = event.get("section") or {}
        if self.section:
            wanted = self.section.casefold()
            label = (section.get("label") or "").casefold()
            if wanted not in label and wanted != (section.get("code") or "").casefold():
                return False
        if self.agency and (event.get("agency") or "").casefold() != self.agency.casefold():
            return False
        return not (self.language and event.get("language") != self.language)


def format_line(event: dict) -> str:
    """``21:04:05  v3     EFE      economy ...  Abidjan  [KILLED] Cocoa futures hit record``

    The time is the received time (processed time when none), the one basis the
    dashboard uses too. The second column is the story's version; a section the model
    was unsure of is marked ``?politics``; badges (:mod:`pipeline.badges`: KILLED,
    CORRECTION, UPDATE n, REPEAT) lead the headline."""
    stamp = (event.get("received_at") or event.get("processed_at") or "")[11:19]
    version = f"v{event.get('version') or '?'}"
    section = (event.get("section") or {}).get("label") or "-"
    if (event.get("section") or {}).get("uncertain"):
        section = "?" + section  # the model's guess (older events carry no flag)
    place = (event.get("dateline") or {}).get("place") or "-"
    marks = badges.label(event)
    return (
        f"{stamp:8}  {version:<6} {(event.get('agency') or '-'):<8} {section[:28]:<28} "
        f"{place[:18]:<18} {marks + ' ' if marks else ''}{event.get('headline') or '(no headline)'}"
    )


def renderer(output: str) -> Callable[[dict], str]:
    """How ``tail`` prints an event: "line", "json" or "ninjs"."""
    if output == "json":
        return lambda event: orjson.dumps(event).decode()
    if output == "ninjs":
        from pipeline.formats import ninjs_out

        return lambda event: ninjs_out.dumps(event).decode()
    return format_line


READER_METADATA_MAX_AGE_MS = 5_000
"""How stale a reader's view of the cluster may get: :class:`RecreatedTopic` sees a
topic created again (after a deletion or a broker that came back empty) only through
fresh metadata, so within about this long."""


class RecreatedTopic:
    """Tells when ``topic`` was deleted and created again under the consumer's feet.

    Kafka gives a topic created again a new topic id, and its log starts at offset 0.
    A reader whose positions are below the new end fetches without any error and skips
    every story up to its old position; one past the end resets, but only when the log
    is shorter. The topic id in the consumer's metadata is the only sure sign: when it
    changes, the batch read at the old positions is dropped and the new log is read
    from its start.
    """

    def __init__(self, consumer: KafkaConsumer, topic: str) -> None:
        self.consumer = consumer
        self.topic = topic
        self.topic_id = self._current()

    def _current(self) -> Any:
        return self.consumer._client.cluster.topic_id(self.topic)

    def check(self) -> bool:
        """True (positions rewound to the start) when the topic's id changed."""
        current = self._current()
        if current is None or current == self.topic_id:
            return False
        recreated = self.topic_id is not None
        self.topic_id = current
        if recreated:
            log.warning("%s was created again; reading it from its start", self.topic)
            tps = [tp for tp in self.consumer.assignment() if tp.topic == self.topic]
            self.consumer.seek_to_beginning(*tps)
        return recreated


def assign_all(
    settings: Settings,
    topic: str,
    *,
    wait: float = 30.0,
    cancelled: Callable[[], bool] = lambda: False,
    **options: Any,
) -> tuple[KafkaConsumer, list[TopicPartition]]:
    """A group-less consumer (kafka-python ``options`` on top of the settings) assigned
    to every partition of ``topic``, waiting up to ``wait`` s for the topic to exist.

    Its fetch wait is short (:data:`pipeline.workarounds.FETCH_MAX_WAIT_MS`): on the
    embedded broker a long one delays each new story by up to that long.

    The caller seeks; on any error the consumer is closed before raising.
    """
    defaults = {
        "client_id": "wires-tail",
        "fetch_max_wait_ms": workarounds.FETCH_MAX_WAIT_MS,
        # A position past the end of a log that was emptied reads it from its start
        # (the stories there are new to this reader), never skips to its end.
        "auto_offset_reset": "earliest",
        "metadata_max_age_ms": READER_METADATA_MAX_AGE_MS,
    }
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        **{**defaults, **settings.kafka_python_security(), **options},
    )
    try:
        deadline = time.monotonic() + wait
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline and not cancelled():
            time.sleep(0.2)
            consumer.poll(timeout_ms=0)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise TimeoutError(f"topic {topic} not found on {settings.broker} after {wait:.0f} s")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
    except BaseException:
        consumer.close()
        raise
    return consumer, tps


def assigned_consumer(
    settings: Settings, topic: str, *, from_beginning: bool, wait: float = 30.0
) -> KafkaConsumer:
    """A consumer assigned to every partition of ``topic``, at its start or its end."""
    consumer, tps = assign_all(settings, topic, wait=wait)
    if from_beginning:
        consumer.seek_to_beginning(*tps)
    else:
        for tp, offset in workarounds.end_offsets(consumer, tps, tansu=settings.tansu).items():
            consumer.seek(tp, offset)
    return consumer


def follow(consumer: KafkaConsumer, *, idle_timeout: float | None = None) -> Iterator[dict]:
    """Decoded events as they arrive; stops after ``idle_timeout`` seconds of silence."""
    last = time.monotonic()
    watches = [RecreatedTopic(consumer, t) for t in {tp.topic for tp in consumer.assignment()}]
    while True:
        batch = consumer.poll(timeout_ms=200)
        if any([watch.check() for watch in watches]):
            continue  # read at positions of the old log
        for records in batch.values():
            for record in records:
                yield orjson.loads(record.value)
        if batch:
            last = time.monotonic()
        elif idle_timeout is not None and time.monotonic() - last > idle_timeout:
            return


def tail(
    settings: Settings,
    *,
    out: TextIO,
    from_beginning: bool = False,
    count: int | None = None,
    filters: Filters = Filters(),
    as_json: bool = False,
    idle_timeout: float | None = None,
    output: str = "line",
) -> int:
    """Print matching stories until ``count`` are shown, silence, or Ctrl-C.

    ``output`` is "line" (:func:`format_line`), "json" (the event; also ``as_json``)
    or "ninjs" (:func:`pipeline.formats.ninjs_out.to_ninjs`)."""
    render = renderer("json" if as_json else output)
    consumer = assigned_consumer(settings, TOPIC_ENRICHED, from_beginning=from_beginning)
    return print_events(
        consumer, render, out=out, accept=filters.accept, count=count, idle_timeout=idle_timeout
    )


def print_events(
    consumer: KafkaConsumer,
    render: Callable[[Any], str],
    *,
    out: TextIO,
    accept: Callable[[Any], bool] = lambda _: True,
    count: int | None = None,
    idle_timeout: float | None = None,
) -> int:
    """Write ``render(event)`` for each accepted event until ``count`` are shown,
    silence or Ctrl-C; the consumer is closed in the end."""
    shown = 0
    try:
        for event in follow(consumer, idle_timeout=idle_timeout):
            if not accept(event):
                continue
            out.write(render(event) + "\n")
            out.flush()
            shown += 1
            if count is not None and shown >= count:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return 0
