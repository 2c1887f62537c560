"""Liveness that means progress: is the worker's event loop turning, and is it
getting through its backlog?

Metrics are served from their own thread, so a scrape answering proved nothing: a
worker whose agents were stuck still said ``wires_worker_up 1`` (issue 15). The event
loop beats (a Faust timer), the enrich agent marks each message it finishes, the lag
timer reports the backlog; :meth:`Liveness.status` turns the three into a verdict
for ``/healthz``, the k8s liveness probe and ``wires_worker_up``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# A beat every second; a loop silent for this long is stuck (its Kafka heartbeats
# have stopped too, so the group will soon evict it).
LOOP_STALL_SECONDS = 30.0
# Messages waiting and none finished for this long: the agents are stuck.
PROGRESS_STALL_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Status:
    healthy: bool
    reason: str  # "ok", or why not
    loop_age: float  # seconds since the event loop's last beat
    processed_age: float  # seconds since a message was last finished (or since start)
    lag: int


@dataclass
class Liveness:
    """Shared between the event loop (writes) and the metrics thread (reads)."""

    clock: Callable[[], float] = time.monotonic
    loop_stall: float = LOOP_STALL_SECONDS
    progress_stall: float = PROGRESS_STALL_SECONDS
    _beat: float = field(init=False)
    _processed: float = field(init=False)
    _lag: int = field(init=False, default=0)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._beat = self._processed = self.clock()

    def beat(self) -> None:
        """The event loop is turning (called by a timer on it)."""
        self._beat = self.clock()

    def processed(self) -> None:
        """A message was finished."""
        self._processed = self.clock()

    def set_lag(self, lag: int) -> None:
        """Messages assigned to this worker and not yet processed. Progress is owed
        from the moment a backlog appears, not from the last message of an idle spell."""
        with self._lock:
            if lag > 0 and self._lag == 0:
                self._processed = max(self._processed, self.clock())
            self._lag = lag

    def status(self) -> Status:
        now = self.clock()
        loop_age, processed_age = now - self._beat, now - self._processed
        with self._lock:
            lag = self._lag
        if loop_age > self.loop_stall:
            reason = f"event loop stalled for {loop_age:.0f} s"
        elif lag > 0 and processed_age > self.progress_stall:
            reason = f"{lag} messages waiting, none processed for {processed_age:.0f} s"
        else:
            reason = "ok"
        return Status(reason == "ok", reason, loop_age, processed_age, lag)
