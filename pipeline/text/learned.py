"""What a feed teaches: the lines it prints in many different stories are its chrome.

Every site wraps the stories it sends in chrome of its own, and much of it reads
like prose (taglines, reuse disclaimers, promos between paragraphs, footers): no
rule table can list every site's sentences, and a sentence-shaped line rightly
stays body by default. But a feed repeats itself. A line printed in many
*different* stories of one feed is that feed's chrome; a line of one story is news.

:class:`FeedMemory` is a pure, bounded memory of one feed's repeated lines.
:meth:`FeedMemory.confidence` is the read-only view the text engine takes
(``enrich(..., learned=memory.confidence)``, see :data:`pipeline.text.blocks.Learned`);
:meth:`FeedMemory.observe` teaches it one story's lines. :class:`Memories` holds
one memory per feed, :func:`read` is the one step the stream and the offline
``enrich --feed`` both take for a story: read it with its feed's current view, then
teach the feed what it printed.

Safe learning, and why:

- **Distinct stories, not copies.** Lines are counted once per story key (the
  story's ``story_id``, shared by all its versions), and a key seen recently teaches
  nothing: a re-sent story or a new version cannot teach its own lines.
- **Warm-up.** No line is chrome before its count reaches :data:`WARMUP` (5).
  Counts only ever under-estimate (decay floors them, eviction forgets), so a line
  with count 5 was printed in at least five distinct stories of the feed.
- **Share.** Five stories are not enough on their own: a line is chrome when it is
  printed in at least :data:`MIN_SHARE` of the feed's recent stories. Site chrome
  is printed in nearly all of them; a background paragraph that a few stories of a
  running series repeat is printed in few, and stays body.
- **Decay.** Every :data:`HALF_LIFE` stories of the feed, every count and the
  feed's story total halve (floored; zeros are dropped), and a line not printed in
  the last :data:`STALE` stories is no longer chrome: a feed that changes its layout
  unlearns the old lines within :data:`STALE` stories.
- **Per feed.** Memory is per feed, so one feed never teaches another: an agency
  story republished by many sites is one story on each of them, and news on every one.
- **What is never learned.** The lines the rules call the headline, the dateline
  lede, the kicker, a byline, a sign-off, editor codes or a caption
  (:func:`learnable`): those have meaning of their own and repeat by nature (a
  desk's sign-off, a section label). The engine also never lets learned evidence
  rename them (:mod:`pipeline.text.blocks`): learning only turns would-be text into
  chrome.
- **No positional rule.** We do not ask a learned paragraph to sit in one position:
  sites put promos after the second paragraph in one story and the fifth in the
  next, and a repeated background paragraph moves just as much, so position
  separates nothing that the share does not.
- **Bounded.** At most :data:`CAPACITY` line fingerprints per feed (8-byte blake2b
  of the normalised line), pruned to nine tenths by lowest count, least recently
  printed first; at most :data:`MAX_TEXTS` texts kept (for listings), of at most
  :data:`TEXT_CHARS` characters; at most :data:`RECENT_STORIES` story keys
  remembered; at most :data:`MAX_LINES` lines taught per story. :class:`Memories`
  keeps at most ``max_feeds`` feeds, the least recently used forgotten first.

State is a plain dict (:meth:`FeedMemory.to_dict`) or orjson bytes
(:meth:`Memories.dumps`), so the stream can keep it in a table with a changelog.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from pipeline.text.story import Meta, Story

WARMUP = 5  # distinct stories before a line can be chrome
MIN_SHARE = 0.2  # of the feed's recent stories; confidence is 0.5 there, 1.0 at twice it
HALF_LIFE = 50  # stories of the feed between two halvings of every count
STALE = 2 * HALF_LIFE  # a line not printed in this many stories is no longer chrome
CAPACITY = 2000  # fingerprints per feed
MAX_TEXTS = 200  # texts of learned lines kept per feed, for listings
TEXT_CHARS = 200
RECENT_STORIES = 512  # story keys remembered per feed (repeats teach nothing)
MAX_LINES = 400  # lines taught per story: the first and last 200
MAX_FEEDS = 256
STATE_VERSION = 1

_LAST_BITS = 32
_LAST_MASK = (1 << _LAST_BITS) - 1
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


def fingerprint(line: str) -> int:
    """8-byte blake2b of the line casefolded, whitespace single, quotes straight."""
    key = " ".join(line.split()).translate(_FOLD).casefold()
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True, slots=True)
class Taught:
    """One line a feed taught: its count of distinct stories and the confidence."""

    fingerprint: str  # hex
    count: int
    confidence: float
    last_seen: int  # the feed's story number when it was last printed
    text: str | None  # None when the text was not kept (see MAX_TEXTS)


class FeedMemory:
    """One feed's repeated lines (see the module docstring)."""

    __slots__ = ("_entries", "_recent", "_texts", "stories", "total")

    def __init__(self) -> None:
        # fingerprint -> count << 32 | last_seen (one int: half the memory of a pair)
        self._entries: dict[int, int] = {}
        self._texts: dict[int, str] = {}
        self._recent: OrderedDict[int, None] = OrderedDict()
        self.stories = 0  # distinct stories taught, ever
        self.total = 0  # distinct stories, decayed like the counts

    def __len__(self) -> int:
        return len(self._entries)

    # -- the view ---------------------------------------------------------------

    def confidence(self, line: str) -> float:
        """How sure the feed is that ``line`` is its chrome (0-1): 0 before the
        warm-up or when not printed lately, 0.5 at :data:`MIN_SHARE` of the feed's
        recent stories, 1.0 at twice that share."""
        packed = self._entries.get(fingerprint(line))
        return 0.0 if packed is None else self._confidence(packed)

    __call__ = confidence  # a FeedMemory is itself a ``Learned`` view

    def _confidence(self, packed: int) -> float:
        count, last = packed >> _LAST_BITS, packed & _LAST_MASK
        if count < WARMUP or self.stories - last >= STALE or self.total <= 0:
            return 0.0
        return min(1.0, count / self.total / (2 * MIN_SHARE))

    def knows_any(self) -> bool:
        """Whether any line is chrome by now (a cheap test before a second reading:
        only lines that reached the warm-up keep a text, unless the texts are full)."""
        entries = self._entries
        candidates = (
            entries.values()
            if len(self._texts) >= MAX_TEXTS
            else (entries[fp] for fp in self._texts if fp in entries)
        )
        return any(self._confidence(p) >= 0.5 for p in candidates)

    # -- learning ---------------------------------------------------------------

    def observe(self, story_key: str, lines: Iterable[str]) -> bool:
        """Teach one story's lines; False when ``story_key`` was seen lately (a
        repeat or another version of the story: it teaches nothing)."""
        key = fingerprint(story_key)
        if key in self._recent:
            self._recent.move_to_end(key)
            return False
        self._recent[key] = None
        if len(self._recent) > RECENT_STORIES:
            self._recent.popitem(last=False)
        lines = list(lines)
        if len(lines) > MAX_LINES:
            lines = lines[: MAX_LINES // 2] + lines[-MAX_LINES // 2 :]
        self.stories += 1
        self.total += 1
        now = self.stories
        entries, texts = self._entries, self._texts
        taught: set[int] = set()
        for line in lines:
            if not line.strip():
                continue
            fp = fingerprint(line)
            if fp in taught:
                continue  # once per story, however often it prints the line
            taught.add(fp)
            count = (entries.get(fp, 0) >> _LAST_BITS) + 1
            entries[fp] = (count << _LAST_BITS) | now
            if count >= WARMUP and fp not in texts and len(texts) < MAX_TEXTS:
                texts[fp] = line[:TEXT_CHARS]
        if len(entries) > CAPACITY:
            self._prune()
        if now % HALF_LIFE == 0:
            self._decay()
        return True

    def _prune(self) -> None:
        """Down to nine tenths of :data:`CAPACITY`: lowest counts go first, and among
        them the least recently printed (a new line survives the lines of old news)."""
        keep = CAPACITY * 9 // 10
        ranked = sorted(self._entries.items(), key=lambda kv: kv[1], reverse=True)
        self._entries = dict(ranked[:keep])
        self._texts = {fp: t for fp, t in self._texts.items() if fp in self._entries}

    def _decay(self) -> None:
        """Halve every count and the story total; a line counted once is forgotten."""
        entries: dict[int, int] = {}
        for fp, packed in self._entries.items():
            count = (packed >> _LAST_BITS) // 2
            if count:
                entries[fp] = (count << _LAST_BITS) | (packed & _LAST_MASK)
        self._entries = entries
        self._texts = {fp: t for fp, t in self._texts.items() if fp in entries}
        self.total //= 2

    def learn(self, story: Story) -> bool:
        """Teach an enriched story: :func:`learnable` lines, keyed by its story id."""
        return self.observe(story.story_id, learnable(story))

    # -- listing and state ------------------------------------------------------

    def taught(self, minimum: float = 0.5) -> list[Taught]:
        """Lines with at least ``minimum`` confidence, surest and most printed first."""
        out = []
        for fp, packed in self._entries.items():
            conf = self._confidence(packed)
            if conf >= minimum:
                out.append(
                    Taught(
                        f"{fp:016x}",
                        packed >> _LAST_BITS,
                        round(conf, 3),
                        packed & _LAST_MASK,
                        self._texts.get(fp),
                    )
                )
        out.sort(key=lambda t: (-t.confidence, -t.count, t.fingerprint))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain state: ints, strings and lists (orjson, JSON, a table's value)."""
        return {
            "v": STATE_VERSION,
            "stories": self.stories,
            "total": self.total,
            "lines": [
                [f"{fp:016x}", p >> _LAST_BITS, p & _LAST_MASK, self._texts.get(fp)]
                for fp, p in self._entries.items()
            ],
            "recent": [f"{k:016x}" for k in self._recent],
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> FeedMemory:
        if state.get("v") != STATE_VERSION:
            raise ValueError(f"unknown learned-state version {state.get('v')!r}")
        memory = cls()
        memory.stories = int(state["stories"])
        memory.total = int(state["total"])
        for fp_hex, count, last, text in state["lines"][-CAPACITY:]:
            fp = int(fp_hex, 16)
            memory._entries[fp] = (int(count) << _LAST_BITS) | int(last)
            if text is not None and len(memory._texts) < MAX_TEXTS:
                memory._texts[fp] = str(text)[:TEXT_CHARS]
        for k in state["recent"][-RECENT_STORIES:]:
            memory._recent[int(k, 16)] = None
        return memory

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def loads(cls, data: bytes) -> FeedMemory:
        return cls.from_dict(orjson.loads(data))


def learnable(story: Story) -> list[str]:
    """The lines of an enriched story a feed may learn from: body and navigation
    lines and standfirsts; never the headline (the first headline block), the
    dateline lede (the first body block when a dateline was read), the kicker, a
    byline, a sign-off, editor codes or a caption."""
    out: list[str] = []
    headline_seen = False
    lede_skipped = story.dateline.text is None
    for block in story.blocks:
        kind = block.kind
        if kind == "headline":
            if headline_seen:
                out.append(block.text)  # a standfirst
            headline_seen = True
        elif kind == "body":
            if lede_skipped:
                out.append(block.text)
            lede_skipped = True
        elif kind == "navigation":
            out.append(block.text)
    return out


def feed_name(feed: str | None, agency: str | None = None, source: str | None = None) -> str:
    """Whose chrome a story carries: the raw message's feed, else its agency and
    source (where it came from: an ingest client, a folder), else ``"-"``."""
    if feed and feed.strip():
        return feed.strip()
    return f"{agency or '-'}@{source or '-'}"


class Memories:
    """Feed name -> :class:`FeedMemory`, at most ``max_feeds`` (least recently used
    forgotten first: a feed silent longest is the one to relearn)."""

    def __init__(self, max_feeds: int = MAX_FEEDS) -> None:
        self.max_feeds = max_feeds
        self._feeds: OrderedDict[str, FeedMemory] = OrderedDict()

    def __len__(self) -> int:
        return len(self._feeds)

    def __iter__(self) -> Iterator[str]:
        return iter(self._feeds)

    def get(self, name: str) -> FeedMemory | None:
        """The feed's memory, or None; does not create one."""
        memory = self._feeds.get(name)
        if memory is not None:
            self._feeds.move_to_end(name)
        return memory

    def memory(self, name: str) -> FeedMemory:
        """The feed's memory, created when new."""
        memory = self.get(name)
        if memory is None:
            memory = self._feeds[name] = FeedMemory()
            if len(self._feeds) > self.max_feeds:
                self._feeds.popitem(last=False)
        return memory

    def to_dict(self) -> dict[str, Any]:
        return {"v": STATE_VERSION, "feeds": {n: m.to_dict() for n, m in self._feeds.items()}}

    @classmethod
    def from_dict(cls, state: dict[str, Any], max_feeds: int = MAX_FEEDS) -> Memories:
        if state.get("v") != STATE_VERSION:
            raise ValueError(f"unknown learned-state version {state.get('v')!r}")
        memories = cls(max_feeds)
        for name, feed in list(state["feeds"].items())[-max_feeds:]:
            memories._feeds[name] = FeedMemory.from_dict(feed)
        return memories

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def loads(cls, data: bytes, max_feeds: int = MAX_FEEDS) -> Memories:
        return cls.from_dict(orjson.loads(data), max_feeds)


def read(
    raw: bytes | str,
    meta: Meta,
    memories: Memories,
    *,
    source: str | None = None,
    **enrich_args: Any,
) -> Story:
    """Read a story with its feed's current view, then teach the feed the story.

    The one step the stream and the offline ``enrich --feed`` both take, so the two
    learn the same from the same stories in the same order. A story whose message
    names no feed is filed under its agency and ``source``; the agency is known only
    once the story is read, so such a story is read first by the rules alone, and
    again with the view when its feed has learned something. ``enrich_args`` go to
    :func:`pipeline.text.engine.enrich` (``now``, ``section_model``). Raises what
    ``enrich`` raises; a story that cannot be read teaches nothing.
    """
    from pipeline.text.engine import enrich

    if meta.feed and meta.feed.strip():
        memory = memories.memory(feed_name(meta.feed))
        story = enrich(raw, meta, learned=memory.confidence, **enrich_args)
    else:
        story = enrich(raw, meta, **enrich_args)
        memory = memories.memory(feed_name(None, story.agency, source))
        if memory.knows_any():
            story = enrich(raw, meta, learned=memory.confidence, **enrich_args)
    memory.learn(story)
    return story
