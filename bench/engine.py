"""Benchmark the text engine on one core: stories/s, time per stage, memory.

Run: make bench (or .venv/bin/python bench/engine.py). Stories are the gold
stories under tests/data (dev corpus, seed and extra agencies), whole.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

# The checkout this file is in, not whatever copy the virtualenv installed: run as a
# script, sys.path[0] is bench/, so a git worktree would otherwise time main's engine.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.events import encode  # noqa: E402
from pipeline.text import blocks, normalise  # noqa: E402
from pipeline.text.engine import enrich  # noqa: E402

DATA = ROOT / "tests" / "data"
SECONDS = 2.0


def stories() -> list[bytes]:
    return [p.read_bytes() for p in sorted(DATA.glob("*/*.txt"))]


def rate(fn: Callable[[bytes], object], docs: list[bytes], seconds: float = SECONDS) -> float:
    """Best of 3 runs: documents per second through ``fn`` (one core, one thread)."""
    best = 0.0
    for _ in range(3):
        gc.collect()
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            for doc in docs:
                fn(doc)
            n += len(docs)
        best = max(best, n / elapsed)
    return best


def main() -> int:
    docs = stories()
    words = statistics.mean(len(normalise.decode(d).split()) for d in docs)
    kb = statistics.mean(len(d) for d in docs) / 1024
    print(f"text engine: {len(docs)} stories, mean {words:.0f} words / {kb:.1f} KiB")
    print(f"  engine: {Path(normalise.__file__).resolve().parent}")
    for d in docs:  # warm caches and compiled tables
        enrich(d)
    stages = {
        "normalise (decode, repair, lines)": normalise.lines,
        "normalise + classify blocks": lambda d: blocks.classify(normalise.lines(d)),
        "enrich without the section model": lambda d: enrich(d, section_model=None),
        "enrich (full engine)": enrich,
        "enrich + orjson encode": lambda d: encode(enrich(d)),
    }
    for name, fn in stages.items():
        per_s = rate(fn, docs)
        print(f"  {name:<36} {per_s:>8,.0f} stories/s  {1e6 / per_s:>6.0f} us/story")
    floor = rate(normalise.lines, docs)
    full = rate(lambda d: encode(enrich(d)), docs)
    target = 3000
    print(
        f"  aim {target:,} stories/s per core with the section model, event encoded: "
        f"{full:,.0f} ({'met' if full >= target else 'NOT met'}); "
        f"{full / floor:.3f} of normalise measured beside it (a ratio for noisy machines)"
    )

    tracemalloc.start()
    for d in docs:
        encode(enrich(d))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak Python memory enriching all stories once: {peak / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
