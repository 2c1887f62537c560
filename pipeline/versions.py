"""Number the versions of a story, remembering the versions seen of each story id,
for a while.

The memory is a mapping ``story_id -> state`` of plain dicts: a Faust table in
the stream (partitioned by story id, backed by a compacted changelog), a dict in
the offline command. Versions are numbered in the order they are processed,
which is the order an agency sent them while the stream keeps up; after a
backlog (copies of one story on different raw partitions) it can differ, and
``received_at`` tells the agency's order.

A text already seen for the story (same ``id``) is an exact repeat: marked
``duplicate`` with that version's number. So is a raw message already seen (same
``raw`` digest of the bytes the feed sent) even when it reads differently the second
time: a feed's learned chrome, which the reading depends on, can be behind after a
crash or an emptied broker, and the same message read again must not become a new
version. Repeats are never dropped: after a
crash the remembered state can be ahead of what was delivered, and dropping a
"repeat" then would lose the only copy.

A story not seen for ``WIRES_VERSIONS_TTL`` is forgotten (:class:`Expiry`), so
the memory stays bounded however long the pipeline runs; a version arriving
after that starts again at 1.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

# Texts remembered per story for spotting repeats (agencies rarely exceed a few).
MAX_REMEMBERED = 16


@dataclass(frozen=True, slots=True)
class Version:
    """The number a story version gets, and whether it repeats a version seen."""

    number: int
    duplicate: bool


def assign(
    store: MutableMapping[Any, dict],
    story_id: Any,
    content_id: str,
    pubstatus: str,
    *,
    now: float | None = None,
    partition: int | None = None,
    raw: str | None = None,
) -> Version:
    """The version of a story text (``content_id``), remembered in ``store``.

    Entries are ``{"v": latest number, "s": latest pubstatus, "t": epoch seconds,
    "p": partition, "seen": {content id: number}, "raw": {raw digest: number}}`` (the
    last :data:`MAX_REMEMBERED` of each; ``partition`` is the stream partition the
    story id belongs to; ``raw`` the digest of the message the text was read from,
    :func:`raw_digest`).
    """
    entry = store.get(story_id)
    if entry is not None:
        if content_id in entry["seen"]:
            return Version(int(entry["seen"][content_id]), duplicate=True)
        if raw is not None and raw in entry.get("raw", ()):
            return Version(int(entry["raw"][raw]), duplicate=True)
    number = 1 if entry is None else int(entry["v"]) + 1
    seen = _remember(entry["seen"] if entry is not None else {}, content_id, number)
    state = {
        "v": number,
        "s": pubstatus,
        "seen": seen,
        "t": time.time() if now is None else now,
        "p": partition,
    }
    raws = entry.get("raw", {}) if entry is not None else {}
    if raw is not None:
        raws = _remember(raws, raw, number)
    if raws:
        state["raw"] = raws
    store[story_id] = state
    return Version(number, duplicate=False)


def _remember(memory: dict[str, int], key: str, number: int) -> dict[str, int]:
    """``memory`` with ``key`` added, the oldest dropped past :data:`MAX_REMEMBERED`."""
    memory = {**memory, key: number}
    if len(memory) > MAX_REMEMBERED:
        memory.pop(next(iter(memory)))
    return memory


def raw_digest(text: bytes | str) -> str:
    """A short digest of a raw story as the feed sent it (what :func:`assign` calls
    ``raw``): the same bytes give the same digest in every worker and run."""
    data = text.encode() if isinstance(text, str) else text
    return hashlib.blake2b(data, digest_size=12).hexdigest()


class Expiry:
    """Forget stories not seen for ``ttl`` seconds, a few at a time.

    In the stream a table entry may only be deleted while an event of the same
    partition is being processed (the deletion goes to that partition's
    changelog), so :meth:`step` handles one partition: every ``interval``
    seconds it lists that partition's story ids, then each call examines at most
    ``budget`` of them, so no call stalls the stream.
    """

    def __init__(self, ttl: float, *, interval: float = 600.0, budget: int = 200) -> None:
        self.ttl = ttl
        self.interval = interval
        self.budget = budget
        self._queue: dict[int | None, list[Any]] = {}
        self._listed_at: dict[int | None, float] = {}

    def step(
        self, store: MutableMapping[Any, dict], partition: int | None, *, now: float | None = None
    ) -> int:
        """Forget up to ``budget`` expired stories of ``partition``; returns how many."""
        moment = time.time() if now is None else now
        queue = self._queue.setdefault(partition, [])
        if not queue:
            if moment - self._listed_at.get(partition, float("-inf")) < self.interval:
                return 0
            self._listed_at[partition] = moment
            queue.extend(key for key, entry in store.items() if entry.get("p") == partition)
        forgotten = 0
        for _ in range(min(self.budget, len(queue))):
            key = queue.pop()
            entry = store.get(key)
            if entry is not None and moment - entry["t"] > self.ttl:
                del store[key]
                forgotten += 1
        return forgotten
