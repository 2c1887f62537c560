"""What became of the stories a ``feed`` sent: published, or rejected and why.

``feed`` used to print "sent 2, failed 0" for a binary file and an empty one:
the broker took both, and the worker dead-lettered both later, out of the
feeder's sight. :class:`Outcomes` notes the end of ``wires.enriched`` and
``wires.deadletter`` before the feed sends, then reads both from there for a
bounded time, matching each event to a sent file by its path (the
``wires-path`` header the feed sets, ``source.path`` in a story). Optional
(``feed --wait SECONDS``): it needs a running worker to say anything.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from kafka import TopicPartition

from pipeline import deadletters, tail, workarounds
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, Settings

PUBLISHED = "published"
REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A sent story's fate: PUBLISHED, or REJECTED with the dead letter's reason."""

    kind: str
    reason: str | None = None


class Outcomes:
    """A group-less consumer at the current end of both output topics (see module);
    ``stories=False``: of ``wires.deadletter`` only (rejects are all a drop folder
    needs to hear of, and the stories are the bulk of the traffic)."""

    def __init__(
        self,
        settings: Settings,
        *,
        topic_wait: float = 10.0,
        stories: bool = True,
        since_ms: int | None = None,
        **options: Any,
    ) -> None:
        """From the topics' current end, or from ``since_ms`` (epoch milliseconds, by
        message time) when given; ``options``: kafka-python consumer options."""
        self.consumer, letters = tail.assign_all(
            settings,
            TOPIC_DEADLETTER,
            wait=topic_wait,
            **{"client_id": "wires-feed-outcomes", **options},
        )
        try:
            parts = (self.consumer.partitions_for_topic(TOPIC_ENRICHED) if stories else None) or ()
            tps = [*letters, *(TopicPartition(TOPIC_ENRICHED, p) for p in sorted(parts))]
            self.consumer.assign(tps)
            ends = workarounds.end_offsets(self.consumer, tps, tansu=settings.tansu)
            since = {}
            if since_ms is not None:
                since = self.consumer.offsets_for_times(dict.fromkeys(tps, since_ms))
            for tp, offset in ends.items():
                found = since.get(tp)
                self.consumer.seek(tp, offset if found is None else min(found.offset, offset))
        except BaseException:
            self.consumer.close()
            raise

    def wait(self, paths: Iterable[str], timeout: float) -> dict[str, Outcome]:
        """The outcome of each of ``paths`` heard of within ``timeout`` s (those not
        heard of are missing from the answer; Ctrl-C ends the wait early)."""
        wanted = set(paths)
        found: dict[str, Outcome] = {}
        deadline = time.monotonic() + timeout
        try:
            while wanted - found.keys() and time.monotonic() < deadline:
                for path, outcome in self.poll(200):
                    if path in wanted and path not in found:
                        found[path] = outcome
        except KeyboardInterrupt:
            pass
        return found

    def poll(self, timeout_ms: int) -> list[tuple[str | None, Outcome]]:
        """``(path, outcome)`` of the events that arrived (path None: not a file's)."""
        return [
            _outcome(tp.topic, record.value)
            for tp, records in self.consumer.poll(timeout_ms=timeout_ms).items()
            for record in records
        ]

    def close(self) -> None:
        self.consumer.close()


def _outcome(topic: str, value: bytes | None) -> tuple[str | None, Outcome]:
    try:
        event = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None, Outcome(PUBLISHED)
    if not isinstance(event, dict):
        return None, Outcome(PUBLISHED)
    if topic == TOPIC_DEADLETTER:
        row = deadletters.summarise(event)
        return row["path"], Outcome(REJECTED, f"{row['reason']}: {row['error']}")
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    path = source.get("path")
    return (path if isinstance(path, str) else None), Outcome(PUBLISHED)
