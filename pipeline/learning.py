"""The worker's learned chrome: one :class:`~pipeline.text.learned.Memories` per
``wires.raw`` partition, kept in a table with a changelog.

Learning is per partition. A partition's memories depend only on the stories of
that partition, in offset order, so whichever worker owns the partition (after a
restart, a handover, one worker or two) learns exactly the same. The table holds
one entry per partition and feed, key ``b"PARTITION/FEED"``, value the feed's
:meth:`~pipeline.text.learned.FeedMemory.to_dict` state; it is written while a story
of that partition is processed, so the entry goes to the same changelog partition
and comes back with the raw partition when a worker recovers it.

Writes are throttled: a feed's entry is written at most every :data:`FLUSH_STORIES`
stories of that feed and partition, or after :data:`FLUSH_SECONDS` (checked when its
next story arrives). A worker that stops or crashes forgets at most the teaching of
the stories since the last write: counts only under-estimate, so that is safe (the
feed learns those lines a few stories later).

No Faust import: the table is any mutable mapping of bytes to plain dicts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

from pipeline.text import learned

if TYPE_CHECKING:
    from pipeline.text.story import Meta, Story

FLUSH_STORIES = 10  # stories of a feed (per partition) between two writes of its state
FLUSH_SECONDS = 5.0  # or this long since the last write, whichever first


def table_key(partition: int | None, feed: str) -> bytes:
    return f"{-1 if partition is None else partition}/{feed}".encode()


def split_key(key: bytes) -> tuple[int, str]:
    partition, _, feed = key.decode().partition("/")
    return int(partition), feed


class Learner:
    """Per-partition memories over a table (see the module docstring)."""

    def __init__(
        self,
        table: MutableMapping[bytes, dict],
        *,
        max_feeds: int = learned.MAX_FEEDS,
        flush_stories: int = FLUSH_STORIES,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.max_feeds = max_feeds
        self.flush_stories = flush_stories
        self.flush_seconds = flush_seconds
        self.clock = clock
        self._memories: dict[int | None, learned.Memories] = {}
        # (partition, feed) -> (stories since the last write, time of the last write)
        self._dirty: dict[tuple[int | None, str], tuple[int, float]] = {}

    def memories(self, partition: int | None) -> learned.Memories:
        """The partition's memories, loaded from the table on first use."""
        memories = self._memories.get(partition)
        if memories is None:
            memories = self._memories[partition] = learned.Memories(self.max_feeds)
            prefix = table_key(partition, "")
            feeds = {
                split_key(key)[1]: value
                for key, value in list(self.table.items())
                if key.startswith(prefix)
            }
            if feeds:
                state = {"v": learned.STATE_VERSION, "feeds": feeds}
                memories = learned.Memories.from_dict(state, self.max_feeds)
            self._memories[partition] = memories
        return memories

    def read(
        self,
        raw: bytes | str,
        meta: Meta,
        partition: int | None,
        *,
        source: str | None = None,
        **enrich_args: Any,
    ) -> tuple[Story, str]:
        """:func:`pipeline.text.learned.read` with the partition's memories, then write
        the feed's state when due; returns the story and its feed name."""
        memories = self.memories(partition)
        full = len(memories) >= memories.max_feeds
        oldest = next(iter(memories), None) if full else None
        story = learned.read(raw, meta, memories, source=source, **enrich_args)
        feed = learned.feed_name(meta.feed, story.agency, source)
        forgotten = [oldest] if full and oldest not in set(memories) else []
        self.taught(partition, feed, forgotten)
        return story, feed

    def taught(self, partition: int | None, feed: str, forgotten: Iterable[str] = ()) -> None:
        """After a story of ``feed`` taught the partition's memory: write its state when
        due; delete the entries of feeds the memory cap made it forget."""
        for name in forgotten:
            self._dirty.pop((partition, name), None)
            if table_key(partition, name) in self.table:
                del self.table[table_key(partition, name)]
        now = self.clock()
        n, since = self._dirty.get((partition, feed), (0, now))
        n += 1
        if n >= self.flush_stories or now - since >= self.flush_seconds:
            memory = self._memories[partition].get(feed)
            if memory is not None:
                self.table[table_key(partition, feed)] = memory.to_dict()
            self._dirty[(partition, feed)] = (0, now)
        else:
            self._dirty[(partition, feed)] = (n, since)

    def revoked(self, partitions: Iterable[int]) -> None:
        """Forget the local memories of partitions this worker no longer owns (their
        next owner recovers them from the changelog)."""
        for partition in partitions:
            self._memories.pop(partition, None)
            for key in [k for k in self._dirty if k[0] == partition]:
                del self._dirty[key]
