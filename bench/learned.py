"""Benchmark learned chrome: cost per story with learning on vs off, memory per feed.

Run: .venv/bin/python bench/learned.py. The stories are the invented sites of
tests/text/test_learned.py (distinct stories, six lines of chrome each), the
same stories read both ways in one run, interleaved in blocks so that both see
the same machine. "On" is what the stream does per story
(:func:`pipeline.text.learned.read`: read with the feed's view, then teach the
feed); "off" is the engine alone.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.text import learned
from pipeline.text.engine import enrich
from pipeline.text.story import Meta
from tests.text.test_learned import SITES, invented_story

FEEDS = 4
STORIES_PER_FEED = 600
WARM = 100  # stories per feed learned before timing starts
BLOCK = 50


def memory_bytes(memory: learned.FeedMemory) -> int:
    """Python memory of one feed's state: its dicts, keys, values and texts."""
    total = sys.getsizeof(memory)
    for d in (memory._entries, memory._texts, memory._recent):
        total += sys.getsizeof(d)
        for k, v in d.items():
            total += sys.getsizeof(k) + (sys.getsizeof(v) if v is not None else 0)
    return total


def main() -> int:
    rngs = {site: random.Random(f"bench:{site}") for site in SITES[:FEEDS]}
    stories = [
        (site, invented_story(site, k, rngs[site]).raw)
        for k in range(STORIES_PER_FEED)
        for site in SITES[:FEEDS]
    ]
    memories = learned.Memories()
    warm = WARM * FEEDS
    for site, raw in stories[:warm]:
        learned.read(raw, Meta(feed=site), memories, section_model=None)
        enrich(raw, Meta(feed=site), section_model=None)
    timed = stories[warm:]
    on = off = 0.0
    peak = (0, 0, 0)  # bytes, fingerprints, state bytes of the first feed, between halvings
    for start in range(0, len(timed), BLOCK):
        block = timed[start : start + BLOCK]
        gc.collect()
        t0 = time.perf_counter()
        for site, raw in block:
            enrich(raw, Meta(feed=site), section_model=None)
        t1 = time.perf_counter()
        for site, raw in block:
            learned.read(raw, Meta(feed=site), memories, section_model=None)
        t2 = time.perf_counter()
        off += t1 - t0
        on += t2 - t1
        first = memories.memory(SITES[0])
        peak = max(peak, (memory_bytes(first), len(first), len(first.dumps())))
    n = len(timed)
    print(f"learned chrome: {FEEDS} invented feeds, {n} distinct stories timed after {warm}")
    print(f"  engine alone (no section model)     {1e6 * off / n:>6.0f} us/story")
    print(f"  read with the view, then teach      {1e6 * on / n:>6.0f} us/story")
    print(f"  cost of learning: {on / off:.2f}x the engine alone (same run, interleaved)")

    memory = memories.memory(SITES[0])
    print(
        f"  one feed, {memory.stories} stories, {len(memory.taught())} lines taught: at most "
        f"{peak[1]} fingerprints, {peak[0] / 1024:.0f} KiB in Python, "
        f"{peak[2] / 1024:.0f} KiB as orjson state (sampled every {BLOCK} stories)"
    )
    hostile = learned.FeedMemory()
    rng = random.Random("hostile")
    worst = (0, 0, 0)
    for k in range(1000):
        hostile.observe(f"h{k}", [f"{rng.getrandbits(64):x} noise" for _ in range(100)])
        if k % learned.HALF_LIFE == learned.HALF_LIFE - 2:  # just before a halving
            worst = max(worst, (memory_bytes(hostile), len(hostile), len(hostile.dumps())))
    print(
        f"  a hostile feed, 100,000 distinct lines: at most {worst[1]} fingerprints "
        f"(cap {learned.CAPACITY}), {worst[0] / 1024:.0f} KiB in Python, "
        f"{worst[2] / 1024:.0f} KiB as orjson state; x {learned.MAX_FEEDS} feeds at most: "
        f"{worst[0] * learned.MAX_FEEDS / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
