"""What the dashboard knows of rejected stories: the last dead letters, summarised.

Pure and single-threaded like :class:`pipeline.web.hub.Hub`. A dead letter is
summarised on arrival (:func:`pipeline.deadletters.summarise`: a safe preview,
never the payload), so a browser only ever gets short, printable text. Letters
delivered twice (at least once) are dropped by their place on the raw topic.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from typing import Any

from pipeline import deadletters

Row = dict[str, Any]


class Rejects:
    """The last ``capacity`` dead letters (oldest first) and how many were seen."""

    def __init__(self, capacity: int = 500, *, seen_limit: int = 10_000) -> None:
        self.total = 0
        self._rows: deque[Row] = deque(maxlen=capacity)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_limit = seen_limit
        self._pending: list[Row] = []

    def add(self, letters: Iterable[Any]) -> int:
        """Take a batch of decoded dead letters; returns how many were new."""
        added = 0
        for letter in letters:
            if not isinstance(letter, dict):
                continue
            row = deadletters.summarise(letter)
            key = row["where"] or f"{row['time']}|{row['name']}|{row['error']}"
            if key in self._seen:
                continue
            self._seen[key] = None
            if len(self._seen) > self._seen_limit:
                self._seen.popitem(last=False)
            row["id"] = key
            self._rows.append(row)
            self._pending.append(row)
            self.total += 1
            added += 1
        return added

    def recent(self) -> list[Row]:
        return list(self._rows)

    def take_pending(self) -> list[Row]:
        rows, self._pending = self._pending[-(self._rows.maxlen or 0) :], []
        return rows
