"""What the dashboard knows: the last N stories, counts per facet, rate and latency.

Pure and single-threaded (the server touches it from its event loop only), so no
locks, and tests drive it with a fake clock. Repeats are dropped by story id, as the
README asks of every consumer (delivery is at least once), using a bounded memory of
ids; an exact repeat the pipeline marked (``duplicate``) badges the row it repeats
instead. Rows carry the version badges of :mod:`pipeline.badges` and the
``story_id`` the page groups versions by. Rate and latency are keyed by
``processed_at``, not by arrival here, so a dashboard catching up on a backlog does
not draw a spike that never happened.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import Any

from pipeline import badges

Event = dict[str, Any]
Row = dict[str, Any]

HEADLINE_CHARS = 300  # a row needs no more; the full event is one click away


def _text(value: object) -> str | None:
    """``value`` when it is a non-empty string, else None: events are untrusted input."""
    return value if isinstance(value, str) and value else None


def epoch(stamp: object) -> float | None:
    """Seconds since the epoch of an ISO 8601 time such as ``2021-06-04T09:30:00.000Z``."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def latency_ms(event: Event) -> float | None:
    """``received_at`` -> ``processed_at`` in milliseconds, when both are known."""
    received, processed = epoch(event.get("received_at")), epoch(event.get("processed_at"))
    if received is None or processed is None:
        return None
    return max(0.0, (processed - received) * 1000.0)


def summarise(event: Event) -> Row:
    """The fields a list row shows: keeps every push small."""
    section = event.get("section") if isinstance(event.get("section"), dict) else {}
    dateline = event.get("dateline") if isinstance(event.get("dateline"), dict) else {}
    headline = _text(event.get("headline"))
    version = event.get("version")
    return {
        "id": str(event["id"]),
        "story_id": _text(event.get("story_id")) or str(event["id"]),
        "version": version if isinstance(version, int) and not isinstance(version, bool) else None,
        "withdrawn": badges.withdrawn(event),
        "badges": [[kind, text] for kind, text in badges.badges(event)],
        "time": _text(event.get("received_at")) or _text(event.get("processed_at")),
        "agency": _text(event.get("agency")),
        "language": _text(event.get("language")),
        "section": _text(section.get("label")),
        "place": _text(dateline.get("place")),
        "headline": headline[:HEADLINE_CHARS] if headline else None,
    }


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


class Hub:
    """Recent stories (a ring buffer by id), pending pushes and running statistics."""

    def __init__(
        self,
        capacity: int = 2000,
        *,
        window: int = 60,
        seen_limit: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.capacity = capacity
        self.window = window
        self.clock = clock
        self.seen_limit = max(seen_limit, capacity)
        self._stories: OrderedDict[str, tuple[Event, Row]] = OrderedDict()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._pending: list[Row] = []
        self.total = 0
        self.duplicates = 0
        self.invalid = 0
        self.sections: Counter[str] = Counter()
        self.agencies: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self._per_second: dict[int, int] = {}
        self._latencies: deque[tuple[float, float]] = deque(maxlen=100_000)
        self.since = clock()

    # -- input ----------------------------------------------------------------------

    def add(self, events: Iterable[Event]) -> int:
        """Take a batch of events; returns how many were new."""
        now = self.clock()
        added = 0
        for event in events:
            if not isinstance(event, dict) or not _text(event.get("id")):
                self.invalid += 1
                continue
            story_id = event["id"]
            if story_id in self._seen:
                self.duplicates += 1
                self._seen.move_to_end(story_id)
                self._mark_repeat(story_id, event)
                continue
            self._remember(story_id)
            row = summarise(event)
            self._stories[story_id] = (event, row)
            if len(self._stories) > self.capacity:
                self._stories.popitem(last=False)
            self._pending.append(row)
            self._count(event, row, now)
            added += 1
        return added

    def _mark_repeat(self, story_id: str, event: Event) -> None:
        """An agency's exact repeat (``duplicate: true``) of a row still kept: the row
        gets the REPEAT badge and is pushed again (the page updates it by id). A plain
        redelivery of the same event changes nothing."""
        entry = self._stories.get(story_id)
        if entry is None or event.get("duplicate") is not True:
            return
        row = entry[1]
        row["repeats"] = int(row.get("repeats") or 0) + 1
        if ["repeat", "REPEAT"] not in row["badges"]:
            row["badges"] = [*row["badges"], ["repeat", "REPEAT"]]
        self._pending.append(row)

    def _remember(self, story_id: str) -> None:
        self._seen[story_id] = None
        if len(self._seen) > self.seen_limit:
            self._seen.popitem(last=False)

    def _count(self, event: Event, row: Row, now: float) -> None:
        self.total += 1
        self.sections[row["section"] or "(none)"] += 1
        self.agencies[row["agency"] or "(unknown)"] += 1
        self.languages[row["language"] or "(unknown)"] += 1
        processed = epoch(event.get("processed_at"))
        if processed is None or processed < now - self.window:
            return
        processed = min(processed, now)  # a clock ahead of ours counts as now
        second = int(processed)
        self._per_second[second] = self._per_second.get(second, 0) + 1
        if len(self._per_second) > 2 * self.window:  # stats() prunes too, if anyone asks
            first = int(now) - self.window
            self._per_second = {s: n for s, n in self._per_second.items() if s >= first}
        latency = latency_ms(event)
        if latency is not None:
            self._latencies.append((processed, latency))

    # -- output ---------------------------------------------------------------------

    def get(self, story_id: str) -> Event | None:
        """The full event, while it is among the last ``capacity`` stories."""
        entry = self._stories.get(story_id)
        return entry[0] if entry else None

    def __len__(self) -> int:
        return len(self._stories)

    def recent(self, limit: int | None = None) -> list[Row]:
        """Rows of the most recent stories, oldest first."""
        rows = [row for _, row in self._stories.values()]
        return rows if limit is None else rows[-limit:] if limit > 0 else []

    def take_pending(self, limit: int) -> list[Row]:
        """Rows added since the last call, oldest first; only the newest ``limit`` of them.

        Dropping the rest is deliberate: a browser keeps a few hundred rows, and the
        counts (which it gets from :meth:`stats`) still include every story.
        """
        rows, self._pending = self._pending[-limit:], []
        return rows

    def stats(self) -> dict[str, Any]:
        """Counts, stories/s for each of the last ``window`` whole seconds, and latency."""
        now = self.clock()
        current = int(now)
        first = current - self.window
        self._per_second = {s: n for s, n in self._per_second.items() if s >= first}
        rate = [self._per_second.get(s, 0) for s in range(first, current)]
        while self._latencies and self._latencies[0][0] < now - self.window:
            self._latencies.popleft()
        recent = sorted(ms for t, ms in self._latencies if t >= now - self.window)
        return {
            "total": self.total,
            "kept": len(self._stories),
            "duplicates": self.duplicates,
            "since": dt.datetime.fromtimestamp(self.since, dt.UTC)
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "sections": self.sections.most_common(),
            "agencies": self.agencies.most_common(),
            "languages": self.languages.most_common(),
            "rate": rate,
            "latency": {
                "count": len(recent),
                "p50": percentile(recent, 50),
                "p95": percentile(recent, 95),
            },
        }
