"""Feed raw stories into ``wires.raw`` with kafka-python: files, folders, stdin, drop folders.

Each story goes as its exact bytes, with metadata in ``wires-*`` headers, so the
worker reads the same bytes ``enrich`` would; the file name is the message key,
which spreads files over the partitions and sends a re-sent file to the same one.
A story counts as sent only once the broker acknowledged it (acks=all). In a
drop folder a file moves to ``done/`` only after that acknowledgement (to
``failed/`` with a ``.error`` note if the broker refused it), so killing the
feeder loses nothing: unmoved files are sent again on the next start (a repeat,
which consumers drop by story id).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from tqdm import tqdm

from pipeline import events, topics, writers
from pipeline.config import TOPIC_RAW, Settings
from pipeline.outcomes import REJECTED, Outcomes
from pipeline.text.story import iso_utc

log = logging.getLogger(__name__)

DONE = "done"
FAILED = "failed"
# Headroom above the story limit for headers and record framing.
_REQUEST_HEADROOM = 64 * 1024
_PROGRESS_FROM = 50  # show a progress bar from this many stories
_FILED_MEMORY = 10_000  # files in done/ a later dead letter may still move to failed/
VERDICT_WAIT = 300.0  # seconds a sent file may still be dead-lettered (a worker's backlog)


# A failure that is the broker's, not the story's: the drop folder keeps the file to
# send again (a broker away longer than the producer's max_block_ms included).
NOT_ACKNOWLEDGED = "not acknowledged"


@dataclass(slots=True)
class FeedReport:
    """What a feed run did: acknowledged stories and failures with their reasons."""

    sent: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_sent: int = 0  # stories left when the run was interrupted (Ctrl-C, SIGTERM)
    acknowledged: list[str] = field(default_factory=list)  # names of the sent ones
    # What the pipeline made of the sent ones (feed --wait): None when not asked.
    rejected: list[tuple[str, str]] = field(default_factory=list)
    published: int | None = None
    unheard: int = 0  # sent, but neither published nor rejected within the wait

    def summary(self) -> str:
        text = f"sent {self.sent}, failed {len(self.failed)}"
        if self.not_sent:
            text += f", interrupted: {self.not_sent} not sent"
        text += "".join(f"\n  {name}: {reason}" for name, reason in self.failed)
        if self.published is not None:
            text += f"\npublished {self.published}, rejected {len(self.rejected)}"
            if self.unheard:
                text += f", no word yet on {self.unheard} (is a worker running?)"
        elif self.rejected:  # a drop folder hears of rejects only
            text += f"\nrejected by the pipeline {len(self.rejected)}"
        text += "".join(f"\n  {name}: {reason}" for name, reason in self.rejected)
        return text


# Seconds a feed waits for ``wires.raw`` to be created (by a worker or the topic job).
TOPIC_WAIT = 60.0


def make_producer(
    settings: Settings, *, topic_wait: float = TOPIC_WAIT, **overrides: object
) -> KafkaProducer:
    """A kafka-python producer that waits for all in-sync replicas.

    Waits up to ``topic_wait`` seconds for ``wires.raw`` (saying so) and never lets
    the broker auto-create it: an auto-created topic has the broker's default
    partition count instead of ``WIRES_PARTITIONS`` and none of the topic settings.
    Raises :class:`pipeline.topics.TopicError` when it does not appear.
    """
    topics.wait_for_topics(
        settings, [TOPIC_RAW], timeout=topic_wait, who=str(overrides.get("client_id", "feed"))
    )
    options: dict[str, object] = {
        "allow_auto_create_topics": False,
        "bootstrap_servers": settings.bootstrap_servers,
        "acks": "all",
        # Idempotent, so a retry after a lost ack (a leader change, a broker restart)
        # does not write the story twice. Off only where the broker lacks
        # InitProducerId (Tansu: WIRES_BROKER_KIND=tansu, set by its client_env()).
        "enable_idempotence": settings.idempotent,
        "linger_ms": 5,
        # Retries without a count, bounded by time: just after a broker (re)start its
        # partitions answer NotLeaderForPartition for a few seconds, longer than five
        # retries at 100 ms last. Safe with idempotence: order and no doubles hold.
        "delivery_timeout_ms": 120_000,
        "max_request_size": settings.max_story_bytes + _REQUEST_HEADROOM,
        "client_id": "wires-feed",
        **settings.kafka_python_security(),
    }
    options.update(overrides)
    return KafkaProducer(**options)


def headers(
    *, feed: str | None, received_at: str | None, path: str | None, original_id: str | None
) -> list[tuple[str, bytes]]:
    """The ``wires-*`` headers of a plain-text raw message (absent values left out)."""
    pairs = [
        (events.HEADER_FEED, feed),
        (events.HEADER_RECEIVED_AT, received_at),
        (events.HEADER_PATH, path),
        (events.HEADER_ID, original_id),
        (events.HEADER_CONTENT_TYPE, "text/plain"),
    ]
    return [(name, value.encode()) for name, value in pairs if value]


def stories_in(paths: Iterable[str]) -> Iterator[Path | None]:
    """Each path in order; a folder gives its files (sorted, not hidden, not ``done/``
    or ``failed/``); ``-`` gives ``None`` for stdin."""
    for raw in paths:
        if raw == "-":
            yield None
            continue
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not _hidden_or_filed(p.relative_to(path))
            )
        else:
            yield path


def _hidden_or_filed(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts) or relative.parts[0] in (
        DONE,
        FAILED,
    )


def feed(
    paths: Iterable[str],
    producer: KafkaProducer,
    *,
    feed_name: str | None = None,
    received_at: str | None = None,
    stdin: BinaryIO | None = None,
    progress: TextIO | None = sys.stderr,
    timeout: float = 60.0,
    interruptible: bool = True,
) -> FeedReport:
    """Send every story in ``paths``; return once each is acknowledged or failed.

    Interrupted (KeyboardInterrupt: Ctrl-C, or SIGTERM as the CLI maps it), it stops
    sending, still waits for what was sent, and reports how many were not sent; with
    ``interruptible=False`` the interrupt goes to the caller (the drop folder leaves
    its files in place, to be sent on the next start)."""
    report = FeedReport()
    sources = list(stories_in(paths))
    pending: list[tuple[str, object]] = []
    bar = tqdm(
        total=len(sources),
        unit="story",
        file=progress,
        desc="feeding",
        disable=progress is None or len(sources) < _PROGRESS_FROM,
    )
    try:
        for source in sources:
            _send_one(source, producer, report, pending, bar, feed_name, received_at, stdin)
    except KeyboardInterrupt:
        if not interruptible:
            raise
        report.not_sent = len(sources) - len(pending) - len(report.failed)
    producer.flush(timeout=timeout)
    bar.close()
    for name, future in pending:
        try:
            future.get(timeout=timeout)  # type: ignore[attr-defined]
            report.sent += 1
            report.acknowledged.append(name)
        except KafkaError as error:
            report.failed.append((name, f"{NOT_ACKNOWLEDGED}: {error}"))
    return report


def _send_one(
    source: Path | None,
    producer: KafkaProducer,
    report: FeedReport,
    pending: list[tuple[str, object]],
    bar: tqdm,
    feed_name: str | None,
    received_at: str | None,
    stdin: BinaryIO | None,
) -> None:
    """Read one story and hand it to the producer (its future joins ``pending``)."""
    name = "<stdin>" if source is None else str(source)
    try:
        data = (stdin or sys.stdin.buffer).read() if source is None else source.read_bytes()
    except OSError as error:
        report.failed.append((name, f"cannot read: {error.strerror or error}"))
        bar.update()
        return
    key = None if source is None else source.name.encode()
    head = headers(
        feed=feed_name,
        received_at=received_at or iso_utc(dt.datetime.now(dt.UTC)),
        path=None if source is None else str(source),
        original_id=None if source is None else source.name,
    )
    try:
        events.check_envelope(key, head)  # the worker's limits, refused here first
        future = producer.send(TOPIC_RAW, key=key, value=data, headers=head)
    except events.BadMessage as error:
        report.failed.append((name, f"refused ({error.reason}): {error}"))
        bar.update()
        return
    except KafkaTimeoutError as error:  # no broker took it within max_block_ms
        report.failed.append((name, f"{NOT_ACKNOWLEDGED} (broker away): {error}"))
        bar.update()
        return
    except KafkaError as error:
        report.failed.append((name, f"not sent: {error}"))
        bar.update()
        return
    future.add_both(lambda _result: bar.update())
    pending.append((name, future))


class DropFolder:
    """Watch a folder: send each new file, then file it under ``done/`` or ``failed/``.

    A file is read only once it is complete: its size and modification time the
    same at two scans in a row, unchanged for ``settle`` seconds, and open for
    writing by no process (:func:`pipeline.writers.being_written`). A writer that
    pauses (a slow network copy) kept the file open, or, closing and reopening it,
    pauses less than ``settle``; a file moved in by a rename from the same disk is
    complete when it appears. A file read early used to be sent half, and its rest became
    a second story.

    With ``settings`` it also follows ``wires.deadletter``: a file the worker rejected
    moves on from ``done/`` to ``failed/`` with a ``.error`` note giving the reason,
    instead of looking sent. The follower opens once files were sent (reading from
    just before the send, by message time) and closes once none was sent for
    :data:`VERDICT_WAIT` s, so an idle folder, or one whose broker is away, holds no
    second connection (whose errors would fill the log).
    """

    def __init__(
        self,
        folder: Path,
        producer: KafkaProducer,
        *,
        feed_name: str | None = None,
        poll: float = 0.5,
        settle: float = 2.0,
        timeout: float = 30.0,
        settings: Settings | None = None,
    ) -> None:
        self.folder = folder
        self.settings = settings
        self._rejects: Outcomes | None = None
        self._rejects_retry_at = 0.0
        self._last_sent = 0.0
        self._filed: OrderedDict[str, Path] = OrderedDict()  # sent path -> its done/ file
        self.producer = producer
        self.feed_name = feed_name or folder.name
        self.poll = poll
        self.settle = settle
        self.timeout = timeout
        self.report = FeedReport()
        self.stopping = threading.Event()
        self._seen: dict[str, tuple[int, int]] = {}  # name -> (size, mtime_ns) last scan
        for sub in (DONE, FAILED):
            (folder / sub).mkdir(parents=True, exist_ok=True)

    def ready_files(self) -> list[Path]:
        """The complete files (see the class), oldest name first."""
        now = time.time()
        seen, self._seen = self._seen, {}
        candidates = []
        for entry in os.scandir(self.folder):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            stat = entry.stat()
            shape = (stat.st_size, stat.st_mtime_ns)
            self._seen[entry.name] = shape
            if seen.get(entry.name) == shape and now - stat.st_mtime >= self.settle:
                candidates.append(Path(entry.path))
        busy = writers.being_written(candidates)
        return sorted(path for path in candidates if path not in busy)

    def run_once(self) -> int:
        """Send what is ready and file it; returns how many files were handled."""
        files = self.ready_files()
        if not files:
            return 0
        started_ms = int(time.time() * 1000) - 5000  # clocks of broker and host may differ
        report = feed(
            [str(f) for f in files],
            self.producer,
            feed_name=self.feed_name,
            progress=None,
            timeout=self.timeout,
            interruptible=False,
        )
        failed = dict(report.failed)
        if report.sent:
            self._follow_rejects(started_ms)
        for path in files:
            reason = failed.get(str(path))
            if reason is not None and reason.startswith(NOT_ACKNOWLEDGED):
                continue  # broker trouble: leave it here to retry on the next poll
            target = _move_to(path, self.folder / (FAILED if reason else DONE))
            if reason:
                target.with_name(target.name + ".error").write_text(reason + "\n")
                log.warning("drop folder: %s failed: %s", path.name, reason)
            elif self._rejects is not None:
                self._filed[str(path)] = target
                self._last_sent = time.monotonic()
                while len(self._filed) > _FILED_MEMORY:
                    self._filed.popitem(last=False)
        self.report.sent += report.sent
        self.report.failed.extend(report.failed)
        return len(files)

    def _follow_rejects(self, since_ms: int) -> None:
        """Open the dead-letter follower at ``since_ms``, unless open, without settings,
        or it failed less than 30 s ago."""
        if self.settings is None or self._rejects is not None:
            return
        if time.monotonic() < self._rejects_retry_at:
            return
        try:
            self._rejects = Outcomes(
                self.settings, topic_wait=1.0, stories=False, since_ms=since_ms
            )
        except (TimeoutError, KafkaError) as error:
            log.debug("drop folder: not following wires.deadletter: %s", error)
            self._rejects_retry_at = time.monotonic() + 30.0

    def _close_rejects(self) -> None:
        if self._rejects is not None:
            self._rejects.close()
            self._rejects = None
        self._filed.clear()

    def file_rejects(self, timeout_ms: int = 0) -> int:
        """Move the files the worker dead-lettered from ``done/`` to ``failed/`` (with a
        ``.error`` note); returns how many. A no-op while the follower is closed."""
        if self._rejects is None:
            return 0
        if not self._filed or time.monotonic() - self._last_sent > VERDICT_WAIT:
            self._close_rejects()
            return 0
        moved = 0
        for path, outcome in self._rejects.poll(timeout_ms):
            done = self._filed.pop(path, None) if path else None
            if done is None or outcome.kind != REJECTED or not done.exists():
                continue
            target = _move_to(done, self.folder / FAILED)
            note = f"rejected by the pipeline: {outcome.reason}\n"
            target.with_name(target.name + ".error").write_text(note)
            log.warning("drop folder: %s rejected: %s", done.name, outcome.reason)
            self.report.rejected.append((str(path), outcome.reason or ""))
            moved += 1
        return moved

    def run(self) -> FeedReport:
        """Poll until :meth:`stop` (or Ctrl-C) is called."""
        log.info("watching %s for stories (done/ and failed/ inside)", self.folder)
        try:
            while not self.stopping.is_set():
                try:
                    handled = self.run_once()
                    self.file_rejects()
                except KafkaError as error:
                    log.warning("drop folder: broker unavailable (%s); retrying", error)
                    handled = 0
                if not handled:
                    self.stopping.wait(self.poll)
        finally:
            self._close_rejects()
        return self.report

    def stop(self) -> None:
        self.stopping.set()


def _move_to(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` without overwriting an earlier file of that name."""
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    return target
