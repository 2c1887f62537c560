"""Number the versions of a story, remembering the versions seen of each story id.

The memory is a mapping ``story_id -> state`` of plain dicts: a Faust table in
the stream (partitioned by story id, backed by a compacted changelog), a dict in
the offline command. Versions are numbered in the order they are processed,
which is the order an agency sent them while the stream keeps up; after a
backlog (copies of one story on different raw partitions) it can differ, and
``received_at`` tells the agency's order.

A text already seen for the story (same ``id``) is an exact repeat: marked
``duplicate`` with that version's number. Repeats are never dropped: after a
crash the remembered state can be ahead of what was delivered, and dropping a
"repeat" then would lose the only copy.
"""

from __future__ import annotations

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
) -> Version:
    """The version of a story text (``content_id``), remembered in ``store``.

    Entries are ``{"v": latest number, "s": latest pubstatus, "t": epoch seconds,
    "seen": {content id: number}}`` (the last :data:`MAX_REMEMBERED` texts).
    """
    entry = store.get(story_id)
    if entry is not None and content_id in entry["seen"]:
        return Version(int(entry["seen"][content_id]), duplicate=True)
    number = 1 if entry is None else int(entry["v"]) + 1
    seen = dict(entry["seen"]) if entry is not None else {}
    seen[content_id] = number
    if len(seen) > MAX_REMEMBERED:
        seen.pop(next(iter(seen)))
    store[story_id] = {
        "v": number,
        "s": pubstatus,
        "seen": seen,
        "t": time.time() if now is None else now,
    }
    return Version(number, duplicate=False)
